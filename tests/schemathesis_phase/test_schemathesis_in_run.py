"""The schemathesis phase inside a run: a second generator, its findings as violations.

A run here is small where the run is not the point: one type, our own stateful phase off,
one example. Schemathesis's own requests are watched through the guard the run hands it
(it sees each one as it goes out), or counted by a proxy in front of the emulator.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hostile._proxy import HostileProxy
from hostile._scene import foreign_writes, keeps_promises, run_through, scene
from support.run import leftovers, live_config, run_engine
from support.safety import Planted, plant

import contract
from contract.baseline import load_baseline
from contract.client import CloseClient, RequestGuard
from contract.discovery import discover
from contract.emulator import EmulatorServer
from contract.events import CaseFinished, RunFinished
from contract.ledger import Ledger
from contract.schemathesis_phase import _phase

# Where the run is not the point: our stateful phase off, one example.
SMALL: dict[str, Any] = {"examples": 1, "stateful_runs": 0}


def run(**options: Any) -> tuple[list[CaseFinished], RunFinished]:
    cases: list[CaseFinished] = []
    finished = None
    config = contract.Config(schemathesis=True, **{**SMALL, **options})
    for event in contract.run(config):
        if isinstance(event, CaseFinished):
            cases.append(event)
        elif isinstance(event, RunFinished):
            finished = event
    assert finished is not None
    return cases, finished


def one_type(server: EmulatorServer) -> tuple[str, ...]:
    """The type with the most fields: the one run where one type is enough."""
    with CloseClient(server.base_url, server.api_key, pacer=None) as client:
        org = discover(client)
    return (max(org.types, key=lambda t: len(t.field_types)).type_id,)


class Watching(RequestGuard):
    """The run's own guard, judging as it does, noting the Authorization header of every
    request it lets out (so, of every request schemathesis sends)."""

    def __init__(self, inner: RequestGuard) -> None:
        super().__init__(inner.base_url)
        self.inner = inner
        # The Authorization header of each request let out.
        self.authorizations: list[str | None] = []

    def refusal(self, method: str, url: str, headers: Iterable[tuple[str, str]] = ()) -> str | None:
        headers = list(headers)
        why = self.inner.refusal(method, url, headers)
        if why is None:
            named = [value for name, value in headers if name.lower() == "authorization"]
            self.authorizations.append(named[0] if named else None)
        return why

    def allow(self, kind: Any, object_id: str) -> None:
        self.inner.allow(kind, object_id)

    def allows(self, kind: Any, object_id: str) -> bool:
        return self.inner.allows(kind, object_id)

    def note_refused(self) -> None:
        self.inner.note_refused()


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Watching]]:
    """The guards the run's schemathesis phases were given, each watching."""
    guards: list[Watching] = []
    real = _phase.run_schemathesis

    def watching(base_url: str, api_key: str, **options: Any) -> Any:
        guards.append(Watching(options["guard"]))
        return real(base_url, api_key, **{**options, "guard": guards[-1]})

    monkeypatch.setattr(_phase, "run_schemathesis", watching)
    yield guards


def test_the_faithful_emulator_passes_both_generators() -> None:
    cases, finished = run()
    phase = [c for c in cases if c.phase == "schemathesis"]
    # Then each type got a schemathesis case, its requests count, and nothing is found
    assert len(phase) == 2 and all(c.requests > 0 for c in phase)
    assert finished.summary.violations == 0
    assert finished.summary.requests > sum(c.requests for c in phase)


def test_a_server_that_refuses_blank_text_passes_the_whole_run() -> None:
    # Given a server that refuses blank or padded text in names and required text fields
    # (Close leaves this open), and the type with a required text field
    with EmulatorServer(refuse_blank_text=True) as srv:
        only = one_type(srv)
        # When a run with every phase (both generators, our stateful phase) goes through it
        ran = run_engine(
            live_config(srv, schemathesis=True, examples=3, custom_object_type_ids=only)
        )

    # Then neither generator counted on such text being kept: nothing is found
    assert ran.finished.summary.violations == 0, ran.finished.violations
    assert any(c.phase == "schemathesis" for c in ran.cases)


def test_with_bearer_schemathesis_sends_the_key_as_a_bearer_token(
    watched: list[Watching],
) -> None:
    with EmulatorServer() as srv:
        ran = run_engine(
            live_config(
                srv,
                auth_scheme="bearer",
                schemathesis=True,
                custom_object_type_ids=one_type(srv),
                **SMALL,
            )
        )
    key = srv.api_key
    assert ran.finished.summary.violations == 0, ran.finished.violations
    # Every request the phase sent was let out by the run's guard, and each that carried
    # the key carried it as a Bearer token, never as Basic
    (guard,) = watched
    sent = guard.authorizations
    (phase,) = [c for c in ran.cases if c.phase == "schemathesis"]
    assert len(sent) == phase.requests
    assert sent.count(f"Bearer {key}") > 10
    assert "Basic " + base64.b64encode(f"{key}:".encode()).decode() not in sent
    assert all(a == f"Bearer {key}" for a in sent if a and key in a)


