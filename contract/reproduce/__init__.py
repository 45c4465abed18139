"""Run one finding of a report again: ``close-contract reproduce REPORT FINDING``.

A finding's printed requests stop reproducing once its run is over: cleanup deleted the
lead and the references they name. A reproduction is a run of its own, narrowed to the
finding: it makes a fresh lead and references under a new token, with the same proofs of
ownership before any write, sends the finding's case (or stateful sequence) with the
earlier ids translated to the new ones, judges the answers with the same checks, and
deletes what it made. It says whether the finding's root cause showed again.
"""

from __future__ import annotations

from contract.reproduce._finding import Finding, ReportFile, pick, read_report
from contract.reproduce._reproduce import Reproduction, reproduce, reproduction_config
from contract.reproduce._translate import Translation

__all__ = [
    "Finding",
    "ReportFile",
    "Reproduction",
    "Translation",
    "pick",
    "read_report",
    "reproduce",
    "reproduction_config",
]
