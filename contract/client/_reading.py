"""Reading an answer's body within bounds: bytes (counted decompressed), time and nesting.

httpx would decode a whole network read at once, and one 64 KiB read of a gzip bomb is 64
MiB decoded; so the client takes the raw bytes and inflates them here, at most
:data:`STEP` bytes at a time, counting each piece before it keeps it. Only the codings the
client asks for (``Accept-Encoding: gzip, deflate``) are decoded; any other is passed
through as it came, as httpx does, and the checks judge those bytes.

A body that cannot be read raises :class:`Unreadable` with the limit or the failure that
stopped it; the client turns it into :class:`~contract.errors.UnreadableAnswer`.
"""

from __future__ import annotations

import itertools
import json as jsonlib
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Final, NoReturn

import httpx

from contract.errors import UnreadableKind

__all__ = [
    "ACCEPT_ENCODING",
    "MAX_JSON_DEPTH",
    "STEP",
    "Unreadable",
    "parse_json",
    "read_body",
    "read_chunks",
    "too_deep",
]

ACCEPT_ENCODING: Final = "gzip, deflate"
"""The codings the client asks for: exactly those it can inflate within bounds."""

STEP: Final = 64 * 1024
"""The most one inflating step produces: a body stops at most this far past its cap."""

MAX_JSON_DEPTH: Final = 64
"""How deep an answer's JSON may nest. Close's answers nest a few levels; much deeper
structures would overflow the recursion of the parser and of what reads the parsed value."""


