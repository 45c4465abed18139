"""Reports of a finished run: JSON, JUnit XML and Markdown, written from its events."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import tempfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from contract.errors import ConfigurationError, ContractViolation
from contract.events import CaseFinished, Event, RunFinished, RunStarted, Summary
from contract.secrets import redact as blank
from contract.secrets import secret_forms

__all__ = ["RunReport", "check_writable", "write_reports"]

# Characters XML 1.0 cannot hold, not even escaped (labels and messages may quote a target).
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


@dataclass
class RunReport:
    """Collects the events of a run; renders them as JSON, JUnit XML or Markdown."""

    started: RunStarted | None = None
    cases: list[CaseFinished] = field(default_factory=list)
    finished: RunFinished | None = None

    def add(self, event: Event) -> None:
        """Take one event of the stream."""
        if isinstance(event, RunStarted):
            self.started = event
        elif isinstance(event, CaseFinished):
            self.cases.append(event)
        elif isinstance(event, RunFinished):
            self.finished = event

    @property
    def summary(self) -> Summary:
        """The run's summary (a partial one while the run is unfinished)."""
        if self.finished is not None:
            return self.finished.summary
        return Summary(
            cases=len(self.cases),
            requests=sum(c.requests for c in self.cases),
            violations=sum(len(c.violations) for c in self.cases),
            interrupted=True,
            inconclusive=sum(c.inconclusive is not None for c in self.cases),
        )

    def select(
        self,
        *,
        phase: str | None = None,
        mutation: str | None = None,
        checks: Collection[str] | None = None,
        exclude: Collection[str] = (),
    ) -> tuple[list[CaseFinished], list[ContractViolation]]:
        """The cases of ``phase`` (and ``mutation``) and their violations of ``checks``."""
        cases = [
            c
            for c in self.cases
            if (phase is None or c.phase == phase)
            and (mutation is None or (c.case or {}).get("mutation") == mutation)
        ]
        found = [
            v
            for c in cases
            for v in c.violations
            if (checks is None or v.check in checks) and v.check not in exclude
        ]
        return cases, found

    def to_json(self) -> dict[str, Any]:
        """``{"summary": {...}, "target": ..., "violations": [...], "cases": [...]}``."""
        violations = [
            {**v.to_dict(), "label": case.label, "phase": case.phase}
            for case in self.cases
            for v in case.violations
        ]
        return {
            "summary": self.summary.to_dict(),
            "target": self.started.target if self.started else None,
            "seed": self.started.seed if self.started else None,
            "types": list(self.started.types) if self.started else [],
            "violations": violations,
            "cases": [
                {
                    "phase": c.phase,
                    "label": c.label,
                    "type_id": c.type_id,
                    "statuses": list(c.statuses),
                    "requests": c.requests,
                    "elapsed": round(c.elapsed, 4),
                    "passed": c.passed,
                    "inconclusive": c.inconclusive,
                }
                for c in self.cases
            ],
        }

    def to_junit(self) -> str:
        """One ``testsuite`` per phase, one ``testcase`` per case, failures per violation."""
        root = ET.Element("testsuites", name="close-contract")
        phases: dict[str, list[CaseFinished]] = {}
        for case in self.cases:
            phases.setdefault(case.phase, []).append(case)
        for phase, cases in phases.items():
            suite = ET.SubElement(
                root,
                "testsuite",
                name=phase,
                tests=str(len(cases)),
                failures=str(sum(1 for c in cases if c.violations)),
                skipped=str(sum(1 for c in cases if c.inconclusive and not c.violations)),
                time=f"{sum(c.elapsed for c in cases):.3f}",
            )
            for case in cases:
                item = ET.SubElement(
                    suite,
                    "testcase",
                    classname=f"close_contract.{phase}",
                    name=_xml(case.label),
                    time=f"{case.elapsed:.3f}",
                )
                for found in case.violations:
                    failure = ET.SubElement(
                        item,
                        "failure",
                        message=_xml(f"[{found.check}] {found.title}"),
                        type=_xml(found.check),
                    )
                    failure.text = _xml(str(found))
                if case.inconclusive and not case.violations:
                    # CI systems show a skip as "not judged", which is what the network made it.
                    ET.SubElement(
                        item, "skipped", message=_xml(f"inconclusive: {case.inconclusive}")
                    )
        ET.indent(root)
        return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"

    def to_markdown(self) -> str:
        """A readable report: summary table, violations by check, then each violation."""
        s = self.summary
        lines = [
            "# close-contract report",
            "",
            f"Target: {self.started.target if self.started else 'unknown'}"
            + (f", seed {self.started.seed}" if self.started else ""),
            "",
            "| cases | requests | violations | inconclusive | duration |",
            "| ---: | ---: | ---: | ---: | ---: |",
            f"| {s.cases} | {s.requests} | {s.violations} | {s.inconclusive} "
            f"| {s.duration:.1f} s |",
            "",
        ]
        if s.by_check:
            lines += ["| check | violations |", "| --- | ---: |"]
            lines += [f"| `{k}` | {v} |" for k, v in sorted(s.by_check.items())]
            lines.append("")
        for case in self.cases:
            for found in case.violations:
                lines += [
                    f"## [{found.check}] {found.title}",
                    "",
                    f"Case: {case.label} ({case.phase}), severity {found.severity}.",
                    "",
                    found.message,
                    "",
                ]
                if found.reproduction:
                    lines += ["```sh", found.reproduction, "```", ""]
        undecided = [c for c in self.cases if c.inconclusive]
        if undecided:
            lines += [
                "## Inconclusive cases",
                "",
                "The network, not the API, decided these: a request that may have taken "
                "effect went unanswered, so the case was not judged.",
                "",
            ]
            lines += [f"- {c.label} ({c.phase}): {c.inconclusive}" for c in undecided]
            lines.append("")
        if s.over_budget:
            lines.append(
                f"No verdict: {s.inconclusive} inconclusive cases, more than the "
                f"{s.inconclusive_budget} allowed."
            )
        elif not s.violations:
            lines.append("The contract holds: no violation.")
        return "\n".join(lines).rstrip() + "\n"


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A lone surrogate (from a target's JSON) cannot be UTF-8: written as its escape.
        path.write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise ConfigurationError(f"cannot write the report {path}: {exc.strerror}") from exc


def check_writable(paths: Iterable[Path | None], *, what: str = "report") -> None:
    """Fail early (exit 2) on a report path that cannot be written, before any request.

    The directory is tried for real (a temporary file created and removed): permission bits
    say nothing for root, nor for places like ``/proc``. Directories made for the probe are
    removed again. ``what`` names the file in messages ("report", "baseline").
    """
    for path in paths:
        if path is None:
            continue
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
                raise ConfigurationError(
                    f"cannot write the {what} {path}: {probe} is not a directory"
                )
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


def write_reports(
    report: RunReport,
    *,
    json_path: Path | None = None,
    junit_path: Path | None = None,
    markdown_path: Path | None = None,
    redact: Sequence[str] = (),
) -> None:
    """Write the requested reports; every secret in ``redact`` is blanked first, in each
    form it can take (raw, URL-encoded, Basic): the last gate before a file a CI keeps."""
    forms = secret_forms(redact)

    def clean(text: str) -> str:
        return blank(text, forms)

    if json_path is not None:
        _write(json_path, clean(json.dumps(report.to_json(), indent=2, ensure_ascii=False)) + "\n")
    if junit_path is not None:
        _write(junit_path, clean(report.to_junit()))
    if markdown_path is not None:
        _write(markdown_path, clean(report.to_markdown()))
