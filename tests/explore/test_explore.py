"""contract.explore: the notebooks' helpers, tested without a notebook."""

from __future__ import annotations

import base64
import copy
import inspect
import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

import contract
from contract import explore
from contract.baseline import Baseline, compare_baselines, load_baseline
from contract.errors import ConfigurationError, ContractViolation, Regression
from contract.events import (
    CaseFinished,
    CleanupFinished,
    Event,
    PhaseFinished,
    PhaseStarted,
    RunFinished,
    RunStarted,
    Summary,
)
from strategies import Case, mutation_targets

TYPE_ID = "cotype_" + "T" * 22
LEAD = "lead_" + "L" * 43
KEY = "api_explore_secret_key"
SUCCESS = frozenset(range(200, 300))


def cf(tag: str) -> str:
    return "cf_" + tag.ljust(43, "0")


TYPE = {"id": TYPE_ID, "name": "Gadget"}
FIELDS = [
    {
        "id": cf("serial"),
        "name": "Serial",
        "type": "text",
        "custom_object_type_id": TYPE_ID,
        "required": True,
        "accepts_multiple_values": False,
    },
    {
        "id": cf("tier"),
        "name": "Tier",
        "type": "choices",
        "choices": ["Gold", "Silver"],
        "custom_object_type_id": TYPE_ID,
        "required": False,
        "accepts_multiple_values": False,
    },
]
REFS = {"lead": [LEAD]}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return contract.request_schema_for(TYPE, FIELDS)


def a_case(**changes: Any) -> Case:
    base = Case(
        payload={"custom_object_type_id": TYPE_ID, "lead_id": LEAD, "name": "x"},
        mutation=None,
        reason="valid",
        expected_statuses=SUCCESS,
    )
    return replace(base, **changes)


# --- deterministic examples ---------------------------------------------------------------


def test_draw_examples_is_deterministic_per_seed() -> None:
    first = explore.draw_examples(st.integers(), 8, seed=3)
    assert len(first) == 8
    assert explore.draw_examples(st.integers(), 8, seed=3) == first
    assert explore.draw_examples(st.integers(), 8, seed=4) != first


def test_draw_examples_returns_fewer_when_the_strategy_runs_out() -> None:
    assert sorted(explore.draw_examples(st.booleans(), 5)) == [False, True]
    assert explore.draw_examples(st.integers().filter(lambda _: False), 3) == []
    assert explore.draw_examples(st.integers(), 0) == []


def test_draw_examples_rejects_a_negative_count() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        explore.draw_examples(st.integers(), -1)


def test_draw_cases_covers_every_mutation_target_in_order(schema: dict[str, Any]) -> None:
    cases = explore.draw_cases(schema, references=REFS, valid=2, per_mutation=1, seed=0)

    valid, invalid = cases[:2], cases[2:]
    assert all(case.mutation is None for case in valid)
    assert [(case.mutation, case.target) for case in invalid] == mutation_targets(schema)
    validator = contract.validator_for(schema)
    assert all(validator.is_valid(case.payload) for case in valid)
    assert explore.draw_cases(schema, references=REFS, valid=2, seed=0) == cases


def test_draw_cases_needs_the_references_of_valid_payloads(schema: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="lead"):
        explore.draw_cases(schema, references={}, valid=1)


# --- cases and requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "text"),
    [
        (SUCCESS, "2xx"),
        (SUCCESS | {400}, "2xx / 400"),
        ({404, 400}, "400 / 404"),
        ({200, 201}, "200 / 201"),
        ((), ""),
    ],
)
def test_format_statuses(statuses: Any, text: str) -> None:
    assert explore.format_statuses(statuses) == text


def test_payload_excerpt_shows_the_exact_body_shortened() -> None:
    case = a_case()
    assert explore.payload_excerpt(case, width=500) == case.request_body().decode()
    short = explore.payload_excerpt(case, width=20)
    assert len(short) == 20 and short.endswith("…")
    raw = a_case(payload=None, body=b"\xff{not json", mutation="body_malformed_json")
    assert explore.payload_excerpt(raw) == "\ufffd{not json"


