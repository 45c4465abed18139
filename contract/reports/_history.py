"""Earlier JSON reports, read for the HTML report: the trend of violations per check, and
which root causes are new or fixed since the last run.

A directory of reports is whatever a CI job kept, so nothing in it is trusted: a file that
is not a JSON report of this toolkit (another tool's JSON, a cut-off download, a report of
a newer format) is skipped with a note, never an error. What is read is bounded: the
:data:`HISTORY_RUNS` newest reports by ``started_at``, each at most
:data:`HISTORY_FILE_BYTES`, among the :data:`HISTORY_FILES` most recently modified files,
with at most :data:`HISTORY_BYTES` read in all; only what the HTML report uses (the start,
violations per check, each root cause's check and title) is kept of each.
"""

from __future__ import annotations

import json
import re
import stat
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeGuard

from contract.errors import ContractViolation
from contract.reports._groups import excerpt, fingerprint
from contract.reports._json import REPORT_FORMAT

__all__ = [
    "HISTORY_BYTES",
    "HISTORY_FILES",
    "HISTORY_FILE_BYTES",
    "HISTORY_RUNS",
    "EarlierRun",
    "History",
    "earlier_runs",
    "moment_of",
    "read_history",
]

HISTORY_RUNS: Final = 60
"""How many earlier runs the HTML report shows: the newest by ``started_at``."""
HISTORY_FILE_BYTES: Final = 4 * 1024 * 1024
"""The largest earlier report read; a bigger file is skipped with a note."""
HISTORY_FILES: Final = 1000
"""How many ``*.json`` files of the directory are looked at (the most recently modified)."""
HISTORY_BYTES: Final = 128 * 1024 * 1024
"""How much is read of all the files together (a directory of other tools' JSON files)."""

# A report written by this toolkit names its start within its first few hundred bytes
# (json_report's key order), so files are ranked by a peek before any is read whole.
_PEEK_BYTES: Final = 4096
_PEEKED_START = re.compile(rb'"started_at"\s*:\s*"([^"]{1,64})"')
_FINGERPRINT = re.compile(r"[0-9a-f]{12}")
_OLDEST: Final = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class EarlierRun:
    """What the HTML report uses of an earlier JSON report: when the run started, how many
    violations each check found, and each root cause (fingerprint → check, title)."""

    started_at: datetime | None
    by_check: dict[str, int]
    causes: dict[str, tuple[str, str]]

    def to_json(self) -> dict[str, Any]:
        """The run as a (trimmed) JSON report, which :func:`earlier_runs` reads back."""
        return {
            "format": REPORT_FORMAT,
            "started_at": None if self.started_at is None else self.started_at.isoformat(),
            "summary": {"by_check": dict(self.by_check)},
            "violations": [
                {"fingerprint": fp, "check": check, "title": title}
                for fp, (check, title) in self.causes.items()
            ],
        }


