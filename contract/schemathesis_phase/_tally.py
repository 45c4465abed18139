"""What schemathesis reports during a phase, collected: findings (redacted, de-duplicated),
requests, and the instances it created (handed on to the caller as they are seen)."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from contract.interrupts import hold_interrupts
from contract.secrets import REDACTED, redact, secret_forms

__all__ = [
    "OnCreated",
    "OnResponse",
    "Redactor",
    "Refused",
    "SchemathesisFinding",
    "Tally",
    "consume",
    "object_ids",
]

OnCreated = Callable[[str], None]
"""Called with the id of each instance schemathesis created, once."""
OnResponse = Callable[[str, str, int, bytes], None]
"""Called with (method, path relative to the API root, status, body) of each answer."""

_CURL_AUTH: Final = '-u "$CLOSE_API_KEY:"'
_CURL_BEARER: Final = '-H "Authorization: Bearer $CLOSE_API_KEY"'
# A credential in a reproduction, unless it is already the reference to the run's key.
_AUTHORIZATION: Final = re.compile(
    r"(Authorization:\s*(?:Basic|Bearer)\s+)(?!\$CLOSE_API_KEY\b)[^'\"\s]+", re.I
)
_OBJECT_ID: Final = re.compile(r"^custobj_[0-9A-Za-z]+$")
_CREATE_PATH: Final = "/custom_object"
_WRITES: Final = frozenset({"PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class SchemathesisFinding:
    """One failure a schemathesis check reported (de-duplicated per check, operation, title)."""

    check: str
    operation: str
    title: str
    message: str
    reproduction: str


class Redactor:
    """Takes the key out of text, in every form a request could carry it."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.basic = base64.b64encode(f"{api_key}:".encode()).decode()
        self._forms = secret_forms([api_key])  # once: this runs on every finding's text

    def __call__(self, text: str) -> str:
        # The run's own credentials become a reference to the key, as in the client's
        # reproductions, so the command works once CLOSE_API_KEY is set.
        text = text.replace(f"-H 'Authorization: Basic {self.basic}'", _CURL_AUTH)
        text = text.replace(f"-H 'Authorization: Bearer {self.api_key}'", _CURL_BEARER)
        text = redact(text, self._forms)
        # Any other credential (a probe's made-up one) is hidden as well.
        return _AUTHORIZATION.sub(r"\1" + REDACTED, text)


def object_ids(value: Any) -> Iterable[str]:
    """Every custom object id anywhere in a JSON value."""
    if isinstance(value, str):
        if _OBJECT_ID.match(value):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from object_ids(item)
    elif isinstance(value, list):
        for item in value:
            yield from object_ids(item)


class Refused(RuntimeError):
    """A PUT or DELETE aimed at an instance the run did not create."""


@dataclass(slots=True)
class Tally:
    """What the run has seen so far; filled from hooks (as it happens) and from events."""

    redact: Redactor
    protected: set[str]
    # The API root's path ("/api/v1"): what paths handed to on_response are relative to.
    root: str = ""
    on_created: OnCreated | None = None
    on_response: OnResponse | None = None
    findings: dict[tuple[str, str, str], SchemathesisFinding] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    created: dict[str, None] = field(default_factory=dict)
    requests: int = 0
    operations: set[str] = field(default_factory=set)
    # Schemathesis took a Ctrl-C as the end of its run.
    interrupted: bool = False
    # Creates are seen from schemathesis's worker threads (hooks) and from the event stream.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count_waited(self) -> None:
        """One more request: a 429 that schemathesis waits out and sends again (called from
        its worker threads)."""
        with self._lock:
            self.requests += 1

    def relative(self, url: str) -> str:
        """The path of ``url`` relative to the API root, as the client reports paths."""
        path = urlsplit(url).path
        if self.root and path.startswith(self.root + "/"):
            path = path[len(self.root) :]
        return path.lstrip("/")

    def observe(self, method: str, url: str, status: int, content: bytes | None) -> None:
        """Note the instance ids in a response: its own creates, and every other one seen."""
        try:
            body = json.loads(content) if content else None
        except ValueError:
            return
        path = urlsplit(url).path.rstrip("/")
        if method.upper() == "POST" and 200 <= status < 300 and path.endswith(_CREATE_PATH):
            object_id = body.get("id") if isinstance(body, dict) else None
            if isinstance(object_id, str) and object_id:
                self._created(object_id)
        # Anything else a response names may belong to someone else: the lead's other
        # instances, reference targets echoed in custom values.
        self.protected.update(i for i in object_ids(body) if i not in self.created)

    def _created(self, object_id: str) -> None:
        # Ctrl-C (where it can be held: on the main thread) waits until the caller has it.
        with hold_interrupts(), self._lock:
            if object_id in self.created:
                return
            self.created[object_id] = None
            if self.on_created is not None:
                self.on_created(object_id)

    def guard(self, method: str, object_id: Any) -> None:
        """Refuse to change an instance the run did not create."""
        if method.upper() in _WRITES and object_id in self.protected - self.created.keys():
            raise Refused(
                f"refused to send {method.upper()} custom_object/{object_id}/: the run did not "
                "create that instance (its id came from a response or the references)"
            )

    def error(self, text: str) -> None:
        text = self.redact(text)
        if text not in self.errors:
            self.errors.append(text)

    def finding(self, check: str, operation: str, title: str, message: str, curl: str) -> None:
        key = (check, operation, title)
        if key not in self.findings:
            self.findings[key] = SchemathesisFinding(
                check=check,
                operation=operation,
                title=title,
                message=self.redact(message).strip(),
                reproduction=self.redact(curl),
            )

    def scenario(self, recorder: Any, *, stateful: bool) -> None:
        """Count one finished scenario's requests and collect its failures."""
        if not stateful and recorder.label:
            self.operations.add(recorder.label)
        for interaction in recorder.interactions.values():
            self.requests += 1
            response = interaction.response
            if response is not None:
                request = interaction.request
                self.observe(request.method, request.uri, response.status_code, response.content)
                if self.on_response is not None:
                    self.on_response(
                        request.method.upper(),
                        self.relative(request.uri),
                        response.status_code,
                        response.content or b"",
                    )
        for case_id, nodes in recorder.checks.items():
            node = recorder.cases.get(case_id)
            operation = node.value.operation.label if node is not None else recorder.label
            for check in nodes:
                if check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                self.finding(
                    check.name,
                    operation,
                    failure.title,
                    failure.message or "",
                    check.failure_info.code_sample,
                )


def consume(tally: Tally, stream: Iterable[Any]) -> None:
    from schemathesis.core.result import Ok
    from schemathesis.engine import events
    from schemathesis.engine.run import PhaseName
    from schemathesis.engine.run.probes import ProbePayload

    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            tally.scenario(event.recorder, stateful=event.phase == PhaseName.STATEFUL_TESTING)
        elif isinstance(event, events.PhaseFinished):
            # The probing phase sends requests of its own before any scenario.
            if isinstance(event.payload, Ok) and isinstance(event.payload.ok(), ProbePayload):
                probes = event.payload.ok().probes
                tally.requests += sum(1 for probe in probes if probe.request is not None)
        elif isinstance(event, events.NonFatalError):
            tally.error(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            tally.error(f"schemathesis stopped: {event.exception!r}")
        elif isinstance(event, events.Interrupted):
            tally.interrupted = True
