"""One request and its final response, as the client hands it to checks and reports."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from contract._version import __version__
from contract.client._reading import parse_json
from contract.client._wire import header, header_dict, octal_escape
from contract.secrets import Redactor

__all__ = [
    "CASE_HEADER",
    "KEY_VARIABLE",
    "OTHER_KEY_VARIABLE",
    "USER_AGENT",
    "AttemptFault",
    "Exchange",
]

USER_AGENT: Final = f"close-contract/{__version__}"
KEY_VARIABLE: Final = "CLOSE_API_KEY"
OTHER_KEY_VARIABLE: Final = "CLOSE_OTHER_API_KEY"
CASE_HEADER: Final = "X-Close-Contract-Case"
"""The request header naming the case a request belongs to (``batch key#index``): a
replay pairs requests with their cases by it; servers ignore a header they do not know."""

AttemptFault = Literal["refused", "ambiguous"]
"""Why an attempt was retried: ``refused`` did no work, ``ambiguous`` may have taken effect."""

# Headers the HTTP stack adds by itself; a reproduction does not need them (curl adds its own).
# The case tag is for replays, not for a person reproducing a request.
_TRANSPORT_HEADERS: Final = frozenset(
    {"host", "content-length", "accept-encoding", "connection", CASE_HEADER.lower()}
)


@dataclass(frozen=True, slots=True, repr=False)
class Exchange:
    """One request and its final response (after retries).

    The fields hold what went over the wire, so checks see the real bytes; only the
    client's own ``Authorization`` value is stored as ``[REDACTED]`` (no check needs it).
    What an exchange shows of itself (:meth:`curl`, :meth:`to_dict`, :meth:`redact`,
    ``repr``) has every secret blanked by ``redactor``; a caller-supplied ``Authorization``
    keeps its shape with the secret blanked in place, so a malformed credential stays
    visible. ``auth`` says which credentials the client sent of its own (``None``: none,
    or only a caller's header) and ``key_variable`` names the environment variable
    :meth:`curl` refers to for that key. ``failed_attempts`` lists why each earlier attempt
    was retried.
    """

    method: str
    url: str
    path: str
    params: tuple[tuple[str, str], ...]
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes | None
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    elapsed: float
    attempts: int
    auth: Literal["basic", "bearer"] | None = None
    key_variable: str = KEY_VARIABLE
    failed_attempts: tuple[AttemptFault, ...] = ()
    redactor: Redactor = field(default_factory=Redactor, compare=False)

    @property
    def may_have_repeated(self) -> bool:
        """Whether an earlier, unanswered attempt may have taken effect already.

        Then the answer is to a repeat: a DELETE may find the instance gone (404).
        """
        return "ambiguous" in self.failed_attempts

    def redact(self, text: str) -> str:
        """``text`` with every secret this exchange's client knows blanked."""
        return self.redactor(text)

    def json(self) -> Any:
        """The parsed response body; raises ``ValueError``, and only that, for any body
        that is not strict UTF-8 JSON (invalid, another encoding, ``NaN``, nested deeper
        than :data:`~contract.client._reading.MAX_JSON_DEPTH` levels)."""
        return parse_json(self.response_body)

    @property
    def content_type(self) -> str | None:
        """The response's media type in lower case without parameters, or ``None``."""
        value = self.header("content-type")
        if value is None:
            return None
        media = value.split(";", 1)[0].strip().lower()
        return media or None

    def header(self, name: str) -> str | None:
        """A response header by case-insensitive name; repeated headers are joined by ", "."""
        return header(self.response_headers, name)

    def request_header(self, name: str) -> str | None:
        """A request header by case-insensitive name, as sent (the own key as ``[REDACTED]``)."""
        return header(self.request_headers, name)

    def curl(self) -> str:
        """A copy-pasteable curl command reproducing the request, with no secret in it.

        The client's own key is referenced as ``$CLOSE_API_KEY`` (``$CLOSE_OTHER_API_KEY``
        for a second organization's key); a caller-supplied ``Authorization`` header is
        shown as sent, redacted. Bodies that are not UTF-8 are piped in through ``printf``.
        """
        redact = self.redactor
        parts = ["curl", "-X", shlex.quote(self.method), shlex.quote(redact(self.url))]
        if self.auth == "basic":
            parts += ["-u", f'"${self.key_variable}:"']
        elif self.auth == "bearer":
            parts += ["-H", f'"Authorization: Bearer ${self.key_variable}"']
        content_type_sent = False
        for name, value in self.request_headers:
            lower = name.lower()
            if lower in _TRANSPORT_HEADERS or (lower == "authorization" and self.auth):
                continue
            if (lower == "user-agent" and value == USER_AGENT) or (
                lower == "accept" and value == "*/*"
            ):
                continue
            content_type_sent |= lower == "content-type"
            parts += ["-H", shlex.quote(redact(f"{name}: {value}"))]
        prefix = ""
        if self.request_body is not None:
            body = redact.data(self.request_body)
            if not content_type_sent:
                # curl would otherwise label the body as a form; the request had no such header.
                parts += ["-H", shlex.quote("Content-Type:")]
            try:
                parts += ["--data-raw", shlex.quote(body.decode("utf-8"))]
            except UnicodeDecodeError:
                prefix = f"printf '%b' {shlex.quote(octal_escape(body))} | "
                parts += ["--data-binary", "@-"]
        return prefix + " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The exchange as redacted JSON-ready data (bodies as UTF-8 text, undecodable
        bytes replaced)."""
        data: dict[str, Any] = {
            "method": self.method,
            "url": self.url,
            "path": self.path,
            "params": [list(pair) for pair in self.params],
            "request_headers": header_dict(self.request_headers),
            "request_body": (
                None
                if self.request_body is None
                else self.request_body.decode("utf-8", errors="replace")
            ),
            "status": self.status,
            "response_headers": header_dict(self.response_headers),
            "response_body": self.response_body.decode("utf-8", errors="replace"),
            "elapsed": self.elapsed,
            "attempts": self.attempts,
        }
        if self.failed_attempts:
            data["failed_attempts"] = list(self.failed_attempts)
        redacted: dict[str, Any] = self.redactor.tree(data)
        return redacted

    def __repr__(self) -> str:
        return self.redact(
            f"Exchange({self.method} {self.url} -> {self.status}, "
            f"{len(self.response_body)} bytes, attempts={self.attempts})"
        )
