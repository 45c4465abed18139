"""The HTTP client every target shares: auth, bounded retries, exchanges redacted on output.

:class:`CloseClient` sends one request to a Close-compatible API root and returns an
:class:`Exchange`: the request as sent and the final response after retries. An exchange
holds the real bytes, so checks judge what the API said; everything it shows (``curl``,
``to_dict``, ``repr``) goes through a :class:`~contract.secrets.Redactor` first.

Every failed attempt is classified. *Refused* attempts did no work and are always retried:
429 (after the server's reset hint: ``RateLimit: ... reset=S``, else ``Retry-After``, else
``RateLimit-Reset``), 503 (after ``Retry-After`` when given) and connections that never
opened. *Ambiguous* attempts may have taken effect: the connection dropped or timed out
after the request went out, or a gateway answered 502/504. Those are retried only for
methods HTTP defines as idempotent (GET, PUT, DELETE, ...); a create is never sent twice
but raises :class:`~contract.errors.AmbiguousRequest`. When retries run out the client
raises :class:`~contract.errors.TargetUnreachable` (exit 3). Every other status, 5xx
included, is returned: deciding whether it breaks the contract is the checks' job.

One client serves every worker of a run (httpx's pool is thread-safe): each attempt waits
for the run's shared :class:`~contract.client.Pacer`, which spreads requests by the
budget the server's ``RateLimit`` header reports, and a 429 holds every worker back.

Nothing a server sends can hold the client without bound. Bodies are streamed and counted
decompressed (``max_response_bytes``), each answer has a wall-clock deadline from sending
to its last byte (``response_timeout``), JSON may nest ``max_json_depth`` levels, and a
429 or 503 asking for a wait past ``max_wait`` makes the target unreachable. An answer past
one of those limits, or whose coding or framing broke, raises
:class:`~contract.errors.UnreadableAnswer` (inconclusive, never retried). The counters
:attr:`CloseClient.bytes_read`, :attr:`~CloseClient.largest_body`,
:attr:`~CloseClient.waited` and :attr:`~CloseClient.pages_read` show what a server made
the client do.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json as jsonlib
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Literal, TypedDict, Unpack

import httpx

from contract.client._exchange import (
    KEY_VARIABLE,
    OTHER_KEY_VARIABLE,
    USER_AGENT,
    AttemptFault,
    Exchange,
)
from contract.client._pacing import Pacer, PaceSnapshot, rate_budget
from contract.client._paging import Page, PageCount, pages
from contract.client._reading import (
    ACCEPT_ENCODING,
    MAX_JSON_DEPTH,
    Unreadable,
    read_body,
    too_deep,
)
from contract.client._wire import (
    authorization,
    check_base_url,
    plural_s,
    rate_limit_hint,
    raw_headers,
)
from contract.errors import (
    AmbiguousRequest,
    ConfigurationError,
    TargetUnreachable,
    UnreadableAnswer,
)
from contract.secrets import REDACTED, Redactor

__all__ = ["UNSET", "CloseClient", "RequestOptions", "RetryPolicy"]

# RFC 9110 section 9.2.2: repeating these has the effect of sending them once.
_IDEMPOTENT: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
# Answered before any work: 429 by definition, 503 as Close's own client treats it (it
# retries 503 for every method, 502/504 for GET only).
_REFUSED_STATUSES: Final = frozenset({429, 503})
# The bounds' defaults, as contract.config's (which a run passes in; importing them from
# there would make the client depend on everything the configuration does).
_MAX_RESPONSE_BYTES: Final = 16 * 1024 * 1024
_RESPONSE_TIMEOUT: Final = 120.0
_MAX_WAIT: Final = 300.0
_MAX_PAGES: Final = 50


# The longest wait between two tries of one cleanup request that no hint asked for.
_CLEANUP_BACKOFF: Final = 2.0


class _Unset(enum.Enum):
    UNSET = enum.auto()


UNSET: Final = _Unset.UNSET
"""Default of ``json=``: send no JSON body (``json=None`` sends a JSON ``null``)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How :class:`CloseClient` retries infrastructure failures (bounded, like Close's client).

    ``max_attempts`` counts the first try. A 429 waits for the server's reset hint; other
    ``retry_statuses`` and connection errors wait ``backoff * 2**attempt``, at most
    ``max_backoff`` seconds when it is set. No single wait exceeds ``max_sleep`` seconds; a
    hint past the client's ``max_wait`` is not waited out at all (the target counts as
    unreachable).
    """

    max_attempts: int = 5
    max_sleep: float = 60.0
    backoff: float = 0.5
    max_backoff: float | None = None
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError(
                "max_attempts must be at least 1 (it counts the first try), "
                f"got {self.max_attempts}"
            )
        if not (self.max_sleep >= 0 and self.backoff >= 0):
            raise ConfigurationError(
                f"max_sleep and backoff must be non-negative seconds, "
                f"got max_sleep={self.max_sleep}, backoff={self.backoff}"
            )

    def backoff_wait(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (0-based), capped by ``max_sleep``
        (and ``max_backoff``)."""
        cap = self.max_sleep if self.max_backoff is None else min(self.max_sleep, self.max_backoff)
        return min(self.backoff * 2.0**attempt, cap)


class RequestOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`CloseClient.request` (and of its helpers)."""

    json: Any
    body: bytes | None
    content_type: str | None
    params: Mapping[str, str] | None
    headers: Iterable[tuple[str, str]]
    send_credentials: bool
    api_key: str | None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The TLS context every client shares: httpx's default (certifi's roots, or
    SSL_CERT_FILE/SSL_CERT_DIR), made once, since loading the roots takes tens of
    milliseconds and a process may open many clients."""
    return httpx.create_ssl_context()


class CloseClient:
    """A client for one Close-compatible API root, e.g. ``https://api.close.com/api/v1``.

    Authenticates with Basic (the API key as user name, empty password: Close's documented
    scheme) or Bearer, retries per ``retry``, and returns :class:`Exchange` values that
    redact themselves on output. Pass ``transport`` to talk to an in-process app or a mock,
    and ``sleep`` to make retry waits instant in tests. ``secrets`` lists further values
    that must never be shown (e.g. a second organization's key). ``pacer`` paces every
    attempt (pass ``None`` where no network is involved, as in a replay). A key shorter than
    :data:`~contract.secrets.MIN_SECRET_LENGTH` is refused with
    :class:`~contract.errors.ConfigurationError`: it could not be redacted reliably.

    The bounds on what a server can make it do: ``max_response_bytes`` per body (counted
    decompressed), ``response_timeout`` seconds per answer from sending to its last byte
    (``timeout`` bounds each read, and is cut to ``response_timeout`` when longer),
    ``max_json_depth`` levels of JSON nesting, ``max_wait`` seconds of a wait a 429 or 503
    may ask for, and ``max_pages`` per list walk of :meth:`pages`. ``clock`` (monotonic
    seconds) times the deadlines.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        auth_scheme: Literal["basic", "bearer"] = "basic",
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        secrets: Iterable[str] = (),
        pacer: Pacer | None | Literal["default"] = "default",
        guard: Callable[[httpx.Request], None] | None = None,
        max_response_bytes: int = _MAX_RESPONSE_BYTES,
        response_timeout: float = _RESPONSE_TIMEOUT,
        max_wait: float = _MAX_WAIT,
        max_pages: int = _MAX_PAGES,
        max_json_depth: int = MAX_JSON_DEPTH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = check_base_url(base_url)
        # Sees every request as it goes out (after httpx normalised its URL) and raises to
        # stop it: the run's send-time safety guard (contract.client.RequestGuard).
        self.guard = guard
        self.api_key = api_key
        self.auth_scheme: Literal["basic", "bearer"] = auth_scheme
        self.retry = retry
        self.timeout = timeout
        if not (max_response_bytes >= 1 and response_timeout > 0 and max_wait >= 0):
            raise ConfigurationError(
                "max_response_bytes, response_timeout and max_wait must be positive, got "
                f"{max_response_bytes}, {response_timeout}, {max_wait}"
            )
        if max_pages < 1 or max_json_depth < 1:
            raise ConfigurationError(
                f"max_pages and max_json_depth must be at least 1, got {max_pages}, "
                f"{max_json_depth}"
            )
        self.max_response_bytes = max_response_bytes
        self.response_timeout = response_timeout
        self._max_wait = max_wait
        self.max_pages = max_pages
        self.max_json_depth = max_json_depth
        self._clock = clock
        self._sleep = sleep
        self._redactor = Redactor(([api_key] if api_key is not None else []) + list(secrets))
        self._requests_sent = 0
        self._throttled = 0
        self._latencies: deque[float] = deque(maxlen=64)
        self._counting = threading.Lock()
        self._bytes_read = 0
        self._largest_body = 0
        self._slept = 0.0
        self.paging = PageCount()
        """What :meth:`pages` (or a walk given this count) read: pages, truncated walks."""
        self.pacer: Pacer | None = (
            Pacer(sleep=sleep, max_wait=max_wait) if pacer == "default" else pacer
        )
        # Redirects are answers to check, not to follow; proxies from the environment still
        # apply so a live run works behind a corporate proxy.
        self._http = httpx.Client(
            transport=transport,
            # No single read may outlast the answer's whole deadline. Between reads of a body
            # the deadline is checked, so an answer ends at most one read past it.
            timeout=httpx.Timeout(timeout, read=min(timeout, response_timeout)),
            follow_redirects=False,
            # Only the codings the client can inflate within its byte cap (see _reading).
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
            event_hooks={"request": [lambda request: self.guard and self.guard(request)]},
            verify=_tls_context(),
        )

    @property
    def requests_sent(self) -> int:
        """HTTP requests attempted so far, every retry included."""
        return self._requests_sent

    @property
    def throttled(self) -> int:
        """429 answers met so far (each was waited out and retried)."""
        return self._throttled

    @property
    def max_wait(self) -> float:
        """The longest wait a 429 or 503 may ask for (seconds), and the longest window a
        budget may report to pace by (see :meth:`for_cleanup` for cleanup's rule)."""
        return self._max_wait

    @property
    def bytes_read(self) -> int:
        """Body bytes read so far (decompressed), over every answer, unread ones' partial
        bodies included."""
        return self._bytes_read

    @property
    def largest_body(self) -> int:
        """The most body bytes (decompressed) read of any one answer so far."""
        return self._largest_body

    @property
    def waited(self) -> float:
        """Seconds requests were held back so far: by the pacer (summed over workers; a
        pacer shared with another client counts that one's waits too) and by retries."""
        return self._slept + (self.pacer.waited if self.pacer is not None else 0.0)

    @property
    def pages_read(self) -> int:
        """Pages read by :meth:`pages` walks so far (see :attr:`paging`)."""
        return self.paging.pages

    def pages(
        self,
        send: Callable[[Mapping[str, str]], Exchange],
        params: Mapping[str, str] | None = None,
        *,
        max_pages: int | None = None,
    ) -> Iterator[Page]:
        """:func:`~contract.client.pages`, bounded by this client's ``max_pages`` (unless
        given) and counted in :attr:`paging`."""
        bound = self.max_pages if max_pages is None else max_pages
        return pages(send, params, max_pages=bound, count=self.paging)

    @property
    def latencies(self) -> tuple[float, ...]:
        """Round trips of the latest answered attempts, in seconds (the last 64)."""
        with self._counting:
            return tuple(self._latencies)

    def budget(self) -> PaceSnapshot:
        """The rate budget with the least room left, as the server last reported it."""
        return self.pacer.snapshot() if self.pacer is not None else PaceSnapshot()

    @property
    def redactor(self) -> Redactor:
        """What blanks this client's secrets; every exchange it returns shares it."""
        return self._redactor

    def redact(self, text: str) -> str:
        """``text`` with every known secret (and its Basic/URL-encoded forms) as ``[REDACTED]``."""
        return self._redactor(text)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = UNSET,
        body: bytes | None = None,
        content_type: str | None = None,
        params: Mapping[str, str] | None = None,
        headers: Iterable[tuple[str, str]] = (),
        send_credentials: bool = True,
        api_key: str | None = None,
    ) -> Exchange:
        """Send ``method`` to ``path`` (relative to the API root, keeping its trailing slash).

        ``json=`` sends compact JSON as ``application/json`` (or as ``content_type`` when
        given); ``body=`` sends raw bytes labelled ``content_type`` (no Content-Type header
        when ``None``). ``headers`` are
        added last and replace ours of the same name, so an auth probe can send its own
        ``Authorization`` with ``send_credentials=False``. ``api_key=`` authenticates this
        one request with another key. Raises :class:`TargetUnreachable` when retries run out.
        """
        method = method.upper()
        relative = path.lstrip("/")
        content: bytes | None = None
        if json is not UNSET:
            if body is not None:
                raise ValueError("pass json= or body=, not both")
            content = jsonlib.dumps(
                json, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            ).encode("utf-8")
            content_type = content_type or "application/json"
        elif body is not None:
            content = body

        sent: list[tuple[str, str]] = []
        if content is not None and content_type is not None:
            sent.append(("Content-Type", content_type))
        auth: Literal["basic", "bearer"] | None = None
        key = self.api_key if api_key is None else api_key
        if api_key is not None:
            self._redactor.add(api_key)
        if send_credentials and key is not None:
            auth = self.auth_scheme
            sent.append(("Authorization", authorization(auth, key)))
        extra = list(headers)
        overridden = {name.lower() for name, _ in extra}
        if "authorization" in overridden:
            auth = None  # the caller's header is what went out, so show that one
        sent = [(n, v) for n, v in sent if n.lower() not in overridden] + extra

        url = f"{self.base_url}/{relative}"
        request = self._http.build_request(
            method, url, params=dict(params or {}), headers=sent, content=content
        )
        response, response_body, elapsed, faults = self._send(request, relative)
        variable = KEY_VARIABLE if key == self.api_key else OTHER_KEY_VARIABLE
        own_auth = auth is not None
        return Exchange(
            method=method,
            url=str(request.url),
            path=relative,
            params=tuple((params or {}).items()),
            request_headers=tuple(
                (n, REDACTED if own_auth and n.lower() == "authorization" else v)
                for n, v in raw_headers(request.headers)
            ),
            request_body=content,
            status=response.status_code,
            response_headers=tuple(raw_headers(response.headers)),
            response_body=response_body,
            elapsed=elapsed,
            attempts=len(faults) + 1,
            auth=auth,
            key_variable=variable,
            failed_attempts=faults,
            redactor=self._redactor,
        )

    def _send(
        self, request: httpx.Request, path: str
    ) -> tuple[httpx.Response, bytes, float, tuple[AttemptFault, ...]]:
        policy = self.retry
        repeatable = request.method in _IDEMPOTENT
        faults: list[AttemptFault] = []
        statuses: list[int] = []
        pacer = self.pacer
        group = Pacer.group_of(path)
        delay = 0.0  # a retry's own wait, served by the pacer together with the budget's
        for attempt in range(policy.max_attempts):
            last = attempt + 1 == policy.max_attempts
            sequence = pacer.acquire(group, policy.max_sleep, delay) if pacer is not None else 0
            with self._counting:
                self._requests_sent += 1
            started = time.perf_counter()
            deadline = self._clock() + self.response_timeout
            try:
                response = self._http.send(request, stream=True)
                try:
                    # A retried answer's body is never needed: closing drops it unread.
                    body = (
                        b""
                        if response.status_code in policy.retry_statuses
                        else self._read(response, request, path, deadline, attempt)
                    )
                finally:
                    response.close()
            except httpx.TransportError as exc:
                fault = _fault_of(exc)
                faults.append(fault)
                reason = self.redact(self._describe(exc))
                if fault == "ambiguous" and not repeatable:
                    raise self._ambiguous(
                        request, path, f"{reason} after the request was sent", attempt
                    ) from exc
                if last:
                    raise TargetUnreachable(
                        f"cannot reach {self.redact(self.base_url)}: {reason} "
                        f"(after {policy.max_attempts} attempt{plural_s(policy.max_attempts)})"
                    ) from exc
                delay = self._wait(policy.backoff_wait(attempt))
                continue
            elapsed = time.perf_counter() - started
            with self._counting:
                self._latencies.append(elapsed)
            status = response.status_code
            if pacer is not None:
                pacer.observe(group, sequence, rate_budget(response.headers.get))
            if status not in policy.retry_statuses:
                return response, body, elapsed, tuple(faults)
            fault = "refused" if status in _REFUSED_STATUSES else "ambiguous"
            faults.append(fault)
            statuses.append(status)
            if fault == "ambiguous" and not repeatable:
                raise self._ambiguous(request, path, f"a gateway answered {status}", attempt)
            # A 429 says when to come back; so may a 503 (RFC 9110 section 10.2.3).
            hint = rate_limit_hint(response.headers.get) if status in _REFUSED_STATUSES else None
            if hint is not None and hint[0] > self.max_wait:
                # Served, such a wait would stall the run for as long as the server says.
                raise TargetUnreachable(
                    f"{request.method} {self.redact(path)} answered {status} asking to wait "
                    f"{hint[0]:g} s ({self.redact(hint[1])}), past --max-wait "
                    f"{self.max_wait:g} s: the target counts as unreachable (raise --max-wait "
                    "to wait that long)"
                )
            if last:
                seen = ", ".join(str(s) for s in dict.fromkeys(statuses))
                raise TargetUnreachable(
                    f"the target kept answering {seen} after {policy.max_attempts} "
                    f"attempt{plural_s(policy.max_attempts)} "
                    f"({request.method} {self.redact(path)})"
                )
            wait = policy.backoff_wait(attempt) if hint is None else min(hint[0], policy.max_sleep)
            if status == 429:
                with self._counting:
                    self._throttled += 1
                if pacer is not None:
                    # The budget is the key's, not this request's: every worker waits.
                    pacer.hold(group, wait)
                    delay = 0.0
                    continue
            delay = self._wait(wait)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _read(
        self,
        response: httpx.Response,
        request: httpx.Request,
        path: str,
        deadline: float,
        attempt: int,
    ) -> bytes:
        """The body of ``response`` within the client's bounds, counted as it arrives."""
        read = 0

        def count(size: int) -> None:
            nonlocal read
            read += size
            with self._counting:
                self._bytes_read += size

        try:
            if self._clock() > deadline:
                raise Unreadable("deadline", "its headers were still arriving at the deadline")
            body = read_body(
                response,
                max_bytes=self.max_response_bytes,
                deadline=deadline,
                clock=self._clock,
                count=count,
            )
            # 5xx bodies are never judged as JSON, so how deep they nest does not matter.
            if response.status_code < 500 and too_deep(body, self.max_json_depth):
                raise Unreadable(
                    "nesting",
                    f"its JSON nests deeper than {self.max_json_depth} levels, the tool's "
                    "own limit",
                )
        except Unreadable as exc:
            raise self._unreadable(request, path, response.status_code, exc, attempt) from None
        finally:
            with self._counting:
                self._largest_body = max(self._largest_body, read)
        return body

    def _unreadable(
        self, request: httpx.Request, path: str, status: int, exc: Unreadable, attempt: int
    ) -> UnreadableAnswer:
        """Why an answer was not read, in one line with what changes the limit."""
        fix = {
            "size": f"raise --max-response-bytes (now {self.max_response_bytes}) to read more",
            "deadline": f"raise --response-timeout (now {self.response_timeout:g} s) to wait "
            "longer",
            "encoding": "the server or a proxy on the way sent it garbled",
            "framing": "the server or a proxy on the way cut or garbled it",
            "nesting": "no Close answer nests that deep",
        }[exc.kind]
        shown = self.redact(path)
        return UnreadableAnswer(
            f"{request.method} {shown} answered {status}, but {self.redact(str(exc))} ({fix}); "
            "the case is inconclusive and the request was not sent again",
            method=request.method,
            path=shown,
            attempts=attempt + 1,
            status=status,
            kind=exc.kind,
        )

    def _wait(self, seconds: float) -> float:
        """Wait before a retry: now without a pacer, else in the next ``acquire`` (returned)."""
        if self.pacer is not None:
            return seconds
        self._sleep(seconds)
        with self._counting:
            self._slept += seconds
        return 0.0

    def _ambiguous(
        self, request: httpx.Request, path: str, reason: str, attempt: int
    ) -> AmbiguousRequest:
        """Why an unrepeatable request stops, with its redacted path."""
        shown = self.redact(path)
        return AmbiguousRequest(
            f"{request.method} {shown}: {reason}; it may have taken effect, so it was not "
            "sent again",
            method=request.method,
            path=shown,
            attempts=attempt + 1,
        )

    def _describe(self, exc: httpx.TransportError) -> str:
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            return f"the connection closed without a complete answer ({type(exc).__name__})"
        if isinstance(exc, httpx.TimeoutException):
            read = min(self.timeout, self.response_timeout)
            return f"no answer within {read:g} s ({type(exc).__name__})"
        text = str(exc)
        lowered = text.lower()
        if "refused" in lowered:
            return "connection refused"
        if "name or service not known" in lowered or "nodename nor servname" in lowered:
            return "the host name does not resolve"
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

    def get(self, path: str, **options: Unpack[RequestOptions]) -> Exchange:
        """``request("GET", path, ...)``."""
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Unpack[RequestOptions]) -> Exchange:
        """``request("POST", path, ...)``."""
        return self.request("POST", path, **options)

    def put(self, path: str, **options: Unpack[RequestOptions]) -> Exchange:
        """``request("PUT", path, ...)``."""
        return self.request("PUT", path, **options)

    def delete(self, path: str, **options: Unpack[RequestOptions]) -> Exchange:
        """``request("DELETE", path, ...)``."""
        return self.request("DELETE", path, **options)

    def for_cleanup(self) -> None:
        """Switch to cleanup's rules: a rate budget past ``max_wait`` is ignored (with a
        warning) rather than ending the run, since cleanup has a deadline of its own, and
        each request tries twice as often with short waits between tries: what is left
        behind costs the user more than a few more tries, and a target that went away
        must not hold the run for minutes per resource."""
        if self.pacer is not None:
            self.pacer.exempt = True
        self.retry = dataclasses.replace(
            self.retry,
            max_attempts=2 * self.retry.max_attempts,
            max_backoff=_CLEANUP_BACKOFF,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> CloseClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CloseClient({self.base_url!r}, auth_scheme={self.auth_scheme!r})"


def _fault_of(exc: httpx.TransportError) -> AttemptFault:
    """``refused`` when the request cannot have reached the server, else ``ambiguous``."""
    # A connection that never opened, or no free connection in the pool, sent nothing.
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return "refused"
    return "ambiguous"