def test_cases_frame_has_one_row_per_case(schema: dict[str, Any]) -> None:
    cases = explore.draw_cases(schema, references=REFS, valid=1)
    frame = explore.cases_frame(cases)

    assert list(frame.columns) == ["kind", "mutation", "target", "reason", "expected", "payload"]
    assert len(frame) == len(cases)
    assert frame.loc[0, "kind"] == "valid" and frame.loc[0, "mutation"] is None
    assert frame.loc[0, "expected"] == "2xx"
    kinds = dict(zip(frame["mutation"], frame["kind"], strict=True))
    assert kinds["auth_missing"] == "auth" and kinds["required_missing"] == "invalid"


def test_request_for_sends_the_case_as_a_run_does() -> None:
    case = a_case()
    request = explore.request_for(case, "http://127.0.0.1:9/api/v1/", KEY)

    assert request.method == "POST"
    assert str(request.url) == "http://127.0.0.1:9/api/v1/custom_object/"
    assert request.content == case.request_body()
    assert request.headers["content-type"] == "application/json"
    expected = base64.b64encode(f"{KEY}:".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    bearer = explore.request_for(case, "http://h/api/v1", KEY, auth_scheme="bearer")
    assert bearer.headers["authorization"] == f"Bearer {KEY}"


def test_request_for_lets_auth_cases_bring_their_own_credentials() -> None:
    own = a_case(
        mutation="auth_malformed",
        headers=(("authorization", "Basic !!"),),
        send_credentials=False,
    )
    request = explore.request_for(own, "http://h/api/v1", KEY)
    assert request.headers.get_list("authorization") == ["Basic !!"]

    bare = a_case(mutation="auth_missing", send_credentials=False, content_type=None)
    request = explore.request_for(bare, "http://h/api/v1", KEY)
    assert "authorization" not in request.headers
    assert "content-type" not in request.headers


def echo_transport(request: httpx.Request) -> httpx.Response:
    # The answer quotes the credentials back, as a careless server might.
    body = {"seen": request.headers.get("authorization"), "key": KEY, "text": "y" * 300}
    return httpx.Response(400, json=body)


def test_exchange_record_is_flat_and_redacted() -> None:
    with httpx.Client(transport=httpx.MockTransport(echo_transport)) as client:
        response = client.send(explore.request_for(a_case(), "http://h/api/v1", KEY))
    record = explore.exchange_record(response, secrets=[KEY], width=60)

    assert record["request"] == "POST /api/v1/custom_object/"
    assert record["authorization"] == "Basic [REDACTED]"
    assert record["status"] == 400
    assert record["response_type"] == "application/json"
    assert len(record["response_body"]) == 60
    assert KEY not in json.dumps(record)
    encoded = base64.b64encode(f"{KEY}:".encode()).decode()
    assert encoded.rstrip("=") not in json.dumps(record)
    # A mock answer is never streamed, so httpx measured no elapsed time for it.
    assert record["elapsed_ms"] is None


def test_exchanges_frame_is_one_row_per_response() -> None:
    with httpx.Client(transport=httpx.MockTransport(echo_transport)) as client:
        responses = [
            client.send(explore.request_for(case, "http://h/api/v1", KEY))
            for case in (a_case(), a_case(mutation="auth_missing", send_credentials=False))
        ]
    frame = explore.exchanges_frame(responses, secrets=[KEY])
    assert list(frame["status"]) == [400, 400]
    assert frame.loc[1, "authorization"] is None
    assert KEY not in frame.to_json()


# --- runs -----------------------------------------------------------------------------------


def finished(
    phase: str,
    statuses: tuple[int, ...],
    *,
    mutation: str | None = None,
    elapsed: float = 0.01,
    violations: tuple[ContractViolation, ...] = (),
) -> CaseFinished:
    case = None if phase == "probes" else {"mutation": mutation, "target": None}
    return CaseFinished(
        phase=phase,
        label=f"{phase} {mutation}",
        type_id=None if phase == "probes" else TYPE_ID,
        case=case,
        requests=len(statuses),
        statuses=statuses,
        elapsed=elapsed,
        violations=violations,
    )


def answer(status: int, elapsed: float = 0.01) -> dict[str, Any]:
    """The ``response`` summary a check attaches to a violation."""
    return {"status": status, "response_body": "{}", "elapsed": elapsed, "attempts": 1}


BROKEN = ContractViolation(
    check="status_conformance",
    title="answered 201, expected 400",
    request={"method": "POST", "path": "/api/v1/custom_object/"},
    response=answer(201),
)
EVENTS: list[Event] = [
    RunStarted("emulator", "http://h/api/v1", 0, (TYPE_ID,)),
    PhaseStarted("valid"),
    finished("valid", (201, 200, 200, 204, 404), elapsed=0.05),
    finished("valid", (201, 200, 200, 204, 404), elapsed=0.03),
    PhaseFinished("valid"),
    PhaseStarted("invalid"),
    finished("invalid", (400,), mutation="required_missing"),
    finished("invalid", (201,), mutation="choice_not_allowed", violations=(BROKEN,)),
    finished("invalid", (401,), mutation="auth_missing"),
    PhaseFinished("invalid"),
    finished("probes", (404, 404, 404)),
    finished("baseline", ()),
    CleanupFinished(2),
    RunFinished(Summary(cases=7, requests=16, violations=1), (BROKEN,)),
]


def test_case_kind_names_the_phase_and_the_mutation() -> None:
    kinds = [explore.case_kind(e) for e in EVENTS if isinstance(e, CaseFinished)]
    assert kinds == [
        "valid",
        "valid",
        "invalid:required_missing",
        "invalid:choice_not_allowed",
        "invalid:auth_missing",
        "probes",
        "baseline",
    ]


def test_events_frame_keeps_finished_cases_in_run_order() -> None:
    frame = explore.events_frame(iter(EVENTS))

    assert len(frame) == 7
    assert list(frame["phase"].unique()) == ["valid", "invalid", "probes", "baseline"]
    failing = frame[~frame["passed"]]
    assert list(failing["checks"]) == ["status_conformance"]
    assert list(failing["violations"]) == [1]
    assert frame.loc[5, "type_id"] is None and frame.loc[5, "mutation"] is None
    assert frame.loc[0, "statuses"] == (201, 200, 200, 204, 404)


def test_events_frame_lists_the_status_of_each_violating_answer() -> None:
    frame = explore.events_frame(EVENTS)

    assert frame.loc[3, "violating"] == (201,)
    assert all(marked == () for marked in frame.loc[frame["passed"], "violating"])


def test_violating_answers_are_counted_once_and_never_more_than_received() -> None:
    request = {"method": "PUT", "path": "/api/v1/custom_object/x/"}
    first, second = answer(200, elapsed=0.1), answer(200, elapsed=0.2)

    def flagged(check: str, response: dict[str, Any] | None) -> ContractViolation:
        return ContractViolation(check=check, title="t", request=request, response=response)

    same_answer_twice = (flagged("echo_conformance", first), flagged("update_conformance", first))
    two_answers = (flagged("echo_conformance", first), flagged("echo_conformance", second))
    # A regression found when the baselines are compared concerns no single answer.
    no_answer = (Regression(check="status_regression", title="valid:create"),)
    events = [
        finished("valid", (201, 200, 200), violations=same_answer_twice),
        finished("valid", (201, 200, 200), violations=two_answers),
        finished("valid", (201, 200), violations=two_answers),
        finished("baseline", (), violations=no_answer),
    ]

    frame = explore.events_frame(events)

    assert list(frame["violating"]) == [(200,), (200, 200), (200,), ()]
    counts = explore.status_counts(frame, violating=True)
    assert counts.loc["valid", 200] == 4 and counts.loc["valid", 201] == 0


def test_status_counts_of_violating_answers_line_up_with_all_answers() -> None:
    frame = explore.events_frame(EVENTS)
    every = explore.status_counts(frame)
    marked = explore.status_counts(frame, violating=True)

    assert list(marked.index) == list(every.index)
    assert list(marked.columns) == list(every.columns)
    assert int(marked.to_numpy().sum()) == 1
    assert marked.loc["invalid:choice_not_allowed", 201] == 1
    assert (marked <= every).to_numpy().all()
    # A frame made before the column existed has nothing to mark.
    older = frame.drop(columns="violating")
    assert int(explore.status_counts(older, violating=True).to_numpy().sum()) == 0


def test_events_frame_of_no_events_has_the_columns() -> None:
    frame = explore.events_frame([])
    assert frame.empty and "kind" in frame.columns


def test_phase_summary_totals_each_phase_in_run_order() -> None:
    summary = explore.phase_summary(explore.events_frame(EVENTS))

    assert list(summary.index) == ["valid", "invalid", "probes", "baseline"]
    assert summary.loc["valid", "cases"] == 2
    assert summary.loc["valid", "requests"] == 10
    assert summary.loc["invalid", "failed"] == 1
    assert summary.loc["invalid", "violations"] == 1
    assert summary.loc["valid", "median_ms"] == pytest.approx(40.0)
    assert summary.loc["valid", "p95_ms"] == pytest.approx(50.0)


def test_status_counts_tabulates_responses_per_kind() -> None:
    counts = explore.status_counts(explore.events_frame(EVENTS))

    assert list(counts.index)[:2] == ["valid", "invalid:required_missing"]
    assert "baseline" not in counts.index  # it sent no request
    assert list(counts.columns) == [200, 201, 204, 400, 401, 404]
    assert counts.loc["valid", 200] == 4
    assert counts.loc["probes", 404] == 3
    assert counts.loc["invalid:choice_not_allowed", 201] == 1
    assert int(counts.to_numpy().sum()) == 16


def test_violations_frame_renders_regressions_readably() -> None:
    removed = Regression(
        check="shape_regression",
        title="GET custom_object/{id}/ 200: key removed at $.date_updated",
        severity="breaking",
        path="$.date_updated",
        old={"type": "string", "format": "datetime+offset"},
        new=None,
    )
    status = Regression(
        check="status_regression", title="valid:create", path="valid:create", old=[201], new=[200]
    )
    frame = explore.violations_frame([BROKEN, removed, status])

    assert list(frame["check"]) == ["status_conformance", "shape_regression", "status_regression"]
    assert frame.loc[0, "path"] is None
    assert frame.loc[1, "old"] == "string[datetime+offset]" and frame.loc[1, "new"] is None
    assert (frame.loc[2, "old"], frame.loc[2, "new"]) == ("201", "200")


def test_events_frame_of_a_real_run_matches_its_summary() -> None:
    events = list(contract.run(contract.Config(examples=1, stateful_runs=0)))
    frame = explore.events_frame(events)
    last = events[-1]

    assert isinstance(last, RunFinished)
    assert len(frame) == last.summary.cases
    assert int(frame["violations"].sum()) == last.summary.violations == 0
    assert {"setup", "valid", "invalid", "probes"} <= set(frame["phase"])


# --- plots ----------------------------------------------------------------------------------


def bars(axes: Axes) -> list[Rectangle]:
    """The axes' patches, each a bar of a histogram."""
    found = list(axes.patches)
    assert all(isinstance(p, Rectangle) for p in found), found
    return [p for p in found if isinstance(p, Rectangle)]


def png_of(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def test_plot_status_codes_stacks_one_colour_per_status() -> None:
    frame = explore.events_frame(EVENTS)
    figure = explore.plot_status_codes(frame)

    assert isinstance(figure, Figure)
    assert isinstance(figure.canvas, FigureCanvasAgg)
    (axes,) = figure.axes
    legend = axes.get_legend()
    assert legend is not None
    statuses = ["200", "201", "204", "400", "401", "404"]
    assert [t.get_text() for t in legend.get_texts()] == [*statuses, "violates the contract (1)"]
    kinds = len(explore.status_counts(frame).index)
    marks = [p for p in axes.patches if p.get_gid() == "violating"]
    # One (possibly empty) segment per kind and status, and one mark per violating segment.
    assert len(axes.patches) == kinds * 6 + len(marks)
    assert png_of(figure).startswith(b"\x89PNG")


def test_plot_status_codes_marks_the_violating_answers() -> None:
    frame = explore.events_frame(EVENTS)
    counts = explore.status_counts(frame)
    (axes,) = explore.plot_status_codes(frame).axes

    (mark,) = [p for p in axes.patches if p.get_gid() == "violating"]
    assert isinstance(mark, Rectangle)
    row = list(counts.index).index("invalid:choice_not_allowed")
    assert mark.get_hatch() == "////"
    assert mark.get_width() == 1
    # Drawn over the 201 segment of its row: after that row's 200s, centred on the row.
    assert mark.get_x() == counts.loc["invalid:choice_not_allowed", 200]
    assert mark.get_y() + mark.get_height() / 2 == row
    labels = {t.get_text(): t for t in axes.get_yticklabels()}
    assert labels["invalid:choice_not_allowed"].get_fontweight() == "bold"
    assert labels["valid"].get_fontweight() == "normal"
    assert [t.get_text() for t in axes.texts] == ["1 violating"]


def test_plot_status_codes_without_violations_has_no_marks() -> None:
    passing = [e for e in EVENTS if not (isinstance(e, CaseFinished) and e.violations)]
    (axes,) = explore.plot_status_codes(explore.events_frame(passing)).axes

    assert not [p for p in axes.patches if p.get_gid() == "violating"]
    legend = axes.get_legend()
    assert legend is not None
    assert all("violates" not in t.get_text() for t in legend.get_texts())
    assert not axes.texts
    empty = explore.plot_status_codes(explore.events_frame([]))
    assert png_of(empty).startswith(b"\x89PNG")


def test_plots_draw_on_given_axes() -> None:
    figure = Figure()
    left, right = figure.subplots(1, 2)
    frame = explore.events_frame(EVENTS)

    assert explore.plot_status_codes(frame, ax=left) is figure
    assert explore.plot_latency(frame, ax=right) is figure
    assert isinstance(right, Axes) and right.get_xlabel() == "case duration (ms)"


def test_plot_latency_histograms_every_case() -> None:
    frame = explore.events_frame(EVENTS)
    figure = explore.plot_latency(frame, bins=5)
    (axes,) = figure.axes

    heights = sum(p.get_height() for p in bars(axes))
    assert heights == len(frame)
    assert png_of(figure).startswith(b"\x89PNG")
    empty = explore.plot_latency(explore.events_frame([]))
    assert png_of(empty).startswith(b"\x89PNG")


def test_plot_latency_spaces_bins_logarithmically_for_a_wide_spread() -> None:
    narrow = explore.events_frame(EVENTS)  # 10 to 50 ms
    wide = explore.events_frame(
        [finished("invalid", (400,), elapsed=0.001), finished("valid", (201,), elapsed=0.9)]
    )

    assert explore.plot_latency(narrow).axes[0].get_xscale() == "linear"
    (axes,) = explore.plot_latency(wide, bins=4).axes
    assert axes.get_xscale() == "log"
    assert sum(p.get_height() for p in bars(axes)) == 2  # both extremes counted
    forced = explore.plot_latency(narrow, log_scale=True)
    assert forced.axes[0].get_xscale() == "log"


# --- shape drift ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording made here, so the drift tests follow the baseline format of this checkout."""
    directory = tmp_path_factory.mktemp("explore") / "recording"
    list(contract.run(contract.Config(examples=1, stateful_runs=0, record=directory)))
    return directory


@pytest.fixture(scope="module")
def recorded(recording: Path) -> Baseline:
    return load_baseline(recording)


def operation(baseline: Baseline, start: str) -> str:
    """The first operation key that starts with ``start`` (keys may name the type after it)."""
    return next(key for key in sorted(baseline.operations) if key.startswith(start))


def drifted(old: Baseline) -> Baseline:
    """``old`` with one change of each kind."""
    operations = copy.deepcopy(old.operations)
    statuses = copy.deepcopy(old.statuses)
    item = operations[operation(old, "GET custom_object/{id}/ 200")]
    del item["keys"]["date_updated"]  # removed
    item["keys"]["name"] = {"type": "number"}  # type change
    item["keys"]["archived"] = {"type": "boolean"}  # added
    created = operation(old, "POST custom_object/ 201")
    operations[created.replace(" 201", " 200", 1)] = operations.pop(created)
    statuses["valid:create"] = [200]
    return replace(old, operations=operations, statuses=statuses, target="drifted")


def test_drift_tree_marks_every_regression(recorded: Baseline) -> None:
    new = drifted(recorded)
    tree = explore.drift_tree(recorded, new)
    marks = {(line.label, line.mark) for line in tree.lines}
    created = operation(recorded, "POST custom_object/ 201")

    # (the create now answered 200 is an operation only the new side reached: additive)
    assert tree.changes == len(compare_baselines(recorded, new)) == 5
    assert {
        ("date_updated", "removed"),
        ("name", "changed"),
        ("archived", "added"),
        ("valid:create", "changed"),
        (created, "only-old"),
        (created.replace(" 201", " 200", 1), "only-new"),
    } <= marks
    text = str(tree)
    assert "-     date_updated  string[datetime+offset]  (removed, breaking)" in text
    assert "~     name  string → number  (type changed, breaking)" in text
    assert "+     archived  boolean  (added, additive)" in text
    assert "~   valid:create  201 → 200  (status changed, breaking)" in text
    assert f"<   {created}  object  (only in old)" in text
    assert f">   {created.replace(' 201', ' 200', 1)}  object  (only in new, additive)" in text


def test_drift_tree_folds_or_hides_what_did_not_change(recorded: Baseline) -> None:
    new = drifted(recorded)
    full = explore.drift_tree(recorded, new)
    focused = explore.drift_tree(recorded, new, show_unchanged=False)

    assert focused.changes == full.changes
    assert len(focused.lines) < len(full.lines)
    deleted = operation(recorded, "DELETE custom_object/{id}/ 204")
    assert (deleted, "unchanged") in {(line.label, line.mark) for line in full.lines}
    # An unchanged operation is one folded line: none of its keys is listed.
    labels = [line.label for line in full.lines]
    listing = labels.index(operation(recorded, "GET custom_object/ 200"))
    assert full.lines[listing].mark == "unchanged"
    assert full.lines[listing + 1].depth <= 1
    unchanged = [line for line in focused.lines if line.mark == "unchanged" and line.depth]
    item = operation(recorded, "GET custom_object/{id}/ 200")
    assert all(line.label == item for line in unchanged)


def test_drift_tree_of_equal_baselines_marks_nothing(recording: Path, recorded: Baseline) -> None:
    tree = explore.drift_tree(recording, str(recording / "baseline.json"), show_unchanged=False)
    assert tree.changes == 0
    assert [line.label for line in tree.lines] == ["statuses", "operations"]
    assert explore.drift_tree(recorded, recorded).changes == 0


def test_drift_tree_renders_escaped_html(recorded: Baseline) -> None:
    tree = explore.drift_tree(recorded, drifted(recorded), show_unchanged=False)
    page = tree._repr_html_()

    assert page == tree.html()
    assert page.startswith('<pre class="close-contract-drift">')
    # Only the removed key is struck through, not its reading.
    assert page.count("line-through") == 1
    assert 'text-decoration:line-through">date_updated</span>' in page
    assert "custom_object/{id}/" in page and "→" in page
    assert "<DriftTree: 5 regressions marked" in repr(tree)


# --- packaging ------------------------------------------------------------------------------


def test_missing_pandas_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ConfigurationError, match=r"cases_frame needs pandas.*\[notebooks\]"):
        explore.cases_frame([a_case()])


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = explore.events_frame(EVENTS)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ConfigurationError, match=r"plot_latency needs matplotlib.*notebooks"):
        explore.plot_latency(frame)


def test_importing_explore_loads_neither_pandas_nor_matplotlib() -> None:
    code = (
        "import sys, contract.explore; "
        "print(any(m in sys.modules for m in ('pandas', 'matplotlib')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_all_is_sorted_documented_and_resolvable() -> None:
    names = explore.__all__
    assert names == sorted(names) and len(set(names)) == len(names)
    for name in names:
        value = getattr(explore, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), f"{name} has no docstring"
    assert {"draw_examples", "events_frame", "drift_tree"} <= set(names)
