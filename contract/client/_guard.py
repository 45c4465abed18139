"""The send-time guard: the last check every request of a run passes before it goes out.

A live run points at a customer's real organization, and the server under test may be the
thing that regressed: it must never be able to steer the run into changing what the run
did not create. Whatever the engine intends, a :class:`RequestGuard` lets out only

- the methods and paths a run may use (see :data:`ALLOWED`; docs/design.md lists them);
- writes (anything but GET) to a collection only as ``POST lead/`` or
  ``POST custom_object/``, and to ``lead/{id}/`` or ``custom_object/{id}/`` only when the
  id is one the guard was told is proven the run's own (:meth:`RequestGuard.allow`);
  methods the API does not support are likewise sent only to a proven instance's URL;
- GETs (only) of malformed variants of a proven instance's id (RESTler's invalid dynamic
  objects): the id with a few harmless characters after it, in its own segment or as one
  more segment, or the id twice (see :data:`VARIANT_SUFFIX`);
- a method-override header only on a GET, and only when the method it names would be let
  out on that path too;
- requests to the run's own API root (scheme, host and port), nothing else.

It judges the request as it is about to be sent: for the run's client, the final
``httpx.Request`` after URL normalisation (an httpx ``request`` event hook); for the
schemathesis phase, the final ``requests`` request in the transport adapter of the phase's
own session. A path is matched segment by
segment, and an id segment must have its kind's shape (:func:`contract.ids.check_id`), so a
``..``, an encoded slash or a control character is refused, never normalised into another
route. A refusal raises :class:`~contract.errors.UnsafeRequest` (exit 3).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Final, Literal
from urllib.parse import unquote_to_bytes, urlsplit

import httpx

from contract.errors import UnsafeRequest
from contract.ids import IdKind, check_id, is_id, shown

__all__ = ["ALLOWED", "METHOD_OVERRIDES", "VARIANT_SUFFIX", "Owned", "RequestGuard"]

Owned = Literal["lead", "custom_object"]
"""The kinds of resource a run may write to, once proven its own."""

METHOD_OVERRIDES: Final = frozenset(
    {"x-http-method-override", "x-http-method", "x-method-override"}
)
"""Headers some servers take as the request's real method."""

# Path templates relative to the API root: literal segments, or an id kind in braces.
# Methods other than GET are listed where a run may write without a proven id.
ALLOWED: Final[dict[tuple[str, ...], frozenset[str]]] = {
    ("me",): frozenset({"GET"}),
    ("custom_object_type",): frozenset({"GET"}),
    ("custom_object_type", "{custom_object_type}"): frozenset({"GET"}),
    ("custom_field", "custom_object_type"): frozenset({"GET"}),
    ("custom_field", "custom_object_type", "{custom_field}"): frozenset({"GET"}),
    ("lead",): frozenset({"GET", "POST"}),
    ("lead", "{lead}"): frozenset({"GET"}),
    ("custom_object",): frozenset({"GET", "POST"}),
    ("custom_object", "{custom_object}"): frozenset({"GET"}),
}
"""What a run may send: path template → methods allowed for any id of the right shape.
Any method is allowed on ``lead/{id}/`` and ``custom_object/{id}/`` for a proven id."""

_TOKEN: Final = re.compile(r"[A-Z]{1,16}")

VARIANT_SUFFIX: Final = re.compile(r"(?:[0-9A-Za-z!$&'()*+,;=:@~_-]|%[0-9A-Fa-f]{2}){1,16}")
"""What a GET may add after a proven instance's id (RESTler's invalid dynamic objects):
at most 16 characters, as sent (percent-encoded or not), none of which decodes to a dot,
a slash, a backslash, a percent sign, a space or a control character, so the path cannot
climb out of the instance's URL or be normalised into another route."""
# Decoded, a variant's suffix may hold printable ASCII but these (see VARIANT_SUFFIX).
_UNSAFE_IN_VARIANT: Final = frozenset(b"./\\%")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        port = -1  # a malformed port matches no API root
    return scheme, (parts.hostname or "").lower(), port


