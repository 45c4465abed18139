"""Where reports go: files (tried before the run, written whole or not at all) or, for the
path ``-``, standard output (not for the HTML report)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from contract.errors import ConfigurationError
from contract.reports._cut import cut_report
from contract.reports._history import History, read_history
from contract.reports._report import RunReport
from contract.reports._scripts import scripts_dir
from contract.secrets import redact as blank
from contract.secrets import secret_forms

__all__ = ["STDOUT", "check_writable", "write_reports"]

STDOUT: Final = Path("-")
"""The path that means standard output (``--report-json -``), as for most CLI tools."""


def _to_stdout(text: str) -> None:
    data = text.encode("utf-8", errors="backslashreplace")
    try:
        # Text already written must come first; the bytes go out as UTF-8 whatever the
        # locale says, since a report piped into `jq` is read as UTF-8.
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            buffer.write(data)
        sys.stdout.flush()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigurationError(f"cannot write the report to standard output: {reason}") from exc


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file beside ``path``, then rename it over ``path``: a reader
    (a CI job collecting artifacts, a browser reloading the page) never sees half a report,
    and a run killed while writing leaves the previous report as it was."""
    temporary = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    # Created as open() would (0o666 less the umask), unlike mkstemp's 0o600.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        if path.exists():
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _write(path: Path, text: str) -> None:
    if path == STDOUT:
        _to_stdout(text)
        return
    # A lone surrogate (from a target's JSON) cannot be UTF-8: written as its escape.
    data = text.encode("utf-8", errors="backslashreplace")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or (path.exists() and not path.is_file()):
            # A link, a pipe or a device (/dev/stdout) is written through: renaming over
            # it would replace the link or the device itself.
            path.write_bytes(data)
            return
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        _replace(path, data)
    except OSError as exc:
        raise ConfigurationError(f"cannot write the report {path}: {exc.strerror}") from exc


def _check_one(path: Path, what: str) -> None:
    if path.is_dir():
        raise ConfigurationError(f"cannot write the {what} {path}: it is a directory")
    parent = path.parent
    made: list[Path] = []
    probe = parent
    while not probe.exists():
        made.append(probe)
        probe = probe.parent
    try:
        if not probe.is_dir():
            raise ConfigurationError(f"cannot write the {what} {path}: {probe} is not a directory")
        try:
            parent.mkdir(parents=True, exist_ok=True)
            descriptor, name = tempfile.mkstemp(prefix=".close-contract-", dir=parent)
            os.close(descriptor)
            os.unlink(name)
            if path.exists() and not os.access(path, os.W_OK):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigurationError(f"cannot write the {what} {path}: {reason}") from exc
    finally:
        for directory in made:
            with contextlib.suppress(OSError):
                directory.rmdir()


def check_writable(
    paths: Iterable[Path | None], *, what: str = "report", stdout: bool = True
) -> None:
    """Fail early (exit 2) on a report path that cannot be written, before any request.

    The directory is tried for real (a temporary file created and removed): permission bits
    say nothing for root, nor for places like ``/proc``. Directories made for the probe are
    removed again. ``what`` names the file in messages ("report", "baseline"). The path
    ``-`` (:data:`STDOUT`) is standard output: accepted once when ``stdout`` is true (two
    reports there would be one unreadable stream), refused otherwise.
    """
    to_stdout = 0
    for path in paths:
        if path is None:
            continue
        if path == STDOUT:
            if not stdout:
                raise ConfigurationError(
                    f"cannot write the {what} to standard output (-): give a file path"
                )
            to_stdout += 1
            if to_stdout > 1:
                raise ConfigurationError(
                    f"only one {what} can go to standard output (-): give the others a file"
                )
            continue
        _check_one(path, what)


def write_reports(
    report: RunReport,
    *,
    json_path: Path | None = None,
    junit_path: Path | None = None,
    markdown_path: Path | None = None,
    html_path: Path | None = None,
    history_dir: Path | None = None,
    redact: Sequence[str] = (),
) -> None:
    """Write the requested reports; every secret in ``redact`` is blanked first, in each
    form it can take (raw, escaped, URL-encoded, Basic): the last gate before a file a CI
    keeps. Bodies and other texts past :data:`~contract.excerpts.KEPT_BODY_BYTES` are cut,
    and marked as cut. Each file is written whole or not at all (a new file renamed over
    the old one).

    A path ``-`` (:data:`STDOUT`) writes that report to standard output, so the caller
    must keep its own output off stdout then (``--report-json - | jq``); the HTML report
    goes to a file only. ``history_dir`` holds earlier JSON reports for the HTML report's
    comparison with earlier runs (see :func:`~contract.reports.read_history`). It is read
    before anything is written: a JSON report written there now (this run's) is not among
    them, and the one it replaces (the last run's) is.
    """
    if html_path == STDOUT:
        raise ConfigurationError("cannot write the HTML report to standard output (-): give a file")
    if history_dir is not None and html_path is None:
        raise ConfigurationError("earlier reports (history_dir) are read for the HTML report only")
    history = History() if history_dir is None else read_history(history_dir)
    forms = secret_forms(redact)
    report = cut_report(report)

    def clean(text: str) -> str:
        return blank(text, forms)

    if json_path is not None:
        name = "report.json" if json_path == STDOUT else json_path.name
        data = report.to_json(report_name=name)
        _write(json_path, clean(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")
        if json_path != STDOUT:
            _write_scripts(scripts_dir(json_path), data["violations"], clean)
    if junit_path is not None:
        _write(junit_path, clean(report.to_junit()))
    if markdown_path is not None:
        _write(markdown_path, clean(report.to_markdown()))
    if html_path is not None:
        _write(html_path, clean(report.to_html(history.reports, notes=history.notes)))


def _write_scripts(
    directory: Path, violations: Sequence[Mapping[str, Any]], clean: Callable[[str], str]
) -> None:
    """One script per root cause (``FINGERPRINT.sh``), and none left of an earlier run's
    report of that name: a script whose finding is gone would reproduce nothing."""
    scripts = {str(v["fingerprint"]): str(v["script"]) for v in violations}
    try:
        if directory.is_dir():
            for old in directory.glob("*.sh"):
                if old.stem not in scripts:
                    old.unlink()
        if not scripts:
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
            return
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write the reproduction scripts in {directory}: {exc.strerror}"
        ) from exc
    for fingerprint, text in sorted(scripts.items()):
        path = directory / f"{fingerprint}.sh"
        _write(path, clean(text))
        path.chmod(0o755)
