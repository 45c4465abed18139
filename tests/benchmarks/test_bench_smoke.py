"""The benchmarks keep working: detection matrix, throughput and network benches, tiny.

Each benchmark module is loaded from the ``benchmarks/`` folder by its path (its sibling
helpers importable, as when it runs as a script) and driven through its Python function
with small sizes; the document writer of ``python -m benchmarks`` renders their reports.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``benchmarks/<name>.py`` as a module."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(f"bench_smoke_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered as an import would be: dataclasses look their module up while being built.
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def document(monkeypatch: pytest.MonkeyPatch, name: str, data: Any) -> str:
    """The benchmarks document with only ``name``'s figures in it."""
    main = load("__main__", monkeypatch)
    outcome = {"command": f"python benchmarks/{name}.py --json", "data": data}
    return str(
        main.document(
            {
                "command": "python -m benchmarks",
                "seconds": 1.0,
                "peer": None,
                "machine": main.machine(None),
                "problems": [],
                "outcomes": {name: [{**outcome, "seconds": 1.0, "status": 0}]},
            }
        )
    )


def test_detection_matrix_for_two_faults(monkeypatch: pytest.MonkeyPatch) -> None:
    detection = load("bench_detection", monkeypatch)

    # When the matrix runs for two faults with a tiny budget
    report = detection.run(
        ["auth_not_enforced", "create_returns_200"], examples=2, documents=("generic",)
    )

    # Then close-contract catches both (one through its baseline) and is silent when faithful
    rows = {row["fault"]: row for row in report["rows"]}
    assert list(rows) == ["faithful", "auth_not_enforced", "create_returns_200"]
    assert not rows["faithful"]["toolkit"]["detected"]
    caught = rows["auth_not_enforced"]["toolkit"]
    assert "auth_enforced" in caught["checks"]
    assert 0 < caught["requests_to_first"] <= caught["requests"]
    assert not rows["create_returns_200"]["toolkit"]["detected"]
    baseline = {row["fault"]: row["toolkit+baseline"] for row in report["baseline_rows"]}
    assert not baseline["faithful"]["detected"]
    assert baseline["create_returns_200"]["checks"] == ["status_regression"]
    assert report["ok"], report["missed_by_toolkit"]
    # ...schemathesis ran on the committed document, and a finding has its first request
    plain = rows["auth_not_enforced"]["schemathesis:generic"]
    assert plain["requests"] > 0
    assert plain["detected"] == (plain["requests_to_first"] is not None)
    # ...and both the script's table and the document show every row
    assert detection.render(report).count("\n| `") == 5
    text = document(monkeypatch, "detection", report)
    assert "| `create_returns_200`, close-contract with a baseline | status_regression (" in text
    assert "| **faults detected** | **1 / 2** |" in text  # the documented layer's count


def test_throughput_with_tiny_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    throughput = load("bench_throughput", monkeypatch)

    report = throughput.run(1, examples=1, st_examples=3)

    assert report["toolkit"]["cases"] > 0
    assert report["toolkit"]["requests_per_second"] > 0
    assert report["schemathesis"]["requests"] > 0
    assert report["ratio"] == report["ratios"][0] > 0
    assert 0 < report["toolkit_profile"]["HTTP round trips (the emulator's work included)"] < 1
    assert "ratio (requests/s)" in throughput.render(report)
    assert f"**{report['ratio']:.2f}x**" in document(monkeypatch, "throughput", report)


def test_network_with_tiny_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    network = load("bench_network", monkeypatch)

    # When a flaky network serves one short run (retry waits cut to nothing), and a calm
    # and a slow one serve one each
    report = network.run(
        shares=(0.3,), seeds=(1,), examples=1, latencies=(0.0, 0.01), max_retry_sleep=0.0
    )

    # Then the flaky run breaks no contract and leaves nothing behind, and the checks hold
    assert report["ok"], report["problems"]
    (flaky,) = report["runs"]
    assert flaky["exit_code"] in (0, 3) and flaky["retried"] > 0
    assert not any(flaky["rows_left"].values()) and not flaky["leftovers"]
    assert report["shares"][0]["runs"] == 1
    # ...the calm run retried nothing and the slow one waited for its answers
    calm, slow = report["latency_runs"]
    assert calm["exit_code"] == 0 and calm["retried"] == calm["inconclusive"] == 0
    # (its workers overlap many round trips; discovery's and the setup's, some twenty,
    # come one after another whatever the number of workers)
    assert slow["requests"] > 0 and slow["seconds"] - calm["seconds"] >= 20 * 0.01
    assert report["latency"][1]["ratio_to_round_trips"] > 0
    assert report["latency"][0]["ratio_to_round_trips"] is None
    # ...and both the script's summary and the document show every row
    assert network.render(report).endswith("ok")
    text = document(monkeypatch, "network", report)
    assert "## Network faults: chaos and latency" in text
    assert "| 30% | 1 | " in text and "| 10 ms | " in text
    assert "No run exited 1" in text


