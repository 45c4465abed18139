"""The schemathesis phase inside a run: a second generator, its findings as violations."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from support.run import leftovers, live_config, run_engine

import contract
from contract import schemathesis_phase
from contract.baseline import load_baseline
from contract.emulator import EmulatorServer
from contract.events import CaseFinished, RunFinished
from contract.ledger import Ledger


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


def sent_through(
    monkeypatch: pytest.MonkeyPatch, cls: type[Any], header: str = "Authorization"
) -> list[str | None]:
    """One ``header`` value per request sent by ``cls.send`` from now on: ``requests`` is
    schemathesis's transport, ``httpx`` the run's own client."""
    seen: list[str | None] = []
    send = cls.send

    def recording(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(request.headers.get(header))
        return send(self, request, *args, **kwargs)

    monkeypatch.setattr(cls, "send", recording)
    return seen


def test_with_bearer_schemathesis_sends_the_key_as_a_bearer_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = sent_through(monkeypatch, requests.Session)
    with EmulatorServer() as srv:
        ran = run_engine(live_config(srv, auth_scheme="bearer", schemathesis=True, examples=2))
    key = srv.api_key
    assert ran.finished.summary.violations == 0, ran.finished.violations
    assert sent.count(f"Bearer {key}") > 100
    assert "Basic " + base64.b64encode(f"{key}:".encode()).decode() not in sent
    assert all(a == f"Bearer {key}" for a in sent if a and key in a)


def test_what_schemathesis_creates_the_ledger_deletes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a run that notes what the phase hands over, what the ledger is told, and which
    # of the phase's instances are still there when the phase ends
    handed: list[str] = []
    alive: list[str] = []
    ledgered: list[tuple[str, str]] = []
    run_schemathesis, add = schemathesis_phase.run_schemathesis, Ledger.add

    def spy(base_url: str, api_key: str, **options: Any) -> Any:
        given = options["on_created"]
        mine: list[str] = []

        def on_created(object_id: str) -> None:
            mine.append(object_id)
            given(object_id)

        result = run_schemathesis(base_url, api_key, **{**options, "on_created": on_created})
        url = f"{base_url}/custom_object/{{}}/"
        auth = (api_key, "")
        alive.extend(i for i in mine if httpx.get(url.format(i), auth=auth).status_code == 200)
        handed.extend(mine)
        return result

    def spied_add(self: Ledger, kind: str, object_id: str) -> None:
        ledgered.append((kind, object_id))
        add(self, kind, object_id)

    monkeypatch.setattr(schemathesis_phase, "run_schemathesis", spy)
    monkeypatch.setattr(Ledger, "add", spied_add)
    with EmulatorServer() as srv:
        before = leftovers(srv)
        ran = run_engine(live_config(srv, schemathesis=True, examples=2))
        after = leftovers(srv)
        without = run_engine(live_config(srv, examples=2))

    # Then every instance the phase made went into the ledger as it was created, the phase
    # left them there, and the run's cleanup deleted them with everything else
    assert handed and set(handed) <= {i for kind, i in ledgered if kind == "custom_object"}
    assert alive
    assert ran.cleanup.leftovers == ()
    assert after == before
    assert ran.cleanup.deleted == without.cleanup.deleted + len(alive)


def test_the_baseline_recorder_sees_schemathesis_answers(tmp_path: Path) -> None:
    out = tmp_path / "baseline.json"
    run(baseline_out=out)
    without = tmp_path / "without.json"
    for _ in contract.run(contract.Config(examples=3, baseline_out=without)):
        pass

    baseline, plain = load_baseline(out), load_baseline(without)
    kinds = {kind for kind in baseline.statuses if kind.startswith("schemathesis:")}
    assert {f"schemathesis:{m}" for m in ("GET", "POST", "PUT", "DELETE")} <= kinds
    assert not any(kind.startswith("schemathesis:") for kind in plain.statuses)
    # Only its successes: its failures answer cases drawn anew each run, so a baseline
    # pinned to them would report randomness as regressions.
    assert all(200 <= s < 300 for k in kinds for s in baseline.statuses[k])
    assert baseline.operations.keys() >= plain.operations.keys()


def test_summary_requests_count_schemathesis_requests_exactly_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    by_schemathesis = sent_through(monkeypatch, requests.Session)
    by_client = sent_through(monkeypatch, httpx.Client)
    with EmulatorServer() as srv:
        ran = run_engine(live_config(srv, schemathesis=True, examples=2))

    phase = [c for c in ran.cases if c.phase == "schemathesis"]
    assert sum(c.requests for c in phase) == len(by_schemathesis) > 0
    assert ran.finished.summary.requests == len(by_client) + len(by_schemathesis)


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
