"""The stateful phase alongside the plan: its outcomes and its corpus entries come after
the plan's whatever the timing, its errors reach the run, and it stops when told."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from contract.cassettes import Corpus
from contract.config import Config
from contract.engine._alongside import Alongside
from contract.session import (
    CaseSource,
    GeneratedSource,
    Outcome,
    Record,
    ReplaySource,
    SequenceRecord,
)
from contract.stateful import Stopped
from engine.test_engine_workers import verdicts
from strategies import Case

SEQUENCE: SequenceRecord = {"run": 0, "steps": [{"rule": "get", "args": {"handle": 0}}]}
PLANS_CASE = Case({"name": "the plan's own case"}, None, "valid", frozenset({201}))


class Source(GeneratedSource):
    """A case source that notes what was executed."""

    def __init__(self) -> None:
        super().__init__(seed=0, shrink=False)
        self.executed_calls: list[tuple[str, Record]] = []

    def executed(self, key: str, drawn: Record) -> None:
        self.executed_calls.append((key, drawn))


def outcome(label: str) -> Outcome:
    return Outcome("stateful", label, None, None)


def test_its_outcomes_and_corpus_entries_come_when_asked_for_in_order() -> None:
    # Given a phase that runs while the caller does its own work
    source = Source()
    caller_done = threading.Event()

    def phase(src: CaseSource, stop: threading.Event) -> Iterator[Outcome]:
        for n in range(3):
            src.executed("stateful", {**SEQUENCE, "run": n})
            yield outcome(f"sequence {n}")
        assert caller_done.wait(5)  # it really runs while the caller goes on

    alongside = Alongside(phase, source).start()
    source.executed("valid:x", PLANS_CASE)
    caller_done.set()

    # When its outcomes are asked for, after the caller's own
    got = [o.label for o in alongside.outcomes()]
    alongside.close()

    # Then they are all there, in order, and the corpus saw the plan's case first
    assert got == ["sequence 0", "sequence 1", "sequence 2"]
    assert source.executed_calls == [
        ("valid:x", PLANS_CASE),
        *(("stateful", {**SEQUENCE, "run": n}) for n in range(3)),
    ]


def test_what_the_phase_raised_is_raised_to_the_run() -> None:
    def phase(src: CaseSource, stop: threading.Event) -> Iterator[Outcome]:
        yield outcome("sequence 0")
        raise RuntimeError("the target went away")

    alongside = Alongside(phase, Source()).start()
    with pytest.raises(RuntimeError, match="went away"):
        list(alongside.outcomes())


def test_close_stops_the_phase_after_its_current_step() -> None:
    # Given a phase that would run for ever, one step at a time, checking for a stop
    steps: list[int] = []
    started = threading.Event()

    def phase(src: CaseSource, stop: threading.Event) -> Iterator[Outcome]:
        while True:
            started.set()
            if stop.wait(0.01):
                raise Stopped
            steps.append(len(steps))
        yield outcome("never")  # pragma: no cover

    alongside = Alongside(phase, Source()).start()
    assert started.wait(5)

    # When the run ends (a failure elsewhere, Ctrl-C)
    alongside.close()

    # Then close returned only once the phase stopped: it sends nothing more
    count = len(steps)
    threading.Event().wait(0.05)
    assert len(steps) == count


def test_a_replayed_phase_alongside_replays_the_recorded_sequences() -> None:
    # Given a recording's corpus with one stateful sequence
    corpus = Corpus(seed=0, base_url="http://127.0.0.1", has_other_key=False)
    corpus.batches["stateful"] = [SEQUENCE]
    seen: list[list[SequenceRecord] | None] = []

    def phase(src: CaseSource, stop: threading.Event) -> Iterator[Outcome]:
        seen.append(src.sequences("stateful"))
        yield outcome("sequence 0")

    # When the phase runs alongside the plan on a replay
    alongside = Alongside(phase, ReplaySource(corpus)).start()
    list(alongside.outcomes())
    alongside.close()

    # Then it was handed the recorded sequences (to replay, not to draw anew)
    assert seen == [[SEQUENCE]]


def test_a_model_fault_gets_the_same_verdicts_alongside_and_in_turn() -> None:
    # Given a fault only the stateful phase's model finds, across sequences that share leads
    fault = "list_shows_deleted"
    options: dict[str, Any] = {"seed": 3, "examples": 2, "stateful_runs": 5, "shrink": False}

    # When the phase runs after the plan (one worker) and alongside it (four)
    in_turn = verdicts(Config(emulator_faults=(fault,), **options))
    alongside = verdicts(Config(emulator_faults=(fault,), workers=4, **options))

    # Then the same sequences came out with the same violations
    assert in_turn[1] and in_turn == alongside
    assert any(phase == "stateful" and failed for phase, _, failed, _ in alongside[0])
