"""The schemathesis phase inside a run: a second generator, its findings as violations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import contract
from contract.events import CaseFinished, RunFinished


def run(**options: object) -> tuple[list[CaseFinished], RunFinished]:
    cases: list[CaseFinished] = []
    finished = None
    for event in contract.run(contract.Config(examples=3, schemathesis=True, **options)):
        if isinstance(event, CaseFinished):
            cases.append(event)
        elif isinstance(event, RunFinished):
            finished = event
    assert finished is not None
    return cases, finished


def test_the_faithful_emulator_passes_both_generators() -> None:
    cases, finished = run()
    phase = [c for c in cases if c.phase == "schemathesis"]
    # Then each type got a schemathesis case, its requests count, and nothing is found
    assert len(phase) == 2 and all(c.requests > 0 for c in phase)
    assert finished.summary.violations == 0
    assert finished.summary.requests > sum(c.requests for c in phase)


def test_schemathesis_findings_are_violations_named_for_their_check() -> None:
    _, finished = run(emulator_faults=("auth_not_enforced",))
    assert finished.summary.by_check.get("schemathesis:ignored_auth", 0) > 0
    assert finished.summary.by_check.get("auth_enforced", 0) > 0


def test_schemathesis_cannot_be_recorded(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "contract.cli", "run", "--schemathesis", "--record", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--schemathesis cannot be recorded" in out.stderr


@pytest.mark.parametrize("flag", ["--close-schemathesis"])
def test_the_suite_has_a_schemathesis_item(pytester: pytest.Pytester, flag: str) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "contract.suite", "--close-examples", "2", flag, "-k", "schemathesis"
    )
    assert result.ret == 0, result.stdout.str()
    assert result.parseoutcomes()["passed"] == 1
