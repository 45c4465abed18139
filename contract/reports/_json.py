"""The JSON report: format 2, described by ``report.schema.json`` next to this module."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any, Final

from contract.events import (
    BaselineCompared,
    CaseFinished,
    CleanupFinished,
    LatencyCompared,
    Summary,
)
from contract.reports._groups import fingerprint, root_cause
from contract.reports._metadata import Metadata, statuses_label
from contract.reports._scripts import script_for

__all__ = ["REPORT_FORMAT", "json_report", "report_schema"]

REPORT_FORMAT: Final = 2
"""The version of the JSON report's shape (its top-level ``format``). It changes when a
key is removed, renamed or changes meaning; adding a key keeps it. Format 2: a case the
network decided without a violation has ``passed: null`` (it was ``true``)."""


@cache
def _schema_text() -> str:
    return resources.files("contract.reports").joinpath("report.schema.json").read_text("utf-8")


def report_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of a JSON report of :data:`REPORT_FORMAT`; a fresh
    copy each call, so a caller may change it."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


def _readable_case(case: dict[str, Any] | None) -> dict[str, Any] | None:
    """A case with its expected statuses as a readable set (``2xx``, not 100 numbers)."""
    if case is None or not isinstance(case.get("expected_statuses"), list | tuple | frozenset):
        return case
    readable = {**case, "expected_statuses": statuses_label(case["expected_statuses"])}
    if isinstance(case.get("update"), dict):  # a valid lifecycle's second draw
        readable["update"] = _readable_case(case["update"])
    return readable


def _case_entry(case: CaseFinished) -> dict[str, Any]:
    data = _readable_case(case.case) or {}
    return {
        "phase": case.phase,
        "label": case.label,
        "type_id": case.type_id,
        "mutation": data.get("mutation"),
        "expected_statuses": data.get("expected_statuses"),
        "statuses": list(case.statuses),
        "requests": case.requests,
        "elapsed": round(case.elapsed, 4),
        # An inconclusive case is neither passed nor failed (unless it found a violation).
        "passed": None if case.inconclusive and case.passed else case.passed,
        "inconclusive": case.inconclusive,
    }


def json_report(
    meta: Metadata,
    summary: Summary,
    cases: Sequence[CaseFinished],
    cleanup: CleanupFinished | None,
    baseline: BaselineCompared | None = None,
    report_name: str = "report.json",
    *,
    latency: LatencyCompared | None = None,
) -> dict[str, Any]:
    """The report as JSON-ready data; its top-level keys are in the schema's order.

    Each violation's ``script`` runs it again (see :mod:`contract.reports._scripts`),
    from the directory of scripts beside the report, whose file is ``report_name``."""
    started = meta.started
    violations = [
        {
            **v.to_dict(),
            "fingerprint": fingerprint(v),
            "case": _readable_case(v.case),
            "label": case.label,
            "phase": case.phase,
            # One script per root cause: its title as every violation of the cause shares it.
            "script": script_for(fingerprint(v), *root_cause(v), report_name),
        }
        for case in cases
        for v in case.violations
    ]
    # Findings that fail nothing (CaseFinished.warnings), in the violations' own form.
    warnings = [
        {
            **w.to_dict(),
            "fingerprint": fingerprint(w),
            "case": _readable_case(w.case),
            "label": case.label,
            "phase": case.phase,
        }
        for case in cases
        for w in case.warnings
    ]
    return {
        "format": REPORT_FORMAT,
        "interrupted": meta.interrupted,
        "versions": meta.versions,
        "started_at": meta.started_at,
        "duration": round(meta.duration, 3),
        "target": meta.target,
        "options": meta.options,
        "seed": started.seed if started else None,
        "types": list(started.types) if started else [],
        "summary": summary.to_dict(),
        "cleanup": (
            None
            if cleanup is None
            else {"deleted": cleanup.deleted, "leftovers": list(cleanup.leftovers)}
        ),
        "violations": violations,
        "warnings": warnings,
        "cases": [_case_entry(c) for c in cases],
        "checks": {name: t.to_dict() for name, t in sorted(summary.checks.items())},
        "baseline": None if baseline is None else baseline.to_dict(),
        "latency": None if latency is None else latency.to_dict(),
    }
