"""One test per baseline rule, on hand-made baselines: each difference is classified by its
named rule at its level; and the rule table, echoes and documented headers."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from pathlib import Path
from typing import Any

import pytest

from contract.baseline import (
    LEVELS,
    RULES,
    Baseline,
    DeclaredField,
    Shape,
    compare_baselines,
    documented_headers,
    echo_of,
    header_value,
    merge,
    rule_table,
    shape_of,
)

ROOT = Path(__file__).resolve().parents[2]
OP = "GET custom_object/{id}/ 200 [Event]"
RATE = {"limit": 100, "remaining": 50, "reset": 5}


def answers(*values: Any, times: int = 5) -> Shape:
    """The shape of ``values``, each answered ``times`` times."""
    return reduce(merge, [shape_of(value) for value in values for _ in range(times)])


def baseline(
    *,
    operations: dict[str, Shape] | None = None,
    statuses: dict[str, list[int]] | None = None,
    types: dict[str, dict[str, DeclaredField]] | None = None,
    media_types: dict[str, dict[str, int]] | None = None,
    headers: dict[str, dict[str, Shape]] | None = None,
    echoes: dict[str, dict[str, dict[str, int]]] | None = None,
) -> Baseline:
    return Baseline(
        target="hand-made",
        operations={OP: answers({"a": 1})} if operations is None else operations,
        statuses=statuses or {},
        types=types or {},
        media_types=media_types or {},
        headers=headers or {},
        echoes=echoes or {},
    )


def field(kind: str = "number", **changes: Any) -> DeclaredField:
    return {"type": kind, "multiple": False, "required": False, **changes}


def shapes(old: Shape, new: Shape) -> tuple[Baseline, Baseline]:
    return baseline(operations={OP: old}), baseline(operations={OP: new})


def statuses(old: list[int], new: list[int]) -> tuple[Baseline, Baseline]:
    return baseline(statuses={"valid:create": old}), baseline(statuses={"valid:create": new})


def types(old: DeclaredField | None, new: DeclaredField | None) -> tuple[Baseline, Baseline]:
    before = {} if old is None else {"custom.Seats": old}
    after = {} if new is None else {"custom.Seats": new}
    return baseline(types={"Event": before}), baseline(types={"Event": after})


def rate_limit(old: Shape | None, new: Shape | None, count: int = 5) -> tuple[Baseline, Baseline]:
    body = answers({"a": 1}, times=count)
    sides = [
        baseline(operations={OP: body}, headers={OP: {"RateLimit": h}} if h else {})
        for h in (old, new)
    ]
    return sides[0], sides[1]


def echoed(old: dict[str, int], new: dict[str, int]) -> tuple[Baseline, Baseline]:
    return (
        baseline(echoes={OP: {"custom.Seats": old}}),
        baseline(echoes={OP: {"custom.Seats": new}}),
    )


# Each rule and a pair of baselines that shows exactly one difference of it.
CASES: dict[str, Callable[[], tuple[Baseline, Baseline]]] = {
    "response-body-type-changed": lambda: shapes(answers({"a": 1}), {"type": "empty", "count": 5}),
    "response-property-removed": lambda: shapes(answers({"a": 1, "b": "x"}), answers({"a": 1})),
    "response-optional-property-removed": lambda: shapes(
        answers({"a": 1, "b": 2}, {"a": 1}), answers({"a": 1}, times=20)
    ),
    "response-property-added": lambda: shapes(answers({"a": 1}), answers({"a": 1, "c": True})),
    "response-property-type-changed": lambda: shapes(answers({"a": 1}), answers({"a": "1"})),
    "response-number-became-non-integer": lambda: shapes(
        answers({"a": 1}, times=30), answers({"a": 2.5})
    ),
    "response-property-format-changed": lambda: shapes(
        answers({"a": "2020-07-09"}), answers({"a": "soon"})
    ),
    "response-property-became-nullable": lambda: shapes(
        answers({"a": 1}), answers({"a": 1}, {"a": None})
    ),
    "response-property-became-optional": lambda: shapes(
        answers({"a": 1}, times=10), answers({"a": 1}, {})
    ),
    "response-property-became-required": lambda: shapes(
        answers({"a": 1}, {}), answers({"a": 1}, times=10)
    ),
    "response-enum-value-added": lambda: shapes(
        answers({"a": "open"}, {"a": "closed"}, times=15), answers({"a": "archived"})
    ),
    "response-media-type-changed": lambda: (
        baseline(media_types={OP: {"application/json": 5}}),
        baseline(media_types={OP: {"text/plain": 5}}),
    ),
    "response-header-removed": lambda: rate_limit(answers(RATE), None),
    "response-optional-header-removed": lambda: (
        baseline(
            operations={OP: answers({"a": 1}, times=10)},
            headers={OP: {"RateLimit": answers(RATE)}},
        ),
        baseline(operations={OP: answers({"a": 1}, times=20)}),
    ),
    "response-header-became-optional": lambda: (
        baseline(
            operations={OP: answers({"a": 1}, times=10)},
            headers={OP: {"RateLimit": answers(RATE, times=10)}},
        ),
        baseline(
            operations={OP: answers({"a": 1}, times=10)},
            headers={OP: {"RateLimit": answers(RATE)}},
        ),
    ),
    "response-header-added": lambda: rate_limit(None, answers(RATE)),
    "response-header-form-changed": lambda: rate_limit(
        answers(RATE), answers({"limit": 100, "remaining": 50})
    ),
    "response-header-field-added": lambda: rate_limit(
        answers(RATE), answers({**RATE, "policy": 7})
    ),
    "response-success-status-changed": lambda: statuses([201], [200]),
    "response-status-changed": lambda: statuses([400], [404]),
    "response-status-added": lambda: statuses([400], [400, 404]),
    "response-success-status-removed": lambda: statuses([200, 404], [404]),
    "response-status-removed": lambda: statuses([200, 404], [200]),
    "operation-added": lambda: (
        baseline(),
        baseline(operations={OP: answers({"a": 1}), "GET lead/ 200": answers({"b": 1})}),
    ),
    "case-kind-added": lambda: (
        baseline(statuses={"valid:create": [201]}),
        baseline(statuses={"valid:create": [201], "probe:unknown_id:GET": [404]}),
    ),
    "type-added": lambda: (
        baseline(types={"Event": {}}),
        baseline(types={"Event": {}, "Room": {}}),
    ),
    "field-removed": lambda: types(field(), None),
    "field-added": lambda: types(None, field()),
    "required-field-added": lambda: types(None, field(required=True)),
    "field-type-changed": lambda: types(field(), field("text")),
    "field-became-required": lambda: types(field(), field(required=True)),
    "field-became-optional": lambda: types(field(required=True), field()),
    "field-choice-added": lambda: types(
        field("choices", choices=["Basic"]), field("choices", choices=["Basic", "Pro"])
    ),
    "field-choice-removed": lambda: types(
        field("choices", choices=["Basic", "Pro"]), field("choices", choices=["Basic"])
    ),
    "response-sent-value-stringified": lambda: echoed({"same": 5}, {"same": 3, "stringified": 2}),
    "response-sent-value-integer-valued": lambda: echoed({"same": 5}, {"integer-valued": 1}),
    "response-sent-value-cut": lambda: echoed({"same": 5}, {"same": 4, "cut": 1}),
    "response-sent-value-dropped": lambda: echoed({"same": 5}, {"dropped": 5}),
    "response-sent-value-changed": lambda: echoed({"same": 5}, {"changed": 1}),
    "response-sent-value-kept": lambda: echoed({"cut": 5}, {"same": 1, "cut": 4}),
    "max-accepted-length-decreased": lambda: (
        Baseline(target="hand-made", lengths={"Event": {"name": 65536}}),
        Baseline(target="hand-made", lengths={"Event": {"name": 16384}}),
    ),
}


def test_every_rule_has_a_case() -> None:
    assert list(CASES) == list(RULES)


@pytest.mark.parametrize("rule", list(CASES))
def test_each_difference_is_classified_by_its_rule_at_its_level(rule: str) -> None:
    old, new = CASES[rule]()

    findings = compare_baselines(old, new)

    assert [(r.rule, r.level) for r in findings] == [(rule, RULES[rule].level)]
    [finding] = findings
    assert finding.severity == ("additive" if finding.level == "INFO" else "breaking")
    assert finding.message.startswith(f"{finding.level} {rule}: ")
    # The gate: only ERR fails by default, and a finding fails at its own level.
    assert findings.fails is (finding.level == "ERR")
    assert compare_baselines(old, new, fail_on=finding.level).fails
    # An override sets the level, or silences the rule.
    assert compare_baselines(old, new, overrides={rule: "off"}) == []
    [lowered] = compare_baselines(old, new, overrides={rule: "INFO"})
    assert lowered.level == "INFO"
    assert not compare_baselines(old, new, overrides={rule: "INFO"}).fails
    # Nothing changed is nothing found, either way round for the unchanged side.
    assert compare_baselines(old, old) == compare_baselines(new, new) == []


def test_the_rule_table_grades_like_oasdiff_or_says_why() -> None:
    for rule in RULES.values():
        assert rule.level in LEVELS and rule.summary
        if rule.oasdiff_level is None or rule.oasdiff_level != rule.level:
            assert rule.why, rule.name
    # The documentation holds the table as the code has it.
    assert rule_table() in (ROOT / "docs" / "baseline-rules.md").read_text("utf-8")


# -- echoes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "answer", "expected"),
    [
        ("Resource", {"k": "Resource"}, "same"),
        (2, {"k": 2.0}, "same"),
        ("2024-01-02T03:04:05Z", {"k": "2024-01-02T03:04:05+00:00"}, "same"),
        (["a", "b"], {"k": ["a", "b"]}, "same"),
        (True, {"k": True}, "same"),
        (42.5, {"k": "42.5"}, "stringified"),
        (True, {"k": "true"}, "stringified"),
        (42.5, {"k": 42}, "integer-valued"),
        (42.5, {"k": 43}, "integer-valued"),
        ("x" * 200, {"k": "x" * 128}, "cut"),
        (["a", "b", "c", "d"], {"k": ["a", "b", "c"]}, "cut"),
        ("x", {}, "dropped"),
        (0.1, {"k": 0.10000000149011612}, "changed"),
        ("🚀", {"k": "\ufffd"}, "changed"),
        (["a"], {"k": "a"}, "changed"),
        ("2024-01-02T03:04:05", {"k": "2024-01-02T03:04:05+00:00"}, "changed"),
        (1, {"k": True}, "changed"),
    ],
)
def test_how_a_sent_value_comes_back(sent: Any, answer: dict[str, Any], expected: str) -> None:
    assert echo_of(sent, answer, "k") == expected


# -- documented headers --------------------------------------------------------------------


def test_documented_headers_are_read_into_their_fields() -> None:
    assert header_value("limit=100, remaining=50, reset=5") == RATE
    assert header_value("limit=160; remaining=159; reset=8") == {
        "limit": 160,
        "remaining": 159,
        "reset": 8,
    }
    assert header_value("limit=100, remaining=0, reset=0.5")["reset"] == 0.5
    assert header_value("7") == 7 and header_value("soon") == "soon"
    found = documented_headers(
        [("ratelimit", "limit=1, remaining=0, reset=1"), ("Retry-After", "1"), ("X-Trace", "a")]
    )
    assert found == {"RateLimit": {"limit": 1, "remaining": 0, "reset": 1}, "Retry-After": 1}
