"""One table of rules builds both the machine Hypothesis explores and the replay of a
recorded sequence: what the machine ran, the replay runs again, step for step.

The phase runs alone, in-process, with one type (see ``sequences``).
"""

from __future__ import annotations

import pytest
from sequences import run_sequences

from contract.cassettes import Corpus
from contract.emulator import EmulatorServer
from contract.errors import CassetteError
from contract.session import SequenceRecord
from contract.stateful._rules import RULES
from contract.stateful._world import CORPUS_KEY


def _corpus(*sequences: SequenceRecord) -> Corpus:
    corpus = Corpus(seed=0, base_url="http://127.0.0.1", has_other_key=True)
    for sequence in sequences:
        corpus.add(CORPUS_KEY, sequence)  # type: ignore[arg-type]
    return corpus


@pytest.mark.parametrize("fault", [None, "list_shows_deleted"])
def test_what_the_machine_ran_the_replay_runs_again(fault: str | None) -> None:
    # Given the sequences the machine drew, recorded
    corpus = _corpus()
    faults = (fault,) if fault else ()
    with EmulatorServer(faults=faults) as server:
        drawn = run_sequences(server, corpus=corpus, stateful_runs=4, stateful_steps=10)
    recorded: list[SequenceRecord] = corpus.batches[CORPUS_KEY]
    assert [s["run"] for s in recorded] == [0, 1, 2, 3]
    assert {step["rule"] for s in recorded for step in s["steps"]} <= {r.name for r in RULES}

    # When they are replayed, without Hypothesis, on a fresh server with the same fault
    with EmulatorServer(faults=faults) as server:
        replayed = run_sequences(server, replay=corpus, stateful_runs=4, stateful_steps=10)

    # Then every step sent the same requests and got the same answers and verdicts
    assert replayed.answers == drawn.answers
    assert [o.label for o in replayed.outcomes] == [o.label for o in drawn.outcomes]
    verdicts = sorted((v.check, v.title) for v in drawn.violations)
    assert sorted((v.check, v.title) for v in replayed.violations) == verdicts
    assert bool(verdicts) == bool(fault)


def test_a_recorded_step_no_rule_has_is_refused() -> None:
    corpus = _corpus({"run": 0, "steps": [{"rule": "teleport", "args": {"handle": 0}}]})
    with EmulatorServer() as server:
        with pytest.raises(CassetteError, match="'teleport'.*record it again"):
            run_sequences(server, replay=corpus)


def test_turned_off_it_sends_nothing() -> None:
    with EmulatorServer() as server:
        ran = run_sequences(server, stateful_runs=0)
    assert (ran.outcomes, ran.sent) == ([], 0)
