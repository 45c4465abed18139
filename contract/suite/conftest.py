"""The suite's session: one contract run whose results the test items read.

One run per pytest session, whatever ``-n`` is: under pytest-xdist the first worker to
need the results runs the contract and the others rebuild its report from the events it
hands over (:mod:`contract.suite._handover`), so the target sees the traffic of one run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from contract.config import Config
    from contract.events import Event
    from contract.reports import RunReport


@pytest.fixture(scope="session")
def close_results(request: pytest.FixtureRequest, close_config: Config) -> RunReport:
    """The report of the contract configured by the ``--close-*`` options, run once for
    the session (and for all its xdist workers)."""
    from contract.pytest_plugin import abort_session, shared_directory
    from contract.reports import RunReport
    from contract.suite._handover import RunAborted, run_once

    directory = shared_directory(request.config)
    try:
        if directory is None:
            events = _run(close_config, request.config)
        else:
            worker = os.environ.get("PYTEST_XDIST_WORKER", "an xdist worker")
            events = run_once(directory, worker, lambda: _run(close_config, request.config))
    except RunAborted as exc:
        if exc.returncode is None:
            # Another worker's error: its own items show the traceback.
            pytest.fail(f"close-contract: {exc.message}", pytrace=False)
        abort_session(request.config, exc.message, exc.returncode)
    report = RunReport()
    for event in events:
        report.add(event)
    summary = report.summary
    if summary.exit_code == 3:
        # Like an unreachable target: too little was judged for any item to pass or fail.
        abort_session(
            request.config,
            f"no verdict: the network left {summary.inconclusive} cases inconclusive, more "
            f"than the {summary.inconclusive_budget} allowed",
            3,
        )
    return report


def _run(config: Config, pytestconfig: pytest.Config) -> Sequence[Event]:
    from contract.engine import run
    from contract.errors import ContractError
    from contract.pytest_plugin import error_message
    from contract.suite._handover import RunAborted

    try:
        return list(run(config))
    except ContractError as exc:
        # Written as the session gave its options: the other workers get the text only.
        message = error_message(pytestconfig, exc)
        raise RunAborted(message, 2 if exc.exit_code == 2 else 3) from exc
