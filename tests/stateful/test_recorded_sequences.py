"""A recording of the stateful phase holds every sequence it sent, so that its replay
predicts each one from the same state, whatever else the process has imported.

A sequence's model knows what earlier sequences left on the shared leads (a deleted
instance a faulty list still shows, say). When a recording stored a later failing sequence
in place of the first and dropped the ones in between, the replay predicted it without
them and found violations the run did not. Which sequences Hypothesis draws depends on the
modules loaded in the process (it draws some values from their constants), so the
divergence came and went with the order tests ran in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from support.run import ROOT, TIMEOUT, run_engine
from test_public_api import PACKAGES

from contract.cassettes import CASSETTE_FILE, CORPUS_FILE
from contract.client import CASE_HEADER
from contract.config import Config

# A fault that only sequences show, and enough sequences for some to follow a failing one.
_OPTIONS: dict[str, Any] = {"examples": 1, "stateful_runs": 8, "stateful_steps": 25}
_FAULT = ("list_shows_deleted",)
# The corpus batch of the stateful phase, and the prefix of its sequences' case tags.
CORPUS_KEY = "stateful:runs"


def _sent_sequences(directory: Path) -> set[int]:
    """The stateful sequences whose requests the cassette holds, by run number."""
    cassette = yaml.safe_load((directory / CASSETTE_FILE).read_text("utf-8"))
    runs: set[int] = set()
    for interaction in cassette["interactions"]:
        for name, values in interaction["request"]["headers"].items():
            tag = values[0] if isinstance(values, list) else values
            if name.lower() == CASE_HEADER.lower() and tag.startswith(f"{CORPUS_KEY}#"):
                runs.add(int(tag.rpartition("#")[2]))
    return runs


def _stored_sequences(directory: Path) -> list[int]:
    corpus = json.loads((directory / CORPUS_FILE).read_text("utf-8"))
    return [entry["run"] for entry in corpus["batches"][CORPUS_KEY]]


def test_the_corpus_holds_every_sequence_that_sent_a_request(tmp_path: Path) -> None:
    # When a run with failing sequences is recorded
    ran = run_engine(Config(emulator_faults=_FAULT, record=tmp_path, **_OPTIONS))
    assert ran.finished.violations

    # Then every sequence whose requests the cassette holds is in the corpus, in order,
    # and the corpus holds no sequence that sent nothing
    stored = _stored_sequences(tmp_path)
    assert stored == sorted(stored)
    assert set(stored) == _sent_sequences(tmp_path)
    assert len(stored) > 1


# Imports every package of the public surface (as tests/test_public_api.py does), then
# records and replays one run; prints both verdicts.
_SCRIPT = """
import importlib, json, sys
from pathlib import Path
from contract import run
from contract.config import Config
from contract.events import RunFinished

packages, options, fault, directory = json.loads(sys.argv[1])
for name in packages:
    module = importlib.import_module(name)
    for attribute in module.__all__:
        getattr(module, attribute)

def verdict(config):
    (finished,) = [e for e in run(config) if isinstance(e, RunFinished)]
    return sorted([v.check, v.title] for v in finished.violations)

recorded = verdict(Config(emulator_faults=tuple(fault), record=Path(directory), **options))
replayed = verdict(Config(cassettes=Path(directory), examples=10))
print(json.dumps({"recorded": recorded, "replayed": replayed}))
"""


def test_a_replay_does_not_depend_on_what_else_is_loaded(tmp_path: Path) -> None:
    # Given a process that has loaded every public module before it records
    argument = json.dumps([PACKAGES, _OPTIONS, _FAULT, str(tmp_path / "rec")])

    # When it records a run with failing sequences and replays it
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, argument],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    verdicts = json.loads(done.stdout.splitlines()[-1])

    # Then the replay reaches the recorded verdict, violation for violation
    assert verdicts["recorded"]
    assert verdicts["replayed"] == verdicts["recorded"]
    assert set(_stored_sequences(tmp_path / "rec")) == _sent_sequences(tmp_path / "rec")