@dataclass(frozen=True, slots=True)
class History:
    """Earlier reports (trimmed, oldest first) and a note for each file left out."""

    reports: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def moment_of(text: object) -> datetime | None:
    """``text`` as an ISO 8601 time in UTC (a time without a zone is taken to be UTC), or
    ``None`` when it is none."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    # A start without a zone was written in UTC (the reports' own rule).
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _earlier(data: object) -> EarlierRun | str:
    """``data`` as an earlier run, or why it is none."""
    if not isinstance(data, Mapping):
        return "not a JSON object"
    form = data.get("format")
    if not _count(form) or not form or "started_at" not in data:
        return "not a close-contract JSON report"
    if form > REPORT_FORMAT:
        return f"report format {form}, newer than this close-contract reads ({REPORT_FORMAT})"
    summary, violations = data.get("summary"), data.get("violations")
    if not isinstance(summary, Mapping) or not isinstance(violations, list):
        return "not a close-contract JSON report (no summary or violations)"
    started = data["started_at"]
    if started is not None and moment_of(started) is None:
        return f"its started_at {str(started)[:40]!r} is not an ISO 8601 time"
    causes: dict[str, tuple[str, str]] = {}
    counted: Counter[str] = Counter()
    for entry in violations:
        check = entry.get("check") if isinstance(entry, Mapping) else None
        title = entry.get("title") if isinstance(entry, Mapping) else None
        if not isinstance(check, str) or not isinstance(title, str):
            return "a violation without its check or title"
        given = entry.get("fingerprint")
        fp = given if isinstance(given, str) and _FINGERPRINT.fullmatch(given) else None
        # Format 1 had no fingerprints: the same cause gets the same one from its title.
        fp = fp or fingerprint(ContractViolation(check=check, title=title))
        causes.setdefault(fp, (excerpt(check, 80), excerpt(title, 300)))
        counted[check] += 1
    by_check = summary.get("by_check")
    if isinstance(by_check, Mapping) and all(
        isinstance(k, str) and _count(v) for k, v in by_check.items()
    ):
        counted = Counter({str(k): int(v) for k, v in by_check.items()})
    return EarlierRun(moment_of(started), dict(counted), causes)


def earlier_runs(
    reports: Iterable[Mapping[str, Any]], *, limit: int = HISTORY_RUNS
) -> tuple[list[EarlierRun], list[str]]:
    """The runs of ``reports`` (JSON reports, whole or trimmed), oldest first, at most the
    ``limit`` newest; and a note for each entry that is no report."""
    runs: list[EarlierRun] = []
    notes: list[str] = []
    for number, data in enumerate(reports, 1):
        found = _earlier(data)
        if isinstance(found, str):
            notes.append(f"earlier report #{number} skipped: {found}")
        else:
            runs.append(found)
    runs.sort(key=lambda run: run.started_at or _OLDEST)
    if len(runs) > limit:
        notes.append(f"{len(runs) - limit} older reports left out (at most {limit} shown)")
    return runs[-limit:] if limit else [], notes


def _peek(path: Path, modified: float) -> datetime:
    """When the report at ``path`` says its run started, else when it was written."""
    try:
        with path.open("rb") as handle:
            found = _PEEKED_START.search(handle.read(_PEEK_BYTES))
    except OSError:
        found = None
    moment = moment_of(found.group(1).decode("ascii", "replace")) if found else None
    if moment is not None:
        return moment
    try:
        return datetime.fromtimestamp(modified, UTC)
    except (OverflowError, OSError, ValueError):  # a time past what a datetime holds
        return _OLDEST


def _load(path: Path, max_bytes: int) -> EarlierRun | str:
    """The report at ``path``, or why it is skipped; never more than ``max_bytes`` read."""
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if len(data) > max_bytes:
        return f"larger than {max_bytes:,} bytes"
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: a hostile file of nested brackets; ValueError: not JSON.
        return "not valid JSON"
    return _earlier(parsed)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _listed(directory: Path) -> list[tuple[Path, float]]:
    found = []
    for path in directory.iterdir():
        if path.suffix != ".json":
            continue
        try:
            status = path.stat()
        except OSError:
            continue
        # A regular file (or a link to one): never a pipe or a device, which may not end.
        if stat.S_ISREG(status.st_mode):
            found.append((path, status.st_mtime))
    return found


def read_history(
    directory: Path,
    *,
    limit: int = HISTORY_RUNS,
    max_bytes: int = HISTORY_FILE_BYTES,
) -> History:
    """The earlier JSON reports in ``directory`` (its ``*.json`` files): at most the
    ``limit`` newest by ``started_at``, each file at most ``max_bytes``, and at most
    :data:`HISTORY_BYTES` read in all; oldest first, trimmed to what the HTML report uses;
    a note for each file skipped and why.

    A directory that does not exist (yet: the first run of a CI job) holds no report."""
    if not directory.is_dir():
        why = "is not a directory" if directory.exists() else "does not exist"
        return History(notes=[f"{directory} {why}: no earlier report was read"])
    try:
        listed = _listed(directory)
    except OSError as exc:
        return History(notes=[f"{directory} cannot be listed ({exc.strerror or exc})"])
    notes: list[str] = []
    listed.sort(key=lambda item: item[1], reverse=True)
    if len(listed) > HISTORY_FILES:
        notes.append(f"{len(listed) - HISTORY_FILES} older files not looked at")
        listed = listed[:HISTORY_FILES]
    ranked = sorted(listed, key=lambda item: _peek(*item), reverse=True)
    runs: list[EarlierRun] = []
    budget = HISTORY_BYTES
    for read, (path, _) in enumerate(ranked):
        # What _load reads of it: the whole file, or one byte past the cap to see it is over.
        cost = min(_size(path), max_bytes + 1)
        if len(runs) >= limit or cost > budget:
            most = f"{limit} reports" if len(runs) >= limit else f"{HISTORY_BYTES:,} bytes in all"
            notes.append(f"{len(ranked) - read} older files not read (at most {most})")
            break
        budget -= cost
        found = _load(path, max_bytes)
        if isinstance(found, str):
            notes.append(f"{path.name} skipped: {found}")
        else:
            runs.append(found)
    runs.sort(key=lambda run: run.started_at or _OLDEST)
    return History([run.to_json() for run in runs], notes)
