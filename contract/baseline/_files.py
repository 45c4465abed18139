"""Reading a file a user points at (a baseline, a cassette, a corpus), within bounds.

A path may name anything: a link to ``/dev/zero`` reads forever and a named pipe (FIFO)
blocks until someone writes to it. :func:`read_file_bytes` opens without waiting
(``O_NONBLOCK``), refuses anything but a regular file, and never reads past a size bound,
so such a path is a one-line :class:`~contract.errors.CassetteError` (exit 2), not a hang.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from contract.errors import CassetteError

__all__ = ["MAX_FILE_BYTES", "read_file_bytes"]

# The largest recording file the toolkit reads: a nightly run's cassette is a few
# megabytes, its corpus and baseline less (each recorded body is cut at a megabyte).
MAX_FILE_BYTES: Final = 256 * 1024 * 1024
"""The most bytes a cassette, corpus or baseline file may hold."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _named(path: Path) -> str:
    """``path``, and where it leads when it is a link: the link alone hides the device."""
    if path.is_symlink():
        return f"{path} (a link to {os.path.realpath(path)})"
    return str(path)


def read_file_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Raises :class:`~contract.errors.CassetteError` when ``path`` (or what its links lead
    to) is not a regular file, or holds more than ``limit`` bytes; :class:`OSError` (a
    missing file, no permission) is left to the caller, which knows what the file was for.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise CassetteError(
                f"{_named(path)} is {_kind(status.st_mode)}, not a regular file: pass the "
                "file itself"
            )
        # One byte past what was measured: the file may have grown since.
        data = b"" if status.st_size > limit else handle.read(status.st_size + 1)
    if status.st_size > limit or len(data) > limit:
        raise CassetteError(
            f"{_named(path)} holds more than {limit:,} bytes, more than any file the toolkit "
            "writes: pass a file it wrote"
        )
    return data
