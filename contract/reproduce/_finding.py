"""One finding of a JSON report: which it is, where it came from, and what it sent."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.errors import ConfigurationError
from contract.reports import REPORT_FORMAT

__all__ = ["Finding", "ReportFile", "pick", "read_report"]

_NUMBER = re.compile(r"#?(\d+)")
_HEX = re.compile(r"[0-9a-f]{4,12}")
# Phases whose findings come with a drawn case (or a stateful sequence) the report holds.
_CASES = ("breadth", "valid", "invalid", "stateful")
_PROBES_LABEL = "unknown custom_object id"


@dataclass(frozen=True, slots=True)
class ReportFile:
    """What a JSON report says of its run: where it ran, with which options, and the
    findings (its ``violations``) and cases."""

    path: Path
    data: Mapping[str, Any]

    @property
    def target_kind(self) -> str:
        return str(self.data["target"]["kind"])

    @property
    def base_url(self) -> str | None:
        url = self.data["target"].get("base_url")
        return str(url) if url else None

    @property
    def options(self) -> Mapping[str, Any]:
        options: Mapping[str, Any] = self.data.get("options") or {}
        return options

    @property
    def seed(self) -> int:
        return int(self.data.get("seed") or 0)

    def findings(self) -> list[Finding]:
        """Every finding (violation) in the report's order, numbered from 1."""
        types = {c["label"]: c.get("type_id") for c in self.data.get("cases", ())}
        return [
            Finding.of(number, entry, types.get(entry.get("label")))
            for number, entry in enumerate(self.data.get("violations", ()), 1)
        ]


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation of a report, as ``close-contract reproduce`` runs it again.

    ``batch`` is the key of the plan's batch it came from (``valid:cotype_…``,
    ``invalid:cotype_…:mutation:key``, ``probes:unknown_id``), or None where no batch
    runs it: a finding of the setup (which every reproduction runs), of the stateful phase
    (``sequence`` holds its steps) or of the schemathesis phase.
    """

    number: int
    fingerprint: str
    check: str
    title: str
    phase: str
    label: str
    type_id: str | None
    case: Mapping[str, Any] | None

    @classmethod
    def of(cls, number: int, entry: Mapping[str, Any], type_id: Any) -> Finding:
        case = entry.get("case")
        return cls(
            number,
            str(entry.get("fingerprint", "")),
            str(entry["check"]),
            str(entry["title"]),
            str(entry.get("phase", "")),
            str(entry.get("label", "")),
            str(type_id) if type_id else None,
            case if isinstance(case, Mapping) else None,
        )

    @property
    def sequence(self) -> Mapping[str, Any] | None:
        """The stateful sequence that showed it (its run number and steps), if any."""
        if self.case is None:
            return None
        sequence = self.case.get("sequence")
        return sequence if isinstance(sequence, Mapping) else None

    @property
    def batch(self) -> str | None:
        if self.phase not in _CASES or self.sequence is not None:
            return None
        if self.label == _PROBES_LABEL and self.case is None:
            return "probes:unknown_id"
        if self.case is None or self.type_id is None:
            return None
        mutation = self.case.get("mutation")
        if mutation is None:
            return f"valid:{self.type_id}"
        return f"invalid:{self.type_id}:{mutation}:{self.case.get('target')}"

    def describe(self) -> str:
        """``#3 [check] title (root cause …)`` for the terminal."""
        return f"#{self.number} [{self.check}] {self.title} (root cause {self.fingerprint})"


def read_report(path: Path) -> ReportFile:
    """Read a JSON report that ``close-contract run --report-json`` wrote; anything else
    is a :class:`~contract.errors.ConfigurationError` (exit 2) that says what it is."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigurationError(
            f"{path}: no such report (give a run's --report-json file)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read the report ({exc})") from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ConfigurationError(f"{path} is not a JSON report of close-contract") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("target"), Mapping):
        raise ConfigurationError(f"{path} is not a JSON report of close-contract")
    if data.get("format") != REPORT_FORMAT:
        raise ConfigurationError(
            f"{path} is a report of format {data.get('format')!r}; this close-contract reads "
            f"format {REPORT_FORMAT}: run the contract again with --report-json"
        )
    return ReportFile(path, data)


def pick(report: ReportFile, wanted: str) -> Finding:
    """The finding ``wanted`` names: its number in the report (``3`` or ``#3``) or its root
    cause's fingerprint (or the start of it, at least 4 hex digits)."""
    findings = report.findings()
    if not findings:
        raise ConfigurationError(f"{report.path} holds no finding: the contract held")
    number = _NUMBER.fullmatch(wanted.strip())
    if number:
        index = int(number.group(1))
        if 1 <= index <= len(findings):
            return findings[index - 1]
        raise ConfigurationError(
            f"{report.path} holds findings #1 to #{len(findings)}, not #{index}"
        )
    prefix = wanted.strip().lower()
    if not _HEX.fullmatch(prefix):
        raise ConfigurationError(
            f"{wanted!r} names no finding: give its number (#3) or its root cause "
            "(the 12 hex digits the terminal and the reports show, or their first 4 or more)"
        )
    matching = [f for f in findings if f.fingerprint.startswith(prefix)]
    causes = sorted({f.fingerprint for f in matching})
    if not causes:
        known = ", ".join(sorted({f.fingerprint for f in findings}))
        raise ConfigurationError(f"no root cause {prefix} in {report.path} (it holds {known})")
    if len(causes) > 1:
        raise ConfigurationError(
            f"{prefix} starts several root causes ({', '.join(causes)}): give more digits"
        )
    return _smallest(matching)


def _smallest(findings: Sequence[Finding]) -> Finding:
    """The finding of a root cause to run again: the one with the fewest steps, then the
    first (a shrunk one where the run shrank)."""
    return min(findings, key=lambda f: (len((f.sequence or {}).get("steps", ())), f.number))
