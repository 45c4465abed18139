"""The HTTP session the schemathesis phase sends with: the run's own, so that every request
schemathesis makes passes the run's guard as it is sent and every answer is read within the
run's bounds.

Schemathesis sends a case with ``requests`` (``Case.call(session=...)``); the session here
mounts a transport adapter of the phase's own (requests' documented way to change how a
session sends). The adapter sees every request as it goes out, on its final URL. It

- refuses, before anything is sent, what :class:`~contract.client.RequestGuard` refuses;
- asks only for the codings the run can inflate within its cap
  (:data:`~contract.client.ACCEPT_ENCODING`);
- reads the answer as the run's client does (:func:`~contract.client.read_chunks`): bytes
  counted decompressed while they stream, a deadline per answer, a bound on JSON nesting;
- hands schemathesis the decoded body (its coding header gone: nothing is decoded twice).

One check sends requests without the session: ``ignored_auth`` sends the case's own request
again without its credentials (then with invalid ones) on a session of schemathesis's own,
so that no credential of the run's can ride along. Such a request differs from the case's,
which the guard let out, only by its credentials, which the guard does not judge; redirects
are never followed (the phase's configuration). Its answer passes :func:`probe_hook`, a
``requests`` response hook that reads it within the same bounds before anything else does,
and that refuses to hand on an answer to a request the guard would have refused.

A refused request and an answer past the bounds raise a ``requests`` exception of their own
(:class:`Refused`, :class:`PastBounds`): to schemathesis a request that failed, to the phase
an error of that case, never a finding.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from contract.client import (
    ACCEPT_ENCODING,
    MAX_JSON_DEPTH,
    STEP,
    RequestGuard,
    Unreadable,
    read_chunks,
    too_deep,
)

__all__ = ["Bounds", "OnAnswer", "PastBounds", "Refused", "guarded_session", "probe_hook"]

OnAnswer = Callable[[str, str, int, bytes], None]
"""Called with (method, URL, status, decoded body) of each answer, as it arrives."""

# The answer's framing headers describe the bytes on the wire, not the decoded body handed on.
_FRAMING: Final = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class Refused(requests.exceptions.RequestException):
    """The run's guard refused a request: it was not sent (or its answer not handed on)."""


class PastBounds(requests.exceptions.RequestException):
    """An answer could not be read within the run's bounds (size, time, nesting, coding)."""


@dataclass(frozen=True, slots=True)
class Bounds:
    """What every request of the phase passes and every answer is read within.

    ``guard`` judges each request (None: no guard); each answer's body is read within
    ``max_bytes`` (counted decompressed) and ``response_timeout`` seconds on ``clock``.
    ``on_sent()`` is called for each request that goes out, ``on_answer`` with each answer
    read, and ``on_probe`` with each answer to a check's own request (:func:`probe_hook`),
    once read.
    """

    guard: RequestGuard | None
    max_bytes: int
    response_timeout: float
    on_sent: Callable[[], None]
    on_answer: OnAnswer
    clock: Callable[[], float] = time.monotonic
    on_probe: Callable[[requests.Response], None] | None = None

    def refusal(self, request: requests.PreparedRequest) -> Refused | None:
        """The refusal of ``request`` by the guard (counted there), or None."""
        if self.guard is None:
            return None
        method, url = str(request.method or ""), str(request.url or "")
        headers = [(name, _text(value)) for name, value in request.headers.items()]
        why = self.guard.refusal(method, url, headers)
        if why is None:
            return None
        self.guard.note_refused()
        return Refused(f"the run's guard refused {method} {url}: {why}", request=request)

    def read(self, answer: requests.Response, deadline: float) -> requests.Response:
        """``answer`` (streamed, unread) read within the bounds, as a response whose content
        is its decoded body; raises :class:`PastBounds` (or the ``requests`` exception of a
        failed read) instead."""
        request = answer.request
        try:
            body = self._body(answer, deadline)
        finally:
            answer.close()
        self.on_answer(str(request.method), str(request.url), answer.status_code, body)
        return _rebuilt(answer, body)

    def _body(self, answer: requests.Response, deadline: float) -> bytes:
        raw, request = answer.raw, answer.request
        try:
            if self.clock() > deadline:
                raise Unreadable("deadline", "its headers were still arriving at the deadline")
            body = read_chunks(
                _chunks(raw, deadline, self.clock),
                codings=raw.headers.getlist("content-encoding"),
                content_length=raw.headers.get("content-length"),
                max_bytes=self.max_bytes,
                deadline=deadline,
                clock=self.clock,
                count=lambda size: None,
            )
            # As the run's client: 5xx bodies are never judged as JSON.
            if answer.status_code < 500 and too_deep(body, MAX_JSON_DEPTH):
                raise Unreadable("nesting", f"its JSON nests deeper than {MAX_JSON_DEPTH} levels")
        except Unreadable as exc:
            raise PastBounds(
                f"{request.method} {request.url} answered {answer.status_code}, but {exc}",
                request=request,
            ) from None
        except ReadTimeoutError as exc:
            raise requests.exceptions.ReadTimeout(exc, request=request) from None
        except Urllib3Error as exc:
            raise requests.exceptions.ConnectionError(exc, request=request) from None
        return body


