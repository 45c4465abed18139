"""A flaky network is never a violation: runs against an emulator with chaos exit 0 or 3,
never 1.

The emulator's network refuses (503) or drops (done, then cut off) a seeded share of
requests. The database is compared before and after: what existed is untouched and
nothing the run created is left behind. Each share and seed is one small run through the
Python API; one run through the CLI shows the same from the door a CI job uses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.run import Ran, cli, live_config, run_engine, type_ids
from support.safety import Planted, changed, copy_of, plant, snapshot, unaccounted

from contract.emulator import EmulatorServer
from contract.errors import ContractError

SHARES = (0.05, 0.15)
SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """Customer data planted once per worker, without chaos."""
    return plant(tmp_path_factory.mktemp("planted"))


def chaotic(planted: Planted, directory: Path, share: float, seed: int) -> EmulatorServer:
    """An emulator on a private copy of the planted data whose network has chaos."""
    db = copy_of(planted, directory)
    return EmulatorServer(db_path=db, chaos=share, chaos_seed=seed, chaos_retry_after=0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("share", SHARES)
def test_a_flaky_network_is_inconclusive_never_a_violation(
    planted: Planted, tmp_path: Path, share: float, seed: int
) -> None:
    with chaotic(planted, tmp_path, share, seed) as srv:
        assert srv.db_path is not None
        before = snapshot(srv.db_path)  # the server marks its start in the file: compare from there
        # When a small run (one type, a short stateful phase) goes through the flaky network,
        # retrying at once (how long the client waits between attempts is its own matter)
        config = live_config(
            srv,
            examples=2,
            seed=seed,
            custom_object_type_ids=(type_ids()["Subscription"],),
            stateful_runs=2,
            stateful_steps=10,
            max_retry_sleep=0.0,
        )
        ran: Ran | None = None
        try:
            ran = run_engine(config)
        except ContractError as exc:  # the target went unreachable: no verdict
            assert exc.exit_code == 3, exc
        after = snapshot(srv.db_path)

    # Then what existed is untouched, and what the run made is gone
    assert changed(before, after) == []
    assert unaccounted(before, after, "") == []
    if ran is None:
        return
    # and the run found no violation: the network decided some cases, the target none
    summary = ran.finished.summary
    assert summary.violations == 0, [v.title for v in ran.finished.violations]
    assert summary.exit_code in (0, 3)
    assert (summary.exit_code == 3) == (
        summary.inconclusive_budget is not None
        and summary.inconclusive > summary.inconclusive_budget
    )
    # The network did disturb the run: requests were retried or cases left undecided.
    retried = sum(c.requests - len(c.statuses) for c in ran.cases)
    assert retried + summary.inconclusive > 0 or share < 0.1


def test_the_cli_on_a_flaky_network_exits_0_or_3_and_says_why(
    planted: Planted, tmp_path: Path
) -> None:
    # Given a flaky network, and a whole default run of the command a CI job runs
    report = tmp_path / "report.json"
    with chaotic(planted, tmp_path, 0.05, 1) as srv:
        assert srv.db_path is not None
        before = snapshot(srv.db_path)
        result = cli(
            *("run", "--base-url", srv.base_url, "--api-key", srv.api_key),
            *("--examples", "2", "--seed", "1", "--report-json", str(report)),
        )
        after = snapshot(srv.db_path)

    # Then it exits with a verdict or without one, never with a violation or a traceback
    out = result.stdout + result.stderr
    assert result.returncode in (0, 3), out
    assert "Traceback" not in out
    assert changed(before, after) == [], out
    assert unaccounted(before, after, "") == [], out
    if result.returncode == 0 or report.exists():
        data = json.loads(report.read_text())
        summary = data["summary"]
        assert summary["violations"] == 0
        assert summary["exit_code"] == result.returncode
        assert (summary["inconclusive"] > summary["inconclusive_budget"]) == (
            result.returncode == 3
        )
        # The network did disturb the run: requests were retried or cases left undecided.
        retried = sum(c["requests"] - len(c["statuses"]) for c in data["cases"])
        assert retried + summary["inconclusive"] > 0
