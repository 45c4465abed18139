"""What a recording keeps of a response body: decoded, within a bound, marked when cut.

A recording stores bodies decoded (so that every form of a key can be scrubbed from
them) and whole up to :data:`RECORDED_BODY_BYTES`, so a replay of a normal run answers
exactly as the target did. Past it, or when the body cannot be decoded within bounds (a
gzip bomb, a corrupt stream, a coding the recording cannot read), the recording keeps
the beginning and a mark that says it was cut: nothing unbounded is ever held or written.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Final

from contract.excerpts import cut_bytes, cut_mark

__all__ = ["RAW_KEPT", "RECORDED_BODY_BYTES", "UNREADABLE", "recorded_body"]

# A full list page of instances with many custom fields stays under a megabyte.
RECORDED_BODY_BYTES: Final = 1024 * 1024
"""Bytes of one decoded response body a recording keeps whole."""

# Past this many decoded bytes a body is no longer counted, only said to be larger.
_COUNT_CEILING: Final = 1 << 30
# Decoded a slice at a time: a bomb never sits in memory whole.
_STEP: Final = 64 * 1024
# Kept beyond the bound before scrubbing, so that a key across the cut is still whole
# when it is blanked (every form of a key is far shorter).
_MARGIN: Final = 4096
# Raw bytes of one body a recording holds while it streams past: enough for everything kept.
RAW_KEPT: Final = RECORDED_BODY_BYTES + _MARGIN

_ZLIB_WBITS: Final = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16}


class _Unreadable(Exception):
    """The body's coding cannot be undone (corrupt, or not one the recording reads)."""


def _inflate(data: bytes, wbits: int, keep: int) -> tuple[bytes, int, bool]:
    """The first ``keep`` decoded bytes of ``data``, how many there were in all, and
    whether counting stopped at the ceiling first."""
    decoder = zlib.decompressobj(wbits)
    kept = bytearray()
    total = 0
    pending = data
    while True:
        chunk = decoder.decompress(pending, _STEP)
        pending = decoder.unconsumed_tail
        total += len(chunk)
        if len(kept) < keep:
            kept += chunk[: keep - len(kept)]
        if total > _COUNT_CEILING:
            return bytes(kept), total, True
        if decoder.eof or (not chunk and not pending):
            return bytes(kept), total, False


def _decoded(data: bytes, coding: str, keep: int) -> tuple[bytes, int, bool]:
    if coding in _ZLIB_WBITS:
        attempts = [_ZLIB_WBITS[coding]]
    elif coding == "deflate":
        # zlib-wrapped, as the standard says, or raw deflate, as some servers send.
        attempts = [zlib.MAX_WBITS, -zlib.MAX_WBITS]
    else:
        raise _Unreadable(f"content-encoding {coding!r}")
    for wbits in attempts:
        try:
            return _inflate(data, wbits, keep)
        except zlib.error as exc:
            failure = exc
    raise _Unreadable(f"{coding} that does not decode ({failure})")


def recorded_body(
    data: bytes,
    codings: list[str],
    scrub: Callable[[bytes], bytes],
    cap: int = RECORDED_BODY_BYTES,
    *,
    raw_total: int | None = None,
    whole: bool = True,
) -> tuple[bytes, bool]:
    """The body a recording keeps of ``data`` sent with the ``Content-Encoding`` values
    ``codings``, scrubbed by ``scrub``, and whether it was decoded (its coding header then
    goes). A body past ``cap`` keeps its first ``cap`` bytes and the cut mark; one whose
    coding cannot be undone is replaced by a line saying so (undecoded bytes could hide
    a key from the scrubber).

    ``data`` may be only the beginning of what arrived: ``raw_total`` raw bytes in all (by
    default ``len(data)``). Unless the body arrived ``whole`` (the reader took it to its
    end), what is kept always ends with the mark: a replay must not take it for the whole.
    """
    raw_total = len(data) if raw_total is None else raw_total
    names = [c.strip().lower() for v in codings for c in v.split(",") if c.strip()]
    names = [name for name in names if name != "identity"]
    if not names:
        return _kept(scrub(data[: cap + _MARGIN]), cap, raw_total, not whole), False
    if len(names) > 1:
        note = f"content-encoding {', '.join(names)!r} (more than one coding)"
        return _unreadable(note, raw_total), True
    try:
        kept, total, more = _decoded(data, names[0], cap + _MARGIN)
    except _Unreadable as exc:
        return _unreadable(str(exc), raw_total), True
    # Decoded from the beginning only: its size in all is not known.
    partial = more or raw_total > len(data) or not whole
    return _kept(scrub(kept), cap, total, partial), True


def _kept(data: bytes, cap: int, total: int, partial: bool) -> bytes:
    """``data`` cut past ``cap`` with the mark; a ``partial`` body is marked even within it."""
    if not partial:
        return cut_bytes(data, cap, total=total)
    if len(data) > cap:
        return cut_bytes(data, cap, total=total, at_least=True)
    return data + cut_mark(max(total, len(data)), at_least=True).encode("ascii")


UNREADABLE: Final = b"[not recorded: "
"""How the line that stands for a body the recording could not decode begins."""


def _unreadable(why: str, size: int) -> bytes:
    return UNREADABLE + f"a body of {size:,} bytes in {why}]".encode()
