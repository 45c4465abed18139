"""The run's budget (``--max-time``): reaching it ends the run normally. No further case is
drawn, everything created is cleaned up, the reports are written, the summary says the
budget ran out, and the exit code is what the findings so far say."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from support.run import leftovers, live_config, run_engine

from contract.cli import main
from contract.emulator import EmulatorServer
from contract.engine._pace import Budget


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_budget_is_spent_once_its_seconds_passed_and_stays_spent() -> None:
    clock = _Clock()
    budget = Budget(30.0, clock=clock)
    assert not budget.spent()
    clock.now += 30.0
    assert budget.spent() and budget.reached
    # Spent is for good: a phase that stopped and the summary that says why agree.
    clock.now -= 60.0
    assert budget.spent()


def test_no_budget_is_never_spent() -> None:
    clock = _Clock()
    budget = Budget(None, clock=clock)
    clock.now += 1e9
    assert not budget.spent() and not budget.reached


def test_a_run_past_its_budget_stops_drawing_cleans_up_and_exits_on_its_findings(
    tmp_path: Path,
) -> None:
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        before = leftovers(srv)
        # Given a budget that every run outlasts (discovery alone takes longer)
        config = live_config(srv, examples=20, max_time=1e-6, state_dir=tmp_path / "state")
        # When the run goes
        ran = run_engine(config)
        after = leftovers(srv)

    # Then it ended normally, said the budget ran out, and judged what it ran
    summary = ran.finished.summary
    assert summary.max_time_reached and not summary.interrupted
    assert summary.exit_code == (1 if summary.violations else 0)
    # And drew no case past the budget (the setup, which cleanup needs, is not a case drawn)
    assert {c.phase for c in ran.cases} <= {"setup"}
    # And still cleaned up everything it created
    assert after == before and not ran.cleanup.leftovers


def test_the_cli_says_the_budget_ran_out_in_its_summary_and_report(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        args = ["run", "--base-url", srv.base_url, "--max-time", "0.000001"]
        args += ["--report-json", str(report), "--state-dir", str(tmp_path / "state")]
        result = CliRunner().invoke(main, args, env={"CLOSE_API_KEY": srv.api_key})

    assert result.exit_code == 0, result.output
    assert "time budget reached (--max-time)" in result.output
    data = json.loads(report.read_text("utf-8"))
    assert data["summary"]["max_time_reached"] is True
    assert data["summary"]["exit_code"] == 0 and data["interrupted"] is False
