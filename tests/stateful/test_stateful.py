"""The stateful phase end to end, where the whole run is the point: deterministic, shrunk,
recorded and replayed with the same verdict, and nothing left behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.run import Ran, leftovers, live_config, run_engine

from contract.config import Config
from contract.emulator import EmulatorServer

_SMALL: dict[str, Any] = {"examples": 1, "stateful_runs": 8, "stateful_steps": 25}


def _stateful_requests(config: Config) -> list[tuple[str, tuple[int, ...]]]:
    ran = run_engine(config)
    return [(c.label, c.statuses) for c in ran.cases if c.phase == "stateful"]


def _verdict(ran: Ran) -> list[tuple[str, str]]:
    return sorted((v.check, v.title) for v in ran.finished.violations)


def test_same_seed_same_requests_and_verdicts() -> None:
    # When two runs with one seed meet two fresh emulators
    first = _stateful_requests(Config(seed=7, **_SMALL))
    second = _stateful_requests(Config(seed=7, **_SMALL))

    # Then their stateful sequences got the same answers, in the same order
    assert first == second
    assert len(first) == _SMALL["stateful_runs"]


def test_a_failure_is_shrunk_to_a_short_reproduction() -> None:
    ran = run_engine(
        Config(emulator_faults=("put_replaces",), checks=("put_is_patch",), shrink=True, **_SMALL)
    )
    found = [v for v in ran.finished.violations if v.check == "put_is_patch"]
    assert found
    # Shrinking is bounded (a few extra sequences): the reproduction holds the failing
    # sequence's requests only, from a create to the update that lost values
    assert 2 <= len(found[0].steps) <= 25, found[0].steps
    assert "-X POST" in " ".join(found[0].steps)
    assert "-X PUT" in " ".join(found[0].steps)


def test_record_and_replay_give_the_same_verdict(tmp_path: Path) -> None:
    # Given a recording of a run against a fault only sequences show
    config = Config(emulator_faults=("list_shows_deleted",), record=tmp_path / "rec", **_SMALL)
    recorded = run_engine(config)
    corpus = json.loads((tmp_path / "rec" / "corpus.json").read_text("utf-8"))
    assert corpus["batches"]["stateful:runs"]

    # When it is replayed offline
    replayed = run_engine(Config(cassettes=tmp_path / "rec", examples=10))

    # Then the replay reaches the same verdict, violation for violation
    assert _verdict(recorded)
    assert _verdict(replayed) == _verdict(recorded)


def test_nothing_is_left_behind_with_a_second_organization() -> None:
    with EmulatorServer(faults=("put_resurrects_deleted",)) as server:
        ran = run_engine(live_config(server, **_SMALL))
        assert ran.finished.summary.violations
        assert leftovers(server) == {"custom_object": 0, "lead": 0, "contact": 0}