class Unreadable(Exception):
    """A body could not be read: ``kind`` names why, the message says it in a few words."""

    def __init__(self, kind: UnreadableKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: UnreadableKind = kind


class _Inflate:
    """One ``gzip`` or ``deflate`` coding, inflated in steps of at most :data:`STEP` bytes."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        gzip = coding in ("gzip", "x-gzip")
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        # "deflate" is meant as zlib-wrapped, but raw deflate is common: as httpx does, the
        # first bytes decide.
        self._may_be_raw = not gzip
        self._fed = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        inflater = self._inflater
        while not inflater.eof:
            try:
                out = inflater.decompress(data, STEP)
            except zlib.error as exc:
                if self._may_be_raw and not self._fed:
                    self._may_be_raw = False
                    self._inflater = inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                self._fail(str(exc))
            self._fed = self._fed or bool(data)
            data = inflater.unconsumed_tail
            if out:
                yield out
            # A full step may leave output inside zlib even when all input went in.
            if not data and len(out) < STEP:
                return
        # Bytes after the end of the compressed stream are ignored, as httpx ignores them.

    def end(self) -> Iterator[bytes]:
        if not self._fed:
            return  # no body at all (a HEAD, a 204): nothing to decode
        try:
            tail = self._inflater.flush()
        except zlib.error as exc:  # pragma: no cover - flush reports truncation by eof only
            self._fail(str(exc))
        if tail:
            yield tail
        if not self._inflater.eof:
            self._fail("the compressed stream ends early")

    def _fail(self, why: str) -> NoReturn:
        raise Unreadable("encoding", f"its Content-Encoding {self.coding} does not decode ({why})")


def _stages(codings: Sequence[str]) -> list[_Inflate]:
    """The inflaters for a ``Content-Encoding`` list, in the order they undo it."""
    known = [c for c in codings if c in ("gzip", "x-gzip", "deflate")]
    return [_Inflate(c) for c in reversed(known)]


def _through(stages: Sequence[_Inflate], data: bytes) -> Iterator[bytes]:
    if not stages:
        if data:
            yield data
        return
    for piece in stages[0].feed(data):
        yield from _through(stages[1:], piece)


def _ending(stages: Sequence[_Inflate]) -> Iterator[bytes]:
    for index, stage in enumerate(stages):
        for piece in stage.end():
            yield from _through(stages[index + 1 :], piece)


def read_body(
    response: httpx.Response,
    *,
    max_bytes: int,
    deadline: float,
    clock: Callable[[], float],
    count: Callable[[int], None],
) -> bytes:
    """The decoded body of a streamed ``response``, read until ``deadline`` (on ``clock``).

    Raises :class:`Unreadable` past ``max_bytes`` decoded (or raw) bytes, past the
    deadline, when the coding does not decode or when the framing breaks (a chunk size
    that is not one, for example). ``count(n)`` is told of every decoded piece as it is
    kept. A connection lost mid-body and a read that times out before the deadline are the
    caller's to classify (the ``httpx.TransportError`` propagates), like every other
    transport error.
    """
    codings = response.headers.get_list("content-encoding", split_commas=True)
    if response.is_stream_consumed:
        # An in-process transport (a mock, a replay) handed over a body it holds already,
        # decoded: only the cap is left to apply.
        body = response.content
        if len(body) > max_bytes:
            _too_big(max_bytes)
        count(len(body))
        return body
    return read_chunks(
        _httpx_raw(response, deadline, clock),
        codings=codings,
        content_length=response.headers.get("content-length"),
        max_bytes=max_bytes,
        deadline=deadline,
        clock=clock,
        count=count,
    )


def _httpx_raw(
    response: httpx.Response, deadline: float, clock: Callable[[], float]
) -> Iterator[bytes]:
    """The raw chunks of an httpx ``response``, its read failures classified."""
    raw = response.iter_raw()
    while True:
        try:
            chunk = next(raw, None)
        except httpx.TimeoutException:
            if clock() >= deadline:
                _too_late()
            raise
        except httpx.RemoteProtocolError as exc:
            if _CLOSED_EARLY in str(exc):
                # The connection was lost mid-answer, not garbled: like any connection lost
                # after sending, that is the caller's to retry or call ambiguous.
                raise
            raise Unreadable("framing", f"its framing broke ({exc})") from None
        if chunk is None:
            return
        yield chunk


def read_chunks(
    chunks: Iterable[bytes],
    *,
    codings: Sequence[str],
    content_length: str | None,
    max_bytes: int,
    deadline: float,
    clock: Callable[[], float],
    count: Callable[[int], None],
) -> bytes:
    """The decoded body of ``chunks``, the raw bytes of an answer as they arrive, sent with
    the ``Content-Encoding`` values ``codings`` and the ``Content-Length`` header
    ``content_length`` (None without one); read until ``deadline`` (on ``clock``).

    Whatever HTTP stack streams the answer, its body is bounded alike: :class:`Unreadable`
    past ``max_bytes`` decoded (or raw) bytes, past the deadline (checked before each
    chunk is taken) and when the coding does not decode. ``count(n)`` is told of every
    decoded piece as it is kept. What taking a chunk raises propagates: the stack's own
    failures are its caller's to classify.
    """
    stages = _stages([c.strip().lower() for c in codings])
    declared = content_length or ""
    if not stages and declared.isdigit() and int(declared) > max_bytes:
        raise Unreadable(
            "size", f"its Content-Length of {int(declared)} bytes is past the cap of {max_bytes}"
        )
    parts: list[bytes] = []
    kept = 0
    raw_read = 0
    raw = iter(chunks)
    while True:
        if clock() > deadline:
            _too_late()
        chunk = next(raw, None)
        ending = chunk is None
        if chunk is not None:
            raw_read += len(chunk)
            if raw_read > max_bytes:
                _too_big(max_bytes)
        for piece in _ending(stages) if ending else _through(stages, chunk or b""):
            kept += len(piece)
            count(len(piece))
            if kept > max_bytes:
                _too_big(max_bytes)
            parts.append(piece)
        if ending:
            return b"".join(parts)


# How h11 (under httpx) says the connection closed before the body was complete.
_CLOSED_EARLY: Final = "peer closed connection without sending complete message body"


def _too_big(max_bytes: int) -> NoReturn:
    raise Unreadable("size", f"its body passed the cap of {max_bytes} bytes, counted decompressed")


def _too_late() -> NoReturn:
    raise Unreadable("deadline", "its body was still arriving at the deadline")


# A JSON string, escapes included: brackets inside one do not nest anything.
_STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_START: Final = re.compile(rb"[ \t\r\n]*[\[{]")
_NOT_BRACKETS: Final = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP: Final = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))


def too_deep(body: bytes, limit: int) -> bool:
    """Whether ``body``, when it looks like JSON, nests arrays and objects past ``limit``.

    Cheap for ordinary bodies: only one with more opening brackets than ``limit`` is
    scanned, and the scan runs at C speed (strings dropped, brackets summed).
    """
    if not _JSON_START.match(body) or body.count(b"[") + body.count(b"{") <= limit:
        return False
    skeleton = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(itertools.accumulate(map(_DEPTH_STEP.__getitem__, skeleton)), default=0) > limit


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``body`` parsed as strict JSON: UTF-8, no ``NaN``/``Infinity``, nested at most
    ``max_depth`` levels. Anything else, however malformed, raises ``ValueError`` only."""
    if too_deep(body, max_depth):
        raise ValueError(f"the JSON nests deeper than {max_depth} levels")
    try:
        # Strictly UTF-8 (RFC 8259 section 8.1): json.loads would also guess UTF-16 or -32.
        return jsonlib.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("the JSON nests too deep to parse") from None