def test_what_schemathesis_creates_the_ledger_deletes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a run that notes what the phase hands over, what the ledger is told, and which
    # of the phase's instances are still there when the phase ends
    handed: list[str] = []
    alive: list[str] = []
    ledgered: list[tuple[str, str]] = []
    real, add = _phase.run_schemathesis, Ledger.add

    def spy(base_url: str, api_key: str, **options: Any) -> Any:
        given = options["on_created"]
        mine: list[str] = []

        def on_created(object_id: str) -> None:
            mine.append(object_id)
            given(object_id)

        result = real(base_url, api_key, **{**options, "on_created": on_created})
        url = f"{base_url}/custom_object/{{}}/"
        auth = (api_key, "")
        alive.extend(i for i in mine if httpx.get(url.format(i), auth=auth).status_code == 200)
        handed.extend(mine)
        return result

    def spied_add(self: Ledger, kind: str, object_id: str) -> None:
        ledgered.append((kind, object_id))
        add(self, kind, object_id)

    monkeypatch.setattr(_phase, "run_schemathesis", spy)
    monkeypatch.setattr(Ledger, "add", spied_add)
    with EmulatorServer() as srv:
        small = {"custom_object_type_ids": one_type(srv), **SMALL}
        before = leftovers(srv)
        ran = run_engine(live_config(srv, schemathesis=True, **small))
        after = leftovers(srv)
        without = run_engine(live_config(srv, **small))

    # Then every instance the phase made went into the ledger as it was created, the phase
    # left them there, and the run's cleanup deleted them with everything else
    assert handed and set(handed) <= {i for kind, i in ledgered if kind == "custom_object"}
    assert alive
    assert ran.cleanup.leftovers == ()
    assert after == before
    assert ran.cleanup.deleted == without.cleanup.deleted + len(alive)


def test_the_baseline_recorder_sees_schemathesis_answers(tmp_path: Path) -> None:
    out = tmp_path / "baseline.json"
    run(baseline_out=out, examples=2)
    without = tmp_path / "without.json"
    for _ in contract.run(contract.Config(baseline_out=without, **{**SMALL, "examples": 2})):
        pass

    baseline, plain = load_baseline(out), load_baseline(without)
    kinds = {kind for kind in baseline.statuses if kind.startswith("schemathesis:")}
    assert {f"schemathesis:{m}" for m in ("GET", "POST", "PUT", "DELETE")} <= kinds
    assert not any(kind.startswith("schemathesis:") for kind in plain.statuses)
    # Only its successes: its failures answer cases drawn anew each run, so a baseline
    # pinned to them would report randomness as regressions.
    assert all(200 <= s < 300 for k in kinds for s in baseline.statuses[k])
    assert baseline.operations.keys() >= plain.operations.keys()


def test_summary_requests_count_schemathesis_requests_exactly_once() -> None:
    # Given a proxy in front of the emulator that logs every request it receives
    with EmulatorServer() as srv:
        origin = srv.base_url.removesuffix("/api/v1")
        with HostileProxy("passthrough", origin) as proxy:
            # When a run with the phase goes through it
            config = live_config(srv, schemathesis=True, custom_object_type_ids=one_type(srv))
            ran = run_engine(
                contract.Config(**{**_fields(config), "base_url": proxy.base_url, **SMALL})
            )

    # Then the summary counts each request that arrived, the phase's once, and no other
    phase = [c for c in ran.cases if c.phase == "schemathesis"]
    assert sum(c.requests for c in phase) > 0
    assert ran.finished.summary.requests == len(proxy.seen)


def _fields(config: contract.Config) -> dict[str, Any]:
    return {name: getattr(config, name) for name in config.__dataclass_fields__}


def test_schemathesis_findings_are_violations_named_for_their_check() -> None:
    _, finished = run(emulator_faults=("auth_not_enforced",))
    assert finished.summary.by_check.get("schemathesis:ignored_auth", 0) > 0
    assert finished.summary.by_check.get("auth_enforced", 0) > 0


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """Customer data in both organizations, planted once for this module."""
    return plant(tmp_path_factory.mktemp("planted"))


def test_a_server_that_lies_about_ids_cannot_steer_the_phase(
    planted: Planted, tmp_path: Path
) -> None:
    # Given a server whose creates answer with a customer's instance id, to which the
    # links of the phase's own creates then lead its PUTs and DELETEs
    with scene(planted, tmp_path, "foreign_instance_id") as hostile:
        # When a run with the phase goes through it
        result = run_through(hostile, schemathesis=True)

        # Then the phase ran, and nothing that existed was touched: no write reached
        # anything the run did not create (the guard refused them as they were sent)
        assert any(c.phase == "schemathesis" for c in result.cases), result.describe()
        keeps_promises(hostile, result, cleaned=False)
        assert foreign_writes(hostile) == []


def test_schemathesis_cannot_be_recorded(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "contract.cli", "run", "--schemathesis", "--record", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--schemathesis cannot be recorded" in out.stderr


def test_the_suite_has_a_schemathesis_item(pytester: pytest.Pytester) -> None:
    # In this process: the suite's run with one example and our stateful phase off
    result = pytester.runpytest(
        "--pyargs",
        "contract.suite",
        "--close-examples",
        "1",
        "--close-stateful-runs",
        "0",
        "--close-schemathesis",
        "-k",
        "schemathesis",
        "-p",
        "no:cacheprovider",
    )
    assert result.ret == 0, result.stdout.str()
    assert result.parseoutcomes()["passed"] == 1
