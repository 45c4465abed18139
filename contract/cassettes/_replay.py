"""Serve a recording's HTTP interactions back offline, as an httpx transport.

:func:`replay_transport` reads ``DIR/cassette.yaml`` through vcrpy's public persister and
serializer API (refusing, in one line, a cassette this toolkit did not write), indexes its
interactions by what a replay matches on (method, path, query and body, and the case tag
a recording made by several workers carries in ``X-Close-Contract-Case``) and answers each
request with the next recorded response for it that has not been played yet. Nothing is
patched and no socket is opened: the transport is handed to the client, and a request the
cassette does not hold is a :class:`~contract.errors.CassetteError` naming the nearest
recorded request.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import httpx

from contract.cassettes._corpus import (
    CASSETTE_FILE,
    RECORD_AGAIN,
    fields_problem,
    kind_of,
    read_text,
)
from contract.cassettes._recording import CUT_HEADER
from contract.client import CASE_HEADER
from contract.errors import CassetteError

__all__ = ["replay_transport"]

# What a replay matches on: vcrpy's matchers _recording._MATCH_ON names, and the case tag.
_Key = tuple[str | None, str, str, tuple[tuple[str, str], ...], bytes]


def replay_transport(directory: Path) -> httpx.BaseTransport:
    """An httpx transport that answers every request from ``DIR/cassette.yaml``, offline.

    Each recorded interaction is played once, in the order recorded, for the request that
    has its method, path, query (as sorted pairs), body bytes and case tag (so requests of
    different cases never take each other's answers, however the cases interleaved when
    they were recorded, and the replay may run on several workers). A cassette that is not
    what the toolkit wrote is a CassetteError here, before anything is sent; a request with
    no unplayed interaction is one naming the nearest recorded request. The transport never
    opens a connection.
    """
    from vcr.serializers import yamlserializer

    path = directory / CASSETTE_FILE
    try:
        requests, responses = _CheckedPersister.load_cassette(str(path), yamlserializer)[:2]
    except CassetteError:
        raise
    except Exception as exc:  # anything vcrpy trips over in a file that passed the checks
        raise CassetteError(f"{path} is not a readable cassette: {exc}".splitlines()[0]) from None
    return _ReplayTransport(requests, responses)


class _ReplayTransport(httpx.BaseTransport):
    """Answers from recorded (vcrpy request, vcrpy response dict) pairs, each once."""

    def __init__(self, requests: Sequence[Any], responses: Sequence[dict[str, Any]]) -> None:
        self._requests = list(requests)
        self._unplayed: dict[_Key, deque[dict[str, Any]]] = {}
        self._recorded: dict[_Key, int] = {}
        for stored, response in zip(self._requests, responses, strict=True):
            key = _key(stored, _tag(stored.headers.get))
            self._unplayed.setdefault(key, deque()).append(response)
            self._recorded[key] = self._recorded.get(key, 0) + 1

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        from vcr.request import Request

        # vcrpy's own request type, so path and query are normalized exactly as recorded.
        wanted = Request(request.method, str(request.url), request.read(), {})
        key = _key(wanted, _tag(request.headers.get))
        queue = self._unplayed.get(key)
        if not queue:
            raise CassetteError(_missing(wanted, self._requests, self._recorded.get(key, 0)))
        return _response(queue.popleft())


def _response(recorded: dict[str, Any]) -> httpx.Response:
    """The httpx response of a recorded one (headers ``{name: [values]}``, decoded body).

    An answer the recording marks as cut (:data:`CUT_HEADER`: the client did not read it to
    its end) serves what was kept, then ends as the recorded one did: with the httpx error
    the connection failed with, or broken off, so that the client takes nothing of it for a
    whole answer.
    """
    status = recorded["status"]
    message = status.get("message")
    headers = [
        (name, value)
        for name, values in recorded["headers"].items()
        if name.lower() != CUT_HEADER.lower()
        for value in values
    ]
    cut = [
        v for k, vs in recorded["headers"].items() if k.lower() == CUT_HEADER.lower() for v in vs
    ]
    body = _bytes(recorded["body"]["string"])
    extensions = {"reason_phrase": message.encode("ascii")} if message else None
    if cut:
        return httpx.Response(
            status["code"], headers=headers, stream=_Cut(body, cut[0]), extensions=extensions
        )
    return httpx.Response(status["code"], headers=headers, content=body, extensions=extensions)


# The httpx errors a recorded answer may have ended with, raised again where it ended.
_ENDINGS: dict[str, type[httpx.TransportError]] = {
    error.__name__: error
    for error in (
        httpx.ReadTimeout,
        httpx.ReadError,
        httpx.RemoteProtocolError,
        httpx.WriteTimeout,
        httpx.WriteError,
        httpx.PoolTimeout,
        httpx.ConnectTimeout,
        httpx.ConnectError,
        httpx.NetworkError,
        httpx.TimeoutException,
        httpx.ProtocolError,
        httpx.TransportError,
    )
}


class _Cut(httpx.SyncByteStream):
    """A recorded answer the client did not read to its end: the bytes kept, then the end
    it had (``how``: the :data:`CUT_HEADER` value)."""

    def __init__(self, body: bytes, how: str) -> None:
        self._body = body
        self._how = how

    def __iter__(self) -> Iterator[bytes]:
        if self._body:
            yield self._body
        name, _, text = self._how.partition(": ")
        error = _ENDINGS.get(name)
        if error is None:
            # The client stopped reading on its own (one of its bounds): a replay cannot
            # know which, only that the answer was never whole.
            raise httpx.RemoteProtocolError(f"the recording of this answer was cut ({self._how})")
        raise error(text or name)


def _bytes(body: Any) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8", "surrogateescape")
    return bytes(body or b"")


def _key(request: Any, tag: str | None) -> _Key:
    """What a replay matches on (case tag, method, path, query, body), from a vcrpy
    request and its case tag (``None`` outside a case: discovery, cleanup)."""
    return (
        tag,
        request.method,
        request.path,
        tuple(sorted(request.query)),
        _bytes(request.body),
    )


def _tag(header: Any) -> str | None:
    """The case tag among a request's headers (vcrpy stores a header as a list)."""
    value = header(CASE_HEADER) or header(CASE_HEADER.lower())
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


