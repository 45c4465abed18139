"""The JSON report: format 2, described by ``report.schema.json`` next to this module."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any, Final

from contract.events import BaselineCompared, CaseFinished, CleanupFinished, Summary
from contract.reports._groups import fingerprint
from contract.reports._metadata import Metadata, statuses_label

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
    return {**case, "expected_statuses": statuses_label(case["expected_statuses"])}


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
) -> dict[str, Any]:
    """The report as JSON-ready data; its top-level keys are in the schema's order."""
    started = meta.started
    violations = [
        {
            **v.to_dict(),
            "fingerprint": fingerprint(v),
            "case": _readable_case(v.case),
            "label": case.label,
            "phase": case.phase,
        }
        for case in cases
        for v in case.violations
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
        "cases": [_case_entry(c) for c in cases],
        "checks": {name: t.to_dict() for name, t in sorted(summary.checks.items())},
        "baseline": None if baseline is None else baseline.to_dict(),
    }
