"""Concurrent runs: verdicts, events and recordings do not depend on the number of workers,
a paced run meets no 429, and the plan runs one case of every kind first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.run import interrupt_cli, leftovers, live_config, run_engine, type_ids

from contract.config import Config
from contract.emulator import EmulatorServer
from contract.engine._pace import choose_workers
from contract.events import CaseFinished, Event, PhaseFinished, PhaseStarted, Progress, RunStarted
from contract.reports import fingerprint

NOTHING_LEFT = {"custom_object": 0, "lead": 0, "contact": 0}


def verdicts(config: Config) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """Every case's phase, label and the checks it failed, in order; violations by check."""
    ran = run_engine(config)
    cases = [
        (c.phase, c.label, tuple(sorted(v.check for v in c.violations)), c.case) for c in ran.cases
    ]
    return cases, ran.finished.summary.by_check


FAULTS = ("null_not_removed", "accept_invalid_choice", "echo_rounds_numbers")


@pytest.mark.parametrize("shrink", [False, True])
def test_verdicts_do_not_depend_on_the_number_of_workers(shrink: bool) -> None:
    # Given one seed and faults that several kinds of case show
    base = Config(seed=5, examples=3, emulator_faults=FAULTS, shrink=shrink)

    # When the run goes one case at a time, and then four at a time
    one = verdicts(base)
    four = verdicts(Config(seed=5, examples=3, emulator_faults=FAULTS, shrink=shrink, workers=4))

    # Then the same cases came out, in the same order, with the same violations
    assert one[1] and one[1] == four[1]
    assert one[0] == four[0]


def test_a_live_run_finds_the_same_with_one_worker_or_three() -> None:
    # Given a live target with answers that take a while, and a shrink budget small enough
    # to run out (the stateful phase runs alongside the plan with workers, in turn without)
    def findings(workers: int) -> tuple[int, list[str]]:
        with EmulatorServer(faults=FAULTS, latency=0.002) as server:
            options: dict[str, Any] = {"seed": 2, "examples": 2, "workers": workers}
            options["shrink_budget"] = 40
            options["custom_object_type_ids"] = (type_ids()["Subscription"],)
            options |= {"stateful_runs": 2, "stateful_steps": 8}
            ran = run_engine(live_config(server, **options))
        summary = ran.finished.summary
        return summary.violations, sorted(fingerprint(v) for v in ran.finished.violations)

    # When it runs with one worker, then with three
    one, three = findings(1), findings(3)

    # Then it reports the same findings, root cause by root cause, as often
    assert one[0] > 0 and one == three


def test_a_faithful_target_holds_with_many_workers() -> None:
    with EmulatorServer(latency=0.005) as server:
        ran = run_engine(live_config(server, examples=3, workers=8))
        assert ran.finished.summary.violations == 0, ran.finished.violations[:1]
        assert ran.finished.summary.workers == 8
        assert ran.cleanup.leftovers == ()
        assert leftovers(server) == NOTHING_LEFT


def test_a_recording_made_by_many_workers_replays_with_the_same_verdict(tmp_path: Path) -> None:
    # Given a recording made by 4 workers, whose cases interleaved on the wire
    recorded = tmp_path / "rec"
    faults = ("null_not_removed", "list_empty")
    # (with the stateful phase, whose shrink sends sequences that are never stored; with
    # other than the default number of sequences, which a replay takes from the recording)
    options: dict[str, Any] = {"seed": 2, "examples": 3, "stateful_runs": 3}
    made = verdicts(Config(emulator_faults=faults, record=recorded, workers=4, **options))
    # (a replay sends nothing at once: the concurrency phase is the recording's alone)
    made = ([c for c in made[0] if c[0] != "concurrency"], made[1])

    # When it is replayed one case at a time, and four at a time
    for workers in (1, 4):
        replayed = verdicts(Config(cassettes=recorded, workers=workers))
        # Then every request found its own case's answer: the same verdicts
        assert replayed == made


def test_a_paced_run_meets_no_429() -> None:
    # Given a server that enforces 60 requests per second per key and answers 10 ms late
    with EmulatorServer(rate_limit=60, latency=0.01) as server:
        # When a run with more workers than that rate needs goes as fast as it may
        ran = run_engine(live_config(server, examples=2, workers=8))

    # Then the pacer kept it within the budget the RateLimit header reported
    summary = ran.finished.summary
    assert summary.violations == 0 and summary.throttled == 0
    # ... which took the time the budget called for: 59 requests a second at most
    assert summary.duration >= (summary.requests - 8) / 59 * 0.9


