"""Reports keep bounded excerpts: every text of a case past a cap is cut, and marked."""

from __future__ import annotations

import copy
import dataclasses

from contract.errors import ContractViolation
from contract.events import CaseFinished
from contract.excerpts import KEPT_BODY_BYTES, cut_text, cut_tree
from contract.reports._report import RunReport

__all__ = ["cut_report"]


def _cut_violation(found: ContractViolation, cap: int) -> ContractViolation:
    changes = {
        f.name: cut_tree(getattr(found, f.name), cap)
        for f in dataclasses.fields(found)
        if f.init and f.name not in ("check", "severity")
    }
    return dataclasses.replace(found, **changes)


def _cut_case(case: CaseFinished, cap: int) -> CaseFinished:
    return dataclasses.replace(
        case,
        label=cut_text(case.label, cap),
        case=cut_tree(case.case, cap),
        violations=tuple(_cut_violation(v, cap) for v in case.violations),
        inconclusive=None if case.inconclusive is None else cut_text(case.inconclusive, cap),
    )


def cut_report(report: RunReport, cap: int = KEPT_BODY_BYTES) -> RunReport:
    """A shallow copy of ``report`` whose cases keep at most ``cap`` characters of any
    text (``report`` itself is left as it is)."""
    cut = copy.copy(report)
    cut.cases = [_cut_case(case, cap) for case in report.cases]
    return cut
