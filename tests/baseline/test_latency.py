"""The latency baseline on hand-made answer times: percentiles, the grading (a factor and a
floor, both needed), what is not compared, and the file beside the shape baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contract.baseline import (
    BASELINE_FILE,
    LATENCY_FILE,
    MIN_SAMPLES,
    LatencyBaseline,
    LatencyChange,
    LatencySampler,
    Percentiles,
    compare_latency,
    is_slower,
    latency_file,
    load_latency,
    operation_of,
    percentile,
    write_latency,
)
from contract.errors import CassetteError

ID = "custobj_" + "a" * 20


def times(count: int, start: float = 1.0) -> list[float]:
    """``count`` answer times in ms: start, start + 1, ..."""
    return [start + n for n in range(count)]


def baseline(**operations: Percentiles) -> LatencyBaseline:
    return LatencyBaseline(target="emulator", operations=dict(operations))


# --- percentiles ----------------------------------------------------------------------


def test_the_nearest_rank_percentile_is_one_of_the_samples() -> None:
    hundred = times(100)
    assert percentile(hundred, 0.95) == 95
    assert percentile(hundred, 0.50) == 50
    assert percentile(hundred, 1.0) == 100
    # Thirty samples: the 95th percentile is the 29th smallest (ceil(28.5)), the median the 15th
    thirty = times(30)
    assert (percentile(thirty, 0.95), percentile(thirty, 0.5)) == (29, 15)
    # The order samples came in does not matter; one sample is every percentile
    assert percentile(list(reversed(thirty)), 0.95) == 29
    assert percentile([7.5], 0.95) == percentile([7.5], 0.01) == 7.5


@pytest.mark.parametrize(("samples", "share"), [([], 0.5), ([1.0], 0.0), ([1.0], 1.5)])
def test_a_percentile_of_nothing_or_past_the_range_is_refused(
    samples: list[float], share: float
) -> None:
    with pytest.raises(ValueError):
        percentile(samples, share)


def test_percentiles_are_kept_from_thirty_answers_only() -> None:
    assert MIN_SAMPLES == 30
    assert Percentiles.of(times(29)) == Percentiles(29)
    assert not Percentiles.of(times(29)).comparable
    # A slow tail shows in the p95, not in the median
    answers = [*times(27), 500.0, 600.0, 700.0]
    kept = Percentiles.of(answers)
    assert (kept.count, kept.p50_ms, kept.p95_ms) == (30, 15.0, 600.0)
    assert kept.comparable


# --- the grading ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "slower"),
    [
        (10.0, 150.0, True),  # x15 and +140 ms: both
        (10.0, 90.0, False),  # x9 but only +80 ms: the floor holds it back
        (300.0, 500.0, False),  # +200 ms but only x1.7: the factor holds it back
        (300.0, 601.0, True),  # x2.003 and +301 ms
        (300.0, 600.0, False),  # exactly x2 is not past the factor
        (0.0, 100.0, False),  # from nothing, but exactly +100 ms is not past the floor
    ],
)
def test_slower_takes_the_factor_and_the_floor_both(old: float, new: float, slower: bool) -> None:
    assert is_slower(old, new, factor=2.0, floor_ms=100.0) is slower


def test_an_operation_is_flagged_only_past_both_with_enough_answers_on_each_side() -> None:
    # Given a baseline with every operation timed, update too few times
    old = baseline(
        create=Percentiles.of(times(40, start=5)),  # p95 42 ms
        retrieve=Percentiles.of(times(40, start=5)),
        list=Percentiles.of(times(40, start=5)),
        update=Percentiles.of(times(12, start=5)),
        delete=Percentiles.of(times(40, start=5)),
    )
    # When a run's create got 300 ms slower, its retrieve 40 ms slower, and its delete was
    # timed 20 times only (list not at all)
    new = {
        "create": Percentiles.of(times(40, start=305)),
        "retrieve": Percentiles.of(times(40, start=45)),
        "update": Percentiles.of(times(40, start=900)),
        "delete": Percentiles.of(times(20, start=900)),
    }
    changes = {c.operation: c for c in compare_latency(old, new, factor=2.0, floor_ms=100.0)}

    # Then only create is slower: retrieve grew x2 but not by the floor
    assert list(changes) == ["create", "retrieve", "list", "update", "delete"]
    assert [op for op, c in changes.items() if c.slower] == ["create"]
    assert changes["retrieve"].not_compared is None and not changes["retrieve"].slower
    # ...and each operation short of answers says which side and how many
    assert changes["update"].not_compared == "12 samples in the baseline, 30 needed"
    assert changes["delete"].not_compared == "20 samples in this run, 30 needed"
    assert changes["list"].not_compared == "0 samples in this run, 30 needed"
    assert not any(c.slower for c in changes.values() if c.not_compared)
    assert changes["create"].line == (
        "create: p95 342.0 ms, was 42.0 ms (x8.1, +300.0 ms; p50 324.0 ms, was 24.0 ms)"
    )
    assert changes["update"].line == ("update: not compared: 12 samples in the baseline, 30 needed")


def test_the_factor_and_floor_are_the_callers() -> None:
    old = baseline(create=Percentiles.of(times(40, start=5)))
    new = {"create": Percentiles.of(times(40, start=45))}  # +40 ms, x1.95
    assert not compare_latency(old, new)[0].slower
    assert compare_latency(old, new, factor=1.5, floor_ms=20)[0].slower


def test_an_operation_only_this_run_timed_is_not_compared() -> None:
    (change,) = compare_latency(baseline(), {"update": Percentiles.of(times(30))})
    assert change == LatencyChange(
        "update",
        None,
        Percentiles.of(times(30)),
        not_compared="0 samples in the baseline, 30 needed",
    )


# --- sampling -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "custom_object/", "create"),
        ("GET", "custom_object/", "list"),
        ("GET", f"custom_object/{ID}/", "retrieve"),
        ("put", f"/api/v1/custom_object/{ID}/", "update"),
        ("DELETE", "custom_object/custobj_made_up/", "delete"),
        ("GET", "me/", None),
        ("POST", "lead/", None),
        ("PATCH", f"custom_object/{ID}/", None),
        ("GET", "custom_object_type/", None),
    ],
)
def test_operations_are_the_custom_object_endpoints(
    method: str, path: str, operation: str | None
) -> None:
    assert operation_of(method, path) == operation


def test_the_sampler_keeps_milliseconds_per_operation() -> None:
    sampler = LatencySampler()
    for n in range(MIN_SAMPLES):
        sampler.observe("GET", f"custom_object/{ID}/", (n + 1) / 1000)
    sampler.observe("POST", "custom_object/", 0.25)
    sampler.observe("GET", "me/", 9.0)  # not an operation under test
    sampler.observe("PUT", f"custom_object/{ID}/", float("nan"))  # not a time

    assert sampler.samples("create") == (250.0,)
    assert sampler.samples("update") == ()
    kept = sampler.percentiles()
    assert list(kept) == ["create", "retrieve"]
    assert kept["create"] == Percentiles(1)
    assert (kept["retrieve"].p50_ms, kept["retrieve"].p95_ms) == (15.0, 29.0)
    built = sampler.build("emulator", workers=3)
    assert (built.target, built.workers, built.operations) == ("emulator", 3, kept)


# --- the file -------------------------------------------------------------------------


def test_the_file_sits_beside_the_baseline_and_reads_back(tmp_path: Path) -> None:
    latency = LatencyBaseline(
        target="live",
        operations={"create": Percentiles.of(times(30)), "update": Percentiles(4)},
        workers=8,
    )
    # Beside a baseline file, named after it; in a recording's directory, beside baseline.json
    assert latency_file(tmp_path / "prod.json") == tmp_path / "prod.latency.json"
    assert latency_file(tmp_path) == tmp_path / LATENCY_FILE
    assert LATENCY_FILE == "baseline.latency.json" and BASELINE_FILE == "baseline.json"

    written = write_latency(tmp_path / "prod.json", latency)
    assert written == tmp_path / "prod.latency.json"
    assert load_latency(tmp_path / "prod.json") == latency
    data = json.loads(written.read_text("utf-8"))
    assert (data["kind"], data["version"], data["min_samples"]) == ("latency", 1, 30)
    assert data["operations"]["update"] == {"count": 4, "p50_ms": None, "p95_ms": None}
    # A baseline without one (recorded before, or from a replay) has none: not an error
    assert load_latency(tmp_path / "other.json") is None
    assert load_latency(tmp_path) is None


def good_file() -> dict[str, Any]:
    return LatencyBaseline(target="x", operations={"create": Percentiles.of(times(30))}).to_dict()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: "[]", "not a latency baseline"),
        (lambda d: json.dumps({**d, "kind": "baseline"}), "not a latency baseline"),
        (lambda d: json.dumps({**d, "version": 9}), "format 9 is not supported"),
        (lambda d: json.dumps({**d, "endpoint": "lead"}), "for endpoint 'lead'"),
        (lambda d: json.dumps({**d, "workers": 0}), "'workers'"),
        (lambda d: json.dumps({**d, "operations": {"patch": {"count": 1}}}), "'patch'"),
        (
            lambda d: json.dumps({**d, "operations": {"create": {"count": 30, "p95_ms": -1}}}),
            "operations['create']",
        ),
        (lambda d: "{nope", "invalid JSON"),
    ],
)
def test_a_broken_file_is_one_line_naming_it(tmp_path: Path, change: Any, says: str) -> None:
    file = tmp_path / LATENCY_FILE
    file.write_text(change(good_file()), "utf-8")
    with pytest.raises(CassetteError) as raised:
        load_latency(tmp_path)
    assert str(file) in str(raised.value) and says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_percentiles_of_too_few_answers_in_a_file_are_not_believed(tmp_path: Path) -> None:
    data = good_file()
    data["operations"]["create"] = {"count": 5, "p50_ms": 1.0, "p95_ms": 2.0}
    (tmp_path / LATENCY_FILE).write_text(json.dumps(data), "utf-8")
    loaded = load_latency(tmp_path)
    assert loaded is not None and loaded.operations["create"] == Percentiles(5)
