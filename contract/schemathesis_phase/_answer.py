"""The answer a schemathesis finding is about, as a report shows it: the request that was
sent and what came back (status, the headers that matter, the body cut past a cap), with
every credential blanked, in the ``request`` / ``response`` shape of a run's other
violations (see :meth:`contract.client.Exchange.to_dict`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from contract.excerpts import KEPT_BODY_BYTES, cut_bytes
from contract.secrets import REDACTED

__all__ = ["Answer"]

# What judging an answer takes besides its status and body: its media type, where it
# points, what it says about the rate limit, the allowed methods and the auth challenge.
# Others (Date, Server, cookies a gateway sets) say nothing about the contract.
_RESPONSE_HEADERS: Final = frozenset(
    {"content-type", "location", "allow", "www-authenticate", "retry-after", "ratelimit"}
)
_RESPONSE_PREFIXES: Final = ("ratelimit-", "x-rate-limit-")
# Of a request: what its body is and whether (and how) it carried credentials.
_REQUEST_HEADERS: Final = frozenset({"content-type", "authorization"})


def _kept(name: str, wanted: frozenset[str], prefixes: tuple[str, ...] = ()) -> bool:
    lower = name.lower()
    return lower in wanted or lower.startswith(prefixes)


def _joined(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _text(value: str | bytes | None) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Answer:
    """One request and its answer, as they were sent and read (real bytes, not yet shown)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    request_body: bytes | str | None
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed: float
    # The size of the whole body, when only its beginning is kept.
    size: int | None = None

    @classmethod
    def of(cls, response: Any) -> Answer:
        """The answer of a schemathesis ``Response`` (lower-case header names, list values)
        or of a ``requests`` response (a check's own probe, read by the phase's hook)."""
        request = response.request
        headers: Mapping[str, Any] = response.headers
        pairs = tuple(
            (str(name), str(item))
            for name, value in headers.items()
            for item in (value if isinstance(value, list) else [value])
        )
        status = getattr(response, "status_code", 0)
        elapsed = response.elapsed
        seconds = elapsed.total_seconds() if hasattr(elapsed, "total_seconds") else elapsed
        return cls(
            method=str(request.method or ""),
            url=str(request.url or ""),
            request_headers=tuple(
                (str(name), _text(value) or "") for name, value in request.headers.items()
            ),
            request_body=request.body,
            status=int(status),
            headers=pairs,
            body=bytes(response.content or b""),
            elapsed=float(seconds or 0.0),
            size=getattr(response, "content_size", None),
        )

    def shown(
        self, redact: Callable[[str], str], path: str, cap: int = KEPT_BODY_BYTES
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The request and the response as a violation carries them: ``path`` relative
        to the API root, bodies cut past ``cap`` bytes (and marked), credentials blanked."""
        sent = self.request_body
        request: dict[str, Any] = {
            "method": self.method,
            "url": redact(self.url),
            "path": redact(path),
            "request_headers": {
                name: self._credential(value) if name.lower() == "authorization" else redact(value)
                for name, value in _joined(self.request_headers).items()
                if _kept(name, _REQUEST_HEADERS)
            },
            "request_body": None if sent is None else redact(_cut(sent, cap)),
        }
        response: dict[str, Any] = {
            "status": self.status,
            "response_headers": {
                name: redact(value)
                for name, value in _joined(self.headers).items()
                if _kept(name, _RESPONSE_HEADERS, _RESPONSE_PREFIXES)
            },
            "response_body": redact(_cut(self.body, cap, self.size)),
            "elapsed": self.elapsed,
        }
        return request, response

    @staticmethod
    def _credential(value: str) -> str:
        # Only the scheme shows: whether the request carried credentials and of which kind
        # is what a finding about authentication turns on, never the credential itself.
        scheme, _, secret = value.partition(" ")
        return f"{scheme} {REDACTED}" if secret else REDACTED


def _cut(data: bytes | str, cap: int, size: int | None = None) -> str:
    raw = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else data
    total = size if size is not None and size > len(raw) else None
    return cut_bytes(raw, cap, total).decode("utf-8", errors="replace")
