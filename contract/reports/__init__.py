"""Reports of a run: JSON (a versioned format with a JSON Schema), JUnit XML, Markdown and
a self-contained HTML page.

:class:`RunReport` collects a run's events and renders them, also for a run that did not
finish (Ctrl-C: marked interrupted); :func:`write_reports` writes them with every key
blanked, to files or (for the path ``-``) to standard output; :func:`check_writable` tries
the paths before a run sends anything. :func:`report_schema` is the JSON Schema
(Draft 2020-12) that every JSON report of :data:`REPORT_FORMAT` validates against. A text
past :data:`contract.excerpts.KEPT_BODY_BYTES` (a huge body) is cut and marked as cut.
Every rendering scrubs personal data from the answers violations carry (as recordings
do, :class:`contract.cassettes.PersonalData`) unless the run kept it.
:class:`RootCauses` groups a run's violations by root cause, as the terminal and
:meth:`RunReport.assert_holds` show them. :func:`read_history` reads a directory of earlier
JSON reports (bounded, skipping what is no report) for the HTML report's comparison with
earlier runs.
"""

from __future__ import annotations

from contract.reports._files import STDOUT, check_writable, write_reports
from contract.reports._groups import (
    Group,
    Related,
    RootCauses,
    excerpt,
    fingerprint,
    not_run_by_reason,
    root_cause,
)
from contract.reports._history import HISTORY_RUNS, History, read_history
from contract.reports._json import REPORT_FORMAT, report_schema
from contract.reports._latency import latency_lines
from contract.reports._metadata import statuses_label
from contract.reports._report import RunReport
from contract.reports._scripts import script_for, scripts_dir

__all__ = [
    "HISTORY_RUNS",
    "REPORT_FORMAT",
    "STDOUT",
    "Group",
    "History",
    "Related",
    "RootCauses",
    "RunReport",
    "check_writable",
    "excerpt",
    "fingerprint",
    "latency_lines",
    "not_run_by_reason",
    "read_history",
    "report_schema",
    "root_cause",
    "script_for",
    "scripts_dir",
    "statuses_label",
    "write_reports",
]
