"""The run's answer times: which answers are timed, what a comparison says when it cannot
compare, the latency phase that --fail-on-latency adds, how the reports show it, and one
end-to-end pair of runs (a fast emulator recorded, a slower one compared)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from pathlib import Path

from jsonschema import Draft202012Validator
from support.exchanges import INSTANCE, OBJECT_ID, exchange
from support.run import live_config, run_engine, type_ids

from contract.baseline import (
    LatencyBaseline,
    LatencyChange,
    LatencySampler,
    Percentiles,
    latency_file,
    load_latency,
    write_latency,
)
from contract.checks import RESPONSE_TIME_THRESHOLD, tally_checks
from contract.config import Config
from contract.emulator import EmulatorServer
from contract.engine._timing import compared_latency, latency_phase, timer
from contract.events import CaseFinished, LatencyCompared, PhaseStarted, RunStarted
from contract.reports import RunReport, latency_lines, report_schema
from contract.suite._handover import decode_events, encode_events
from contract.totals import Totals

PATH = f"custom_object/{OBJECT_ID}/"


def slow_baseline() -> LatencyBaseline:
    """Every operation once answered in about 1 ms, from 40 answers each."""
    fast = Percentiles.of([1.0] * 40)
    ops = ("create", "retrieve", "list", "update", "delete")
    return LatencyBaseline(target="emulator", operations=dict.fromkeys(ops, fast))


def test_only_the_run_own_key_s_first_answers_are_timed() -> None:
    sampler = LatencySampler()
    observe = timer(sampler)
    answer = exchange(200, INSTANCE, path=PATH)  # answered in 10 ms

    observe(answer, "valid:retrieve")
    observe(replace(answer, auth=None), "auth:GET")  # no credentials of the run's own
    observe(answer, "isolation:GET")  # another organization's key
    observe(replace(answer, failed_attempts=("ambiguous",)), "valid:retrieve")  # a repeat
    observe(exchange(200, {}, path="me/"), "setup:me")  # not an operation under test

    assert sampler.samples("retrieve") == (10.0,)
    assert sampler.percentiles() == {"retrieve": Percentiles(1)}


def test_a_replay_or_a_baseline_without_times_compares_nothing_and_says_why(
    tmp_path: Path,
) -> None:
    config = Config(baseline=tmp_path)
    sampler = LatencySampler()

    replayed = compared_latency(config, slow_baseline(), sampler, replay=True)
    missing = compared_latency(config, None, sampler, replay=False)

    assert replayed.changes == () and "replay" in (replayed.note or "")
    assert missing.changes == () and f"no latency baseline beside {tmp_path}" in (
        missing.note or ""
    )
    assert replayed.baseline == str(latency_file(tmp_path))
    # ...and nothing fails even with --fail-on-latency: there is no latency phase
    failing = compared_latency(
        Config(baseline=tmp_path, fail_on_latency=True), None, sampler, replay=False
    )
    assert list(latency_phase(failing, Totals())) == [failing]


def test_slower_operations_fail_the_run_only_when_asked(tmp_path: Path) -> None:
    # Given a run whose creates took 200 ms against a baseline's 1 ms
    sampler = LatencySampler()
    for _ in range(30):
        sampler.observe("POST", "custom_object/", 0.2)
    reported = compared_latency(Config(baseline=tmp_path), slow_baseline(), sampler, replay=False)

    # Then the comparison names create slower and the others not compared...
    assert [c.operation for c in reported.slower] == ["create"]
    assert {c.operation for c in reported.changes if c.not_compared} == {
        "retrieve",
        "list",
        "update",
        "delete",
    }
    # ...and, without --fail-on-latency, it is the only event: no case, no violation
    assert list(latency_phase(reported, Totals())) == [reported]
    assert "reported only" in reported.gate_line()

    # When --fail-on-latency is given, a latency phase holds one violation per slower one
    asked = Config(baseline=tmp_path, fail_on_latency=True)
    failing = compared_latency(asked, slow_baseline(), sampler, replay=False)
    events = list(latency_phase(failing, Totals()))
    (case,) = [e for e in events if isinstance(e, CaseFinished)]
    assert any(isinstance(e, PhaseStarted) and e.phase == "latency" for e in events)
    (found,) = case.violations
    assert found.check == "latency_regression" and found.title.startswith(
        "slower than the latency baseline: create: p95 200.0 ms, was 1.0 ms"
    )


def test_the_reports_show_the_comparison_and_the_schema_takes_it(tmp_path: Path) -> None:
    sampler = LatencySampler()
    for _ in range(30):
        sampler.observe("POST", "custom_object/", 0.2)
    compared = compared_latency(Config(baseline=tmp_path), slow_baseline(), sampler, replay=False)
    report = RunReport(started=RunStarted("emulator", "http://127.0.0.1:1/api/v1", 0, ()))
    report.add(compared)

    data = report.to_json()
    Draft202012Validator(report_schema()).validate(data)
    latency = data["latency"]
    assert (latency["factor"], latency["floor_ms"], latency["fails"]) == (2.0, 100.0, False)
    create = latency["operations"][0]
    assert create["operation"] == "create" and create["slower"] is True
    assert create["new"] == {"count": 30, "p50_ms": 200.0, "p95_ms": 200.0}
    markdown = report.to_markdown()
    assert f"## Latency: {latency_file(tmp_path)}" in markdown
    assert "| `create` | 200.0 (1.0) | 200.0 (1.0) | 30 (40) | **slower** |" in markdown
    lines = latency_lines(compared)
    assert lines[0].startswith("latency: 1 operation slower, 0 as before, 4 not compared")
    assert lines[1].startswith("  slower  create: p95 200.0 ms")
    # A report of a run that compared nothing holds null
    assert RunReport().to_json()["latency"] is None


def test_max_response_time_without_a_threshold_says_what_it_needs() -> None:
    tallies = tally_checks([], None)
    assert tallies["max_response_time"].not_run == (
        "no answer it applies to (it needs a threshold given with --max-response-time MS)"
    )
    # ...and a run given one, whose cases stopped before any answer, says that instead
    had = tally_checks([], None, met=(RESPONSE_TIME_THRESHOLD,))
    assert (had["max_response_time"].not_run or "").startswith("no answer of this run reached")


def test_a_slower_server_is_flagged_against_the_faster_one_s_recording(tmp_path: Path) -> None:
    # Given a latency baseline recorded from a fast emulator (a small run on one type)
    small = {
        "examples": 1,
        "stateful_runs": 0,
        "shrink": False,
        "custom_object_type_ids": (type_ids()["Subscription"],),
    }
    recorded = tmp_path / "fast.json"
    with EmulatorServer() as fast:
        ran = run_engine(live_config(fast, baseline_out=recorded, **small))
    assert ran.finished.summary.exit_code == 0
    latency = load_latency(recorded)
    assert latency is not None
    timed = {op for op, p in latency.operations.items() if p.comparable}
    assert "create" in timed, latency.operations  # the invalid creates alone are 30 and more
    # ...its times set to 1 ms: no assertion rests on how fast this machine answered
    pinned = {
        op: Percentiles(p.count, 1.0, 1.0) if p.comparable else p
        for op, p in latency.operations.items()
    }
    write_latency(recorded, dataclasses.replace(latency, operations=pinned))

    # When the same run goes to an emulator whose every answer is at least 20 ms late, asked
    # to fail on latency (the default factor, a 10 ms floor) and to judge answers by 15 ms
    with EmulatorServer(latency=0.02) as slow:
        config = live_config(
            slow,
            baseline=recorded,
            fail_on_latency=True,
            latency_floor_ms=10,
            max_response_time=15,
            **small,
        )
        slower = run_engine(config)

    # Then every operation with its 30 answers on both sides is slower, and fails the run
    (compared,) = [e for e in slower.events if isinstance(e, LatencyCompared)]
    assert compared.note is None
    assert {c.operation for c in compared.slower} == timed
    assert all(c.not_compared for c in compared.changes if c.operation not in timed)
    summary = slower.finished.summary
    assert summary.exit_code == 1
    assert summary.by_check["latency_regression"] == len(timed)
    # ...and every answer is a max_response_time violation
    tally = summary.checks["max_response_time"]
    assert tally.failed == tally.judged > 0
    # The comparison left the recorded file as it was: only a recording writes one
    assert load_latency(recorded) == dataclasses.replace(latency, operations=pinned)


def test_the_comparison_survives_the_pytest_xdist_hand_over() -> None:
    # Given the event with every kind of row (the suite's workers rebuild it from JSON)
    compared = LatencyCompared(
        "b.latency.json",
        2.0,
        100.0,
        True,
        (
            LatencyChange("create", Percentiles(40, 1.0, 2.0), Percentiles(40, 300.0, 350.0), True),
            LatencyChange("update", Percentiles(3), None, not_compared="3 samples in the baseline"),
        ),
    )
    back = decode_events(json.loads(json.dumps(encode_events([compared]))))
    assert back == [compared]