class RequestGuard:
    """Refuses any request a run may not send (see the module's docstring).

    ``base_url`` is the API root (``https://api.close.com/api/v1``). Thread-safe: the
    run's workers, its cleanup and schemathesis's threads share one guard.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = _origin(self.base_url)
        self._root = urlsplit(self.base_url).path.rstrip("/")
        self._proven: dict[Owned, set[str]] = {"lead": set(), "custom_object": set()}
        self._lock = threading.Lock()
        self.refused = 0
        """Requests refused so far (the engine should never make this more than 0)."""

    # -- what is proven -------------------------------------------------------------------

    def allow(self, kind: Owned, object_id: str) -> None:
        """Let writes go to ``object_id`` from now on.

        Only for an id proven the run's own (a GET showed it as the run made it), or one
        the run made up itself and a GET has just answered 404 for (a probe of an unknown
        id). Raises :class:`~contract.ids.IdShapeError` for an id of the wrong shape.
        """
        check_id(kind, object_id)
        with self._lock:
            self._proven[kind].add(object_id)

    def revoke(self, kind: Owned, object_id: str) -> None:
        """No more writes to ``object_id`` (it turned out not provably the run's own)."""
        with self._lock:
            self._proven[kind].discard(object_id)

    def allows(self, kind: Owned, object_id: str) -> bool:
        """Whether writes may go to ``object_id``."""
        with self._lock:
            return object_id in self._proven[kind]

    def note_refused(self) -> None:
        """Count one refusal made on the guard's behalf (another HTTP stack's)."""
        with self._lock:
            self.refused += 1

    # -- the check ------------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> None:
        """The httpx ``request`` event hook: check the request exactly as it goes out."""
        self.check(request.method, str(request.url), request.headers.multi_items())

    def check(self, method: str, url: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        """Raise :class:`~contract.errors.UnsafeRequest` unless ``method`` to ``url`` (the
        final URL, percent-encoded as sent) with ``headers`` may be sent."""
        why = self.refusal(method, url, headers)
        if why is not None:
            self.note_refused()
            path = urlsplit(url).path
            raise UnsafeRequest(
                f"refused to send {shown(method)} {shown(path)}: {why}; a run writes only to "
                "what it provably created (see the README's Safety section)"
            )

    def refusal(self, method: str, url: str, headers: Iterable[tuple[str, str]] = ()) -> str | None:
        """Why ``method`` to ``url`` with ``headers`` may not be sent, or None."""
        method = method.upper()
        if not _TOKEN.fullmatch(method):
            return "not an HTTP method a run sends"
        if _origin(url) != self._origin:
            return f"not the run's API root {self.base_url}"
        overrides = [value for name, value in headers if name.lower() in METHOD_OVERRIDES]
        if overrides and method != "GET":
            return "a method-override header on a request other than GET"
        path = urlsplit(url).path
        if not path.startswith(self._root + "/") or not path.endswith("/"):
            return "not a path under the API root with its trailing slash"
        segments = tuple(path[len(self._root) + 1 : -1].split("/"))
        for named in overrides:
            # The method the server may act on instead must be one allowed here as well.
            why = self._route(named.strip().upper(), segments)
            if why is not None:
                return f"the method-override header names {shown(named)}: {why}"
        why = self._route(method, segments)
        if why is not None and method == "GET" and not overrides and self._own_variant(segments):
            return None  # a read changes nothing, and the path stays on the run's instance
        return why

    def _own_variant(self, segments: tuple[str, ...]) -> bool:
        """Whether ``segments`` name a malformed variant of a proven instance's URL:
        ``custom_object/{id}{suffix}/``, ``custom_object/{id}/{suffix}/``,
        ``custom_object/{id}{suffix}/{suffix}/`` or ``custom_object/{id}/{id}/``."""
        if len(segments) not in (2, 3) or segments[0] != "custom_object":
            return False
        with self._lock:
            proven = [p for p in self._proven["custom_object"] if segments[1].startswith(p)]
        for own in proven:
            rest = (segments[1][len(own) :], *segments[2:])
            if rest == ("",):
                continue  # the instance's own URL, which _route judges
            if all(
                (i == 0 and not part) or part == own or _harmless(part)
                for i, part in enumerate(rest)
            ):
                return True
        return False

    def _route(self, method: str, segments: tuple[str, ...]) -> str | None:
        if not _TOKEN.fullmatch(method):
            return "not an HTTP method a run sends"
        for template, methods in ALLOWED.items():
            if len(template) != len(segments):
                continue
            ids: list[tuple[IdKind, str]] = []
            for expected, actual in zip(template, segments, strict=True):
                if expected.startswith("{"):
                    ids.append((expected[1:-1], actual))  # type: ignore[arg-type]
                elif expected != actual:
                    break
            else:
                bad = next(((k, v) for k, v in ids if not is_id(k, v)), None)
                if bad is not None:
                    return f"{shown(bad[1])} is not a {bad[0]} id"
                if method in methods:
                    return None
                if ids and ids[0][0] in ("lead", "custom_object"):
                    kind: Owned = "lead" if ids[0][0] == "lead" else "custom_object"
                    if self.allows(kind, ids[0][1]):
                        return None
                    return f"{method} to a {kind} not proven the run's own"
                return f"{method} is not a method a run sends to this path"
        return "not a path a run uses"


def _harmless(suffix: str) -> bool:
    """Whether ``suffix`` may follow a proven id in a GET (see :data:`VARIANT_SUFFIX`)."""
    if not VARIANT_SUFFIX.fullmatch(suffix):
        return False
    decoded = unquote_to_bytes(suffix)
    return all(0x20 < byte < 0x7F and byte not in _UNSAFE_IN_VARIANT for byte in decoded)