class _Parsed:
    """A vcrpy serializer that hands over YAML already parsed (and checked)."""

    def __init__(self, data: Any) -> None:
        self._data = data

    def deserialize(self, _text: str) -> Any:
        return self._data


class _CheckedPersister:
    """A vcrpy persister's loading half, refusing a cassette this toolkit did not write.

    vcrpy trusts the file's structure and fails later with a TypeError or KeyError in the
    middle of a replay; here every interaction is checked while the cassette loads, then
    vcrpy's own ``deserialize`` turns it into its requests and response records.
    """

    @classmethod
    def load_cassette(cls, cassette_path: str, serializer: Any) -> Any:
        import yaml
        from vcr.serialize import deserialize

        path = Path(cassette_path)
        text = read_text(path, "a readable cassette")
        if not text.strip():
            raise CassetteError(f"{path} is not a readable cassette: it is empty; {RECORD_AGAIN}")
        try:
            data = serializer.deserialize(text)
        except yaml.YAMLError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CassetteError(
                f"{path} is not a readable cassette: invalid YAML ({reason}); {RECORD_AGAIN}"
            ) from None
        except RecursionError:
            raise CassetteError(f"{path} is not a readable cassette: nested too deeply") from None
        problem = _cassette_problem(data)
        if problem:
            raise CassetteError(f"{path} is not a readable cassette: {problem}; {RECORD_AGAIN}")
        return deserialize(text, _Parsed(data))


# What a replay reads of each interaction (vcrpy's format), and the types it needs.
_REQUEST_KEYS: dict[str, tuple[type, ...]] = {
    "method": (str,),
    "uri": (str,),
    "body": (str, bytes, type(None)),
    "headers": (dict,),
}
_RESPONSE_KEYS: dict[str, tuple[type, ...]] = {
    "status": (dict,),
    "headers": (dict,),
    "body": (dict,),
}


