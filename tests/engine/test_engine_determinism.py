"""One seed, one run: the same cases in the same order with the same answers."""

from __future__ import annotations

from typing import Any

from support.run import run_engine

from contract.config import Config
from contract.events import CaseFinished


def trace(config: Config) -> list[tuple[str, str, tuple[int, ...], Any]]:
    """Phase, label, statuses and the case sent, for every case of a run."""
    return [
        (c.phase, c.label, c.statuses, c.case)
        for c in run_engine(config).events
        if isinstance(c, CaseFinished)
    ]


def test_same_seed_same_run() -> None:
    # When two runs with one seed each start a fresh emulator
    first = trace(Config(seed=7, examples=3))
    second = trace(Config(seed=7, examples=3))

    # Then they sent the same cases and got the same answers
    assert len(first) > 50
    assert [t[:3] for t in first] == [t[:3] for t in second]
    assert first == second


def test_same_seed_same_shrunk_failures() -> None:
    # Shrinking replays cases against a changing server; its result must not drift.
    config = Config(seed=3, examples=3, emulator_faults=("echo_rounds_numbers", "list_empty"))
    first, second = run_engine(config), run_engine(config)

    assert [(c.label, c.statuses) for c in first.cases] == [
        (c.label, c.statuses) for c in second.cases
    ]
    titles = [(v.check, v.title) for v in first.finished.violations]
    assert titles == [(v.check, v.title) for v in second.finished.violations]
    assert titles


def test_another_seed_other_cases() -> None:
    payloads = [t[3] for t in trace(Config(seed=1, examples=3)) if t[0] == "valid"]
    others = [t[3] for t in trace(Config(seed=2, examples=3)) if t[0] == "valid"]
    assert payloads != others