def test_an_enforced_limit_without_pacing_would_have_been_met() -> None:
    # The same server meets a client that does not pace with 429s: the limit is real.
    import httpx

    with EmulatorServer(rate_limit=5) as server:
        with httpx.Client(base_url=server.base_url + "/", auth=(server.api_key, "")) as api:
            statuses = [api.get("me/").status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5 and 429 in statuses[5:]


def test_progress_is_reported_while_workers_wait() -> None:
    # (one type, no sequences: a second or two of 50 ms answers, progress comes every 0.5 s)
    with EmulatorServer(latency=0.05) as server:
        one_type = (type_ids()["Subscription"],)
        options = {"examples": 1, "stateful_runs": 0, "custom_object_type_ids": one_type}
        ran = run_engine(live_config(server, workers=2, **options))
    progress = [e for e in ran.events if isinstance(e, Progress)]
    assert progress, "a run of several seconds reports its pace"
    last = progress[-1]
    assert last.workers == 2 and last.requests > 0 and last.rate > 0
    assert last.budget_limit is not None and last.budget_remaining is not None


def test_one_case_of_every_kind_runs_first() -> None:
    # Given a run with several valid examples per type
    ran = run_engine(Config(seed=1, examples=4))
    phases = [e.phase for e in ran.events if isinstance(e, PhaseStarted)]
    assert phases == ["setup", "breadth", "valid", "invalid", "stateful", "concurrency"]
    breadth = _cases_of(ran.events, "breadth")

    # Then the breadth phase held each invalid mutation once, the probes and one valid case
    # of each type, before any kind ran twice
    mutations = [c.case["mutation"] for c in breadth if c.case and c.case.get("mutation")]
    later = [c.case["mutation"] for c in _cases_of(ran.events, "invalid") if c.case]
    assert len(mutations) == len(set(mutations)) and set(later) <= set(mutations)
    assert {c.phase for c in breadth} == {"invalid", "probes", "valid"}
    started = ran.events[0]
    assert isinstance(started, RunStarted)
    assert sum(c.phase == "valid" for c in breadth) == len(started.types)
    # and a fault one invalid request shows is found within the first few dozen requests
    first = run_engine(Config(seed=1, emulator_faults=("crash_on_unknown_field",)))
    assert first.finished.summary.first_violation_request is not None
    assert first.finished.summary.first_violation_request <= 40


def _cases_of(events: tuple[Event, ...], phase: str) -> list[CaseFinished]:
    """The cases between a phase's start and its end."""
    inside, found = False, []
    for event in events:
        if isinstance(event, PhaseStarted):
            inside = event.phase == phase
        elif isinstance(event, PhaseFinished):
            inside = False
        elif inside and isinstance(event, CaseFinished):
            found.append(event)
    return found


def test_ctrl_c_with_workers_cleans_up(tmp_path: Path) -> None:
    with EmulatorServer(db_path=tmp_path / "e.db", latency=0.01) as server:
        args = ["run", "--base-url", server.base_url, "--api-key", server.api_key]
        code, stdout, stderr = interrupt_cli([*args, "--examples", "60", "--workers", "6"], 1.5)
        assert "Traceback" not in stdout + stderr, stderr
        assert code == 130, (code, stderr)
        assert leftovers(server) == NOTHING_LEFT, stderr


@pytest.mark.parametrize(
    ("kind", "latencies", "rate", "max_rate", "expected"),
    [
        ("emulator", [0.05], 100.0, None, 1),
        ("replay", [], None, None, 1),
        ("live", [0.05, 0.05, 0.06], 99.0, None, 16),  # 3 × 99/s × 50 ms + 1
        ("live", [0.05], 99.0, 20.0, 4),  # --max-rate is the tighter budget
        ("live", [0.2], None, None, 8),  # no budget reported: a fixed number
        ("live", [0.001], 10.0, None, 2),  # never fewer than 2 on a live target
        ("live", [2.0], 1000.0, None, 32),  # nor more than 32 of its own choosing
    ],
)
def test_the_default_number_of_workers(
    kind: Any, latencies: list[float], rate: float | None, max_rate: float | None, expected: int
) -> None:
    assert choose_workers(kind, latencies, rate, max_rate) == expected
