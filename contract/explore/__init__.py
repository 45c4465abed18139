"""A toolbox for exploring the contract interactively: the notebooks' helpers, tested here.

Deterministic examples from the strategies, the exact request a case makes, events and
violations as pandas tables, plots of a run, and a highlighted tree of the shape drift
between two baselines::

    from contract import explore

    cases = explore.draw_cases(schema, references=refs, seed=0)
    explore.cases_frame(cases)                      # mutation, target, reason, expected, payload
    frame = explore.events_frame(contract.run(config))
    explore.plot_status_codes(frame)                # an Agg Figure; violating answers hatched
    explore.drift_tree(old_baseline, new_baseline)  # renders as HTML in a notebook

pandas and matplotlib belong to the ``notebooks`` extra: they are imported only by the
functions that need them, which raise :class:`~contract.errors.ConfigurationError` naming
the extra when they are missing. Everything else here has no optional dependency.
"""

from __future__ import annotations

from contract.explore._drift import *  # noqa: F403
from contract.explore._drift import DriftLine, DriftMark, DriftTree, drift_tree
from contract.explore._examples import draw_cases, draw_examples
from contract.explore._plots import plot_latency, plot_status_codes
from contract.explore._requests import (
    cases_frame,
    exchange_record,
    exchanges_frame,
    format_statuses,
    payload_excerpt,
    request_for,
)
from contract.explore._runs import (
    case_kind,
    events_frame,
    phase_summary,
    status_counts,
    violations_frame,
)

__all__ = [
    "DriftLine",
    "DriftMark",
    "DriftTree",
    "case_kind",
    "cases_frame",
    "draw_cases",
    "draw_examples",
    "drift_tree",
    "events_frame",
    "exchange_record",
    "exchanges_frame",
    "format_statuses",
    "payload_excerpt",
    "phase_summary",
    "plot_latency",
    "plot_status_codes",
    "request_for",
    "status_counts",
    "violations_frame",
]