class _BoundedAdapter(HTTPAdapter):
    """Sends through the guard and reads each answer within the bounds."""

    def __init__(self, bounds: Bounds) -> None:
        super().__init__()
        self._bounds = bounds

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        bounds = self._bounds
        refused = bounds.refusal(request)
        if refused is not None:
            raise refused
        # Only the codings the body can be inflated from within the cap.
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        bounds.on_sent()
        deadline = bounds.clock() + bounds.response_timeout
        answer = super().send(
            request,
            stream=True,
            timeout=_timeout(timeout, bounds.response_timeout),
            verify=verify,
            cert=cert,
            proxies=None if proxies is None else dict(proxies),
        )
        return bounds.read(answer, deadline)


def _timeout(given: Any, cap: float) -> tuple[float, float]:
    """``given`` (seconds, or connect and read seconds) cut so that no single read outlasts
    the answer's whole deadline."""
    connect, read = given if isinstance(given, tuple) else (given, given)
    return (
        min(connect, cap) if isinstance(connect, int | float) else cap,
        min(read, cap) if isinstance(read, int | float) else cap,
    )


def _text(value: str | bytes) -> str:
    # requests keeps a header as it was given: text, or bytes (sent as Latin-1).
    return value if isinstance(value, str) else value.decode("latin-1")


def _chunks(raw: Any, deadline: float, clock: Callable[[], float]) -> Iterator[bytes]:
    """The raw bytes of an answer as urllib3 streams them; a read that times out at the
    deadline is the deadline's."""
    try:
        yield from raw.stream(STEP, decode_content=False)
    except ReadTimeoutError:
        if clock() >= deadline:
            raise Unreadable("deadline", "its body was still arriving at the deadline") from None
        raise


def _rebuilt(answer: requests.Response, body: bytes) -> requests.Response:
    """``answer`` with ``body`` (decoded, read whole) as its content."""
    raw = answer.raw
    headers = urllib3.HTTPHeaderDict()
    for name, value in raw.headers.iteritems():
        if name.lower() not in _FRAMING:
            headers.add(name, value)
    headers["Content-Length"] = str(len(body))
    read = urllib3.HTTPResponse(
        body=io.BytesIO(body),
        headers=headers,
        status=raw.status,
        version=raw.version,
        reason=raw.reason,
        preload_content=False,
        decode_content=False,
        request_method=answer.request.method,
        request_url=answer.request.url,
    )
    # requests' own way to turn what urllib3 read into a response: the adapter's.
    adapter = answer.connection if isinstance(answer.connection, HTTPAdapter) else HTTPAdapter()
    rebuilt = adapter.build_response(answer.request, read)
    rebuilt.elapsed = answer.elapsed
    return rebuilt


def guarded_session(
    bounds: Bounds, *, auth: tuple[str, str] | None, headers: Mapping[str, str]
) -> requests.Session:
    """A ``requests`` session for ``Case.call(session=...)``: every request within
    ``bounds``, credentials as ``auth`` (Basic) or among ``headers``. Proxies from the
    environment apply, as they do to the run's client."""
    session = requests.Session()
    adapter = _BoundedAdapter(bounds)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    # Schemathesis hands the session's headers to each request as defaults (its own win).
    session.headers.clear()
    session.headers.update(headers)
    session.auth = auth
    return session


def probe_hook(bounds: Bounds) -> Callable[..., requests.Response]:
    """A ``requests`` response hook for the requests a check sends on a session of its own
    (see the module's docstring): the answer is read within ``bounds`` before anything else
    reads it, and never handed on for a request the guard refuses."""

    def hook(answer: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        bounds.on_sent()
        deadline = bounds.clock() + bounds.response_timeout
        refused = bounds.refusal(answer.request)
        if refused is not None:
            answer.close()
            raise refused
        read = bounds.read(answer, deadline)
        if bounds.on_probe is not None:
            bounds.on_probe(read)
        return read

    return hook