def test_speed_with_tiny_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    speed = load("bench_speed", monkeypatch)

    # When a slow, rate-limited emulator serves short runs, and schemathesis a few examples
    report = speed.measure(
        latency=0.01,
        rate=200,
        requests=110,
        workers=[2],
        st_workers=[1],
        st_examples=2,
        embedded_workers=[1, 2],
        rounds=1,
        examples=1,
    )

    # Then every figure is there: the default workers' run first, paced without a 429
    default, off, two = report["pacing"]
    assert default["chosen"] and not two["chosen"] and two["workers"] == 2
    assert default["throttled"] == 0 and default["violations"] == 0
    # ...the default once more without the stateful phase, which sent nothing then
    assert off["chosen"] and not off["stateful"] and off["stateful_requests"] == 0
    assert default["stateful_requests"] > 0 and off["requests"] < default["requests"]
    assert default["ratio"] >= 0.9  # nothing beats the floor by more than the probes' share
    assert report["throughput"]["ratio"] > 0 and len(report["throughput"]["schemathesis"]) == 2
    assert [row["workers"] for row in report["embedded"]] == [1, 2]
    assert report["cpu"]["cpu_ms_per_case"] > 0 and report["cpu"]["profile"]
    # ...and the document shows them
    text = document(monkeypatch, "speed", report)
    assert "## Speed on a slow network" in text
    assert "### A run against its floor" in text and "### The engine's CPU per case" in text
    flat = " ".join(text.split())
    assert "(default, stateful phase off)" in flat and "are the stateful phase's" in flat


def test_detection_of_lossy_echoes_with_the_stateful_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    detection = load("bench_detection", monkeypatch)

    # When the quick matrix runs on a lossy-echo fault, per-type document only
    faults = ["truncates_long_text"]
    report = detection.run(faults, examples=3, documents=("per-type",), with_baseline=False)

    # Then close-contract finds it within a counted number of requests, silent when faithful
    rows = {row["fault"]: row for row in report["rows"]}
    assert list(rows) == ["faithful", *faults]
    assert not rows["faithful"]["toolkit"]["detected"]
    for fault in faults:
        found = rows[fault]["toolkit"]
        assert {"echo_conformance", "read_after_create"} & set(found["checks"]), found
        assert 0 < found["requests_to_first"] <= found["requests"]
    first = report["first_detection"]["toolkit"]["median"]
    assert first is not None and first > 0
    # ...and schemathesis's stateful phase followed its links on every row
    assert all(row["schemathesis:per-type"]["stateful_requests"] > 0 for row in rows.values())
    assert "Median requests until the first detection" in document(monkeypatch, "detection", report)
    assert report["ok"], report["missed_by_toolkit"]


def test_only_runs_the_named_benchmarks_again_over_saved_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    main = load("__main__", monkeypatch)
    ran: list[str] = []
    monkeypatch.setattr(main.Bench, "run", lambda self, name, args: ran.append(name))
    saved = {
        "command": "python -m benchmarks",
        "seconds": 60.0,
        "peer": None,
        "machine": main.machine(None),
        "problems": ["memory: `x` exited 1", "speed: `y` exited 1"],
        "outcomes": {
            name: [{"command": name, "data": {}, "seconds": 1.0, "status": 0}]
            for name in ("memory", "speed")
        },
    }

    # When only the memory benchmark runs again over saved figures
    results = main.measure(["memory"], saved)

    # Then it alone ran, its old figures and problem went, the others' stayed
    assert ran == ["memory"]
    assert list(results["outcomes"]) == ["speed"]
    assert results["problems"] == ["speed: `y` exited 1"]
    assert results["seconds"] >= 60.0
    (again,) = results["machine"]["again"]
    assert again.startswith("run again with `--only memory` on ")
    # ...and --only without saved figures, or with an unknown name, is a usage error
    for argv in (["--only", "memory"], ["--only", "nope", "--from-results", "r.json"]):
        with pytest.raises(SystemExit) as refused:
            main.main(argv)
        assert refused.value.code == 2
