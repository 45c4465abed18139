"""What the schemathesis phase saw, collected: findings (redacted, de-duplicated), requests,
answers, and the instances schemathesis created (handed on to the caller as they are seen)."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from contract.excerpts import json_strings
from contract.interrupts import hold_interrupts
from contract.schemathesis_phase._answer import Answer
from contract.secrets import REDACTED, redact, secret_forms

__all__ = [
    "OnCreated",
    "OnResponse",
    "Redactor",
    "Refused",
    "SchemathesisFinding",
    "Tally",
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
    """One failure a schemathesis check reported (de-duplicated per check, operation, title).

    ``request`` and ``response`` are what was sent and what the server answered, shaped as
    a run's other violations carry them (``method``, ``url``, ``path``,
    ``request_headers``, ``request_body``; ``status``, ``response_headers``,
    ``response_body``, ``elapsed``), redacted and with bodies cut past a cap. The answer is
    the one the check judged: the case's, or for ``ignored_auth`` its probe's (the request
    sent without valid credentials). None only when no answer came with the failure.
    """

    check: str
    operation: str
    title: str
    message: str
    reproduction: str
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None


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
    return (text for text in json_strings(value) if _OBJECT_ID.match(text))


class Refused(RuntimeError):
    """A PUT or DELETE aimed at an instance the run did not create."""


@dataclass(slots=True)
class Tally:
    """What the phase has seen so far: filled as requests go out and answers arrive (the
    phase's session) and as checks report failures (the schema's hooks)."""

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
    # The last answer to a request a check sent itself (ignored_auth's probes) while the
    # answer being judged now was judged; None before the first one.
    probe: Answer | None = None
    # Requests may be counted, and creates seen, from more than one thread.
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self) -> None:
        """One more request went out (a case's, a check's own, a retry)."""
        with self._lock:
            self.requests += 1

    def answer(self, method: str, url: str, status: int, body: bytes) -> None:
        """An answer arrived: its instance ids are noted and the caller shown it."""
        self.observe(method, url, status, body)
        if self.on_response is not None:
            self.on_response(method.upper(), self.relative(url), status, body)

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
        except (ValueError, RecursionError):
            return  # not JSON (or nested past the parser): it names no instance
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

    def probed(self, response: Any) -> None:
        """A check's own request was answered (``response``: read within the bounds)."""
        self.probe = Answer.of(response)

    def finding(
        self,
        check: str,
        operation: str,
        title: str,
        message: str,
        curl: str,
        answer: Answer | None = None,
    ) -> None:
        """A failure a check reported about ``answer``; the first of its kind is kept."""
        key = (check, operation, title)
        if key in self.findings:
            return
        request = response = None
        if answer is not None:
            request, response = answer.shown(self.redact, self.relative(answer.url))
        self.findings[key] = SchemathesisFinding(
            check=check,
            operation=operation,
            title=title,
            message=self.redact(message).strip(),
            reproduction=self.redact(curl),
            request=request,
            response=response,
        )