def _cassette_problem(data: Any) -> str | None:
    """Why parsed YAML is not a vcrpy cassette this toolkit wrote, or None."""
    if not isinstance(data, dict) or "interactions" not in data:
        return f"expected a mapping with 'interactions', got {kind_of(data)}"
    interactions = data["interactions"]
    if not isinstance(interactions, list):
        return f"'interactions' must be a list, got {kind_of(interactions)}"
    for position, interaction in enumerate(interactions):
        problem = _interaction_problem(interaction)
        if problem:
            return f"interactions[{position}] {problem}"
    return None


def _interaction_problem(interaction: Any) -> str | None:
    if not isinstance(interaction, dict):
        return f"must be a mapping with 'request' and 'response', got {kind_of(interaction)}"
    for part, keys in (("request", _REQUEST_KEYS), ("response", _RESPONSE_KEYS)):
        value = interaction.get(part)
        if not isinstance(value, dict):
            return f"{part} must be a mapping, got {kind_of(value)}"
        problem = fields_problem(value, keys)
        if problem:
            return f"{part} {problem}"
        for name, values in value["headers"].items():
            if not isinstance(name, str) or not _strings(values):
                return f"{part} header {name!r} must be a list of strings"
            # A replayed response becomes an httpx.Response, whose headers are ASCII.
            if part == "response" and not all(t.isascii() for t in (name, *values)):
                return f"response header {name!r} must be ASCII text"
    status, body = interaction["response"]["status"], interaction["response"]["body"]
    code, message = status.get("code"), status.get("message")
    if type(code) is not int or not 100 <= code <= 599:
        return f"response status code must be an HTTP status, got {kind_of(code)}"
    if "message" not in status or not (
        message is None or (isinstance(message, str) and message.isascii())
    ):
        return f"response status message must be ASCII text, got {kind_of(message)}"
    if not isinstance(body.get("string"), str | bytes):
        return f"response body string must be text, got {kind_of(body.get('string'))}"
    return None


def _strings(values: Any) -> bool:
    return isinstance(values, list) and bool(values) and all(isinstance(v, str) for v in values)


def _text(body: Any) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return str(body or "")


def _where(request: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in request.query)
    return f"{request.method} {request.path}" + (f"?{query}" if query else "")


def _excerpt(text: str, at: int) -> str:
    start = max(0, at - 30)
    return ("…" if start else "") + text[start : at + 60] + ("…" if at + 60 < len(text) else "")


def _missing(request: Any, stored: Sequence[Any], recorded: int) -> str:
    """Why ``request`` cannot be answered: sent more often than recorded, or never recorded
    (then naming the nearest of the ``stored`` requests and where their bodies differ)."""
    wanted = _text(request.body)
    if recorded:
        sent = f" with body {_excerpt(wanted, 0)}" if wanted else ""
        return (
            f"{_where(request)}{sent} is not in the cassette again (it was recorded "
            f"{recorded} time{'s' if recorded > 1 else ''}, and each was played); the "
            "recording was made with other options or another toolkit version: record it again"
        )
    return _nearest(request, stored)


def _nearest(request: Any, stored: Sequence[Any]) -> str:
    """The message for a request the cassette does not hold, naming the nearest stored."""
    wanted = _text(request.body)

    def score(candidate: Any) -> tuple[int, float]:
        same = (candidate.method == request.method) * 4 + (candidate.path == request.path) * 2
        same += candidate.query == request.query
        similar = (
            SequenceMatcher(None, _text(candidate.body), wanted).quick_ratio() if same >= 6 else 0
        )
        return same, similar

    best = max(stored, key=score, default=None)
    near = _text(best.body) if best is not None else ""
    # Show both bodies around their first difference: that is where the runs diverged.
    at = next((i for i, (a, b) in enumerate(zip(near, wanted, strict=False)) if a != b), 0)
    nearest = "nothing recorded"
    if best is not None:
        nearest = _where(best) + (f" with body {_excerpt(near, at)}" if near else "")
    sent = f" with body {_excerpt(wanted, at)}" if wanted else ""
    return (
        f"{_where(request)}{sent} is not in the cassette (nearest recorded: "
        f"{nearest}); the recording was made with other options or another toolkit version: "
        "record it again"
    )
