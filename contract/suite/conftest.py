"""The suite's session: one contract run whose results the test items read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from contract.config import Config
    from contract.reports import RunReport


@pytest.fixture(scope="session")
def close_results(close_config: Config) -> RunReport:
    """Run the contract configured by the ``--close-*`` options once and keep its report."""
    from contract.engine import run
    from contract.errors import ContractError
    from contract.reports import RunReport

    report = RunReport()
    try:
        for event in run(close_config):
            report.add(event)
    except ContractError as exc:
        pytest.exit(f"close-contract: {exc}", returncode=2 if exc.exit_code == 2 else 3)
    summary = report.summary
    if summary.exit_code == 3:
        # Like an unreachable target: too little was judged for any item to pass or fail.
        pytest.exit(
            f"close-contract: no verdict: the network left {summary.inconclusive} cases "
            f"inconclusive, more than the {summary.inconclusive_budget} allowed",
            returncode=3,
        )
    return report
