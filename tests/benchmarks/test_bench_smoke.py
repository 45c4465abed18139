"""The benchmarks keep working: each runs with its smallest sizes and writes its table.

Each benchmark module is loaded from the ``benchmarks/`` folder by its path (its sibling
helpers importable, as when it runs as a script) and driven through its Python function
with the smallest sizes; the document writer of ``python -m benchmarks`` renders their
reports. What the figures are (how fast, how much slower on a slow network) is each
benchmark's to measure: nothing here depends on how busy the machine is.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

# Each test runs the product through a benchmark loaded by its path, which the rule of
# tests/conftest.py cannot follow.
pytestmark = pytest.mark.e2e

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(autouse=True)
def _elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The benchmarks' runs journal into the working directory's ``.close-contract``, as a
    user's would: here, a directory of the test's own, not the checkout."""
    monkeypatch.chdir(tmp_path)


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


def test_detection_matrix_with_its_baseline_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    detection = load("bench_detection", monkeypatch)

    # When the matrix runs for one fault that only a baseline sees, with the smallest budget
    # (one example, no stateful phase, schemathesis on the per-type document)
    report = detection.run(
        ["create_returns_200"], examples=1, documents=("per-type",), stateful_runs=0
    )

    # Then close-contract is silent where the documents allow both answers, its baseline
    # catches the fault, and nothing is reported on the faithful emulator
    rows = {row["fault"]: row for row in report["rows"]}
    assert list(rows) == ["faithful", "create_returns_200"]
    assert not rows["faithful"]["toolkit"]["detected"]
    assert not rows["create_returns_200"]["toolkit"]["detected"]
    baseline = {row["fault"]: row["toolkit+baseline"] for row in report["baseline_rows"]}
    assert not baseline["faithful"]["detected"]
    assert baseline["create_returns_200"]["checks"] == ["status_regression"]
    found = baseline["create_returns_200"]
    assert 0 < found["requests_to_first"] <= found["requests"]
    assert report["ok"], report["missed_by_toolkit"]
    # ...schemathesis ran, and a finding has its first request
    for row in rows.values():
        theirs = row["schemathesis:per-type"]
        assert theirs["requests"] > 0
        assert theirs["detected"] == (theirs["requests_to_first"] is not None)
    # ...and both the script's table and the document show every row
    assert detection.render(report).count("\n| `") == 4
    text = document(monkeypatch, "detection", report)
    assert "| `create_returns_200`, close-contract with a baseline | status_regression (" in text


def test_throughput_with_tiny_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    throughput = load("bench_throughput", monkeypatch)

    report = throughput.run(1, examples=1, st_examples=1, stateful_runs=0, warm_up=False)

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
        shares=(0.3,),
        seeds=(1,),
        examples=1,
        latencies=(0.0, 0.01),
        max_retry_sleep=0.0,
        stateful_runs=0,
    )

    # Then the flaky run breaks no contract and leaves nothing behind, and the checks hold
    assert report["ok"], report["problems"]
    (flaky,) = report["runs"]
    assert flaky["exit_code"] in (0, 3) and flaky["retried"] > 0
    assert not any(flaky["rows_left"].values()) and not flaky["leftovers"]
    assert report["shares"][0]["runs"] == 1
    # ...the calm run retried nothing, and both latency runs have their row (how much
    # longer the slow one took is the benchmark's figure, not a property of a busy machine)
    calm, slow = report["latency_runs"]
    assert calm["exit_code"] == 0 and calm["retried"] == calm["inconclusive"] == 0
    assert slow["exit_code"] == 0 and slow["requests"] > 0
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

    # When a slow, rate-limited emulator serves short runs (one example, one sequence of the
    # stateful phase), and schemathesis one example
    report = speed.measure(
        latency=0.005,
        rate=1000,
        requests=110,
        workers=[],
        st_workers=[1],
        st_examples=1,
        embedded_workers=[1],
        rounds=1,
        examples=1,
        stateful_runs=1,
    )

    # Then every figure is there: the default workers' run first, paced without a 429
    default, off = report["pacing"]
    assert default["chosen"] and default["throttled"] == 0 and default["violations"] == 0
    # ...the default once more without the stateful phase, which sent nothing then
    assert off["chosen"] and not off["stateful"] and off["stateful_requests"] == 0
    assert default["stateful_requests"] > 0 and off["requests"] < default["requests"]
    assert report["throughput"]["ratio"] > 0 and len(report["throughput"]["schemathesis"]) == 2
    assert [row["workers"] for row in report["embedded"]] == [1]
    assert report["cpu"]["cpu_ms_per_case"] > 0 and report["cpu"]["profile"]
    # ...and the document shows them
    text = document(monkeypatch, "speed", report)
    assert "## Speed on a slow network" in text
    assert "### A run against its floor" in text and "### The engine's CPU per case" in text
    flat = " ".join(text.split())
    assert "(default, stateful phase off)" in flat and "are the stateful phase's" in flat


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
