"""The reference model's checks on hand-built answers and predictions: each holds on the
answer the model predicts, fails on one that contradicts it, and is silent without one."""

from __future__ import annotations

from typing import Any

import pytest
from support.exchanges import FIELD, INSTANCE, LEAD_ID, OBJECT_ID, TYPE_ID, ctx, exchange

from contract.checks import CHECKS, CheckContext
from contract.errors import ContractViolation

ORG = "orga_" + "e" * 43
OTHER_ORG = "orga_" + "f" * 43
OTHER_ID = "custobj_" + "g" * 43
OTHER_LEAD = "lead_" + "h" * 43
NOTE = "custom.cf_" + "n" * 43
TYPES = {FIELD: "number", NOTE: "text"}

STORED = {**INSTANCE, "organization_id": ORG, NOTE: "kept"}
READ = {
    "values": {"name": "Rocket", FIELD: 5, NOTE: "kept"},
    "kept": [NOTE],
    "removed": [],
    "fixed": {"id": OBJECT_ID, "lead_id": LEAD_ID, "organization_id": ORG},
    "organization_id": ORG,
    "date_updated": "2024-05-01T10:00:00+00:00",
}


def read(body: Any, prediction: dict[str, Any] | None = READ, status: int = 200) -> CheckContext:
    return ctx(
        exchange(status, body),
        "retrieve",
        instance_id=OBJECT_ID,
        field_types=TYPES,
        prediction=prediction,
    )


def listing(items: list[dict[str, Any]], has_more: bool = False, **prediction: Any) -> CheckContext:
    predicted = {
        "lead_id": LEAD_ID,
        "custom_object_type_id": TYPE_ID,
        "live": {OBJECT_ID: {"name": "Rocket", FIELD: 5}},
        "maybe": [],
        "deleted": [],
        "elsewhere": [],
        "exact": True,
        "subset": False,
        "organization_id": ORG,
        **prediction,
    }
    body = {"data": items, "has_more": has_more}
    answer = exchange(200, body, path="custom_object/")
    return ctx(answer, "list", field_types=TYPES, prediction=predicted)


def pages(found: list[list[str]], unpaged: list[str], more_at_end: bool = False) -> CheckContext:
    prediction = {"limit": 2, "pages": found, "unpaged": unpaged, "more_at_end": more_at_end}
    return ctx(exchange(200, {"data": []}, path="custom_object/"), "list", prediction=prediction)


def timed(created: str, updated: str, shown_before: str | None = None) -> CheckContext:
    body = {**STORED, "date_created": created, "date_updated": updated}
    return read(body, {**READ, "date_updated": shown_before})


def gone(status: int, method: str = "GET") -> CheckContext:
    answer = exchange(status, {"error": "x"} if status >= 400 else STORED, method=method)
    return ctx(answer, "retrieve", 404, instance_id=OBJECT_ID, prediction={"deleted": True})


T0, T1, T2 = "2024-05-01T09:00:00Z", "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"
ITEM = {"id": OBJECT_ID, "lead_id": LEAD_ID, "custom_object_type_id": TYPE_ID, "name": "Rocket"}
LISTED = {**ITEM, FIELD: 5}

# check -> (what it accepts, what it rejects, a word the rejection's title or message names)
CASES: dict[str, list[tuple[CheckContext, CheckContext, str]]] = {
    "organization_consistent": [
        (read(STORED), read({**STORED, "organization_id": OTHER_ORG}), OTHER_ORG),
        (
            listing([{**LISTED, "organization_id": ORG}]),
            listing([{**LISTED, "organization_id": OTHER_ORG}]),
            OTHER_ORG,
        ),
    ],
    "put_is_patch": [
        (read(STORED), read({k: v for k, v in STORED.items() if k != NOTE}), NOTE),
        (read(STORED), read({**STORED, NOTE: "overwritten"}), "overwritten"),
    ],
    "null_removes": [
        (
            read(INSTANCE, {**READ, "removed": [NOTE]}),
            read(STORED, {**READ, "removed": [NOTE]}),
            NOTE,
        ),
    ],
    "read_matches_model": [
        (read(STORED), read({**STORED, FIELD: 6}), FIELD),
        # 5 and 5.0 are one number: the check compares values by field type
        (read({**STORED, FIELD: 5.0}), read({"error": "x"}, status=404), "404"),
    ],
    "invalid_update_changes_nothing": [
        (
            read(STORED, {**READ, "after_rejected": 400}),
            read({**STORED, "name": "Changed"}, {**READ, "after_rejected": 400}),
            "Changed",
        ),
        (
            read(STORED, {**READ, "after_rejected": 400}),
            read({**STORED, "custom.cf_new": 1}, {**READ, "after_rejected": 400}),
            "custom.cf_new",
        ),
    ],
    "immutable_on_update": [
        (read(STORED), read({**STORED, "lead_id": OTHER_LEAD}), OTHER_LEAD),
    ],
    "timestamps_ordered": [
        (timed(T0, T1), timed(T1, T0), "before date_created"),
        (timed(T0, T2, shown_before=T1), timed(T0, T1, shown_before=T2), "shown earlier"),
        # a second of skew between two servers' clocks is not time going backwards
        (timed("2024-05-01T09:00:00.900Z", T0), timed(T0, T1, shown_before=T2), T2),
    ],
    "deleted_stays_gone": [
        (gone(404), gone(200), "200"),
        (gone(410, "PUT"), gone(204, "DELETE"), "204"),
    ],
    "list_matches_model": [
        (listing([LISTED]), listing([]), "missing from the list"),
        (listing([LISTED]), listing([LISTED, {**ITEM, "id": OTHER_ID}]), OTHER_ID),
        (
            listing([LISTED]),
            listing([LISTED, {**ITEM, "id": OTHER_ID, "lead_id": OTHER_LEAD}]),
            "of another lead",
        ),
        (
            listing([LISTED], deleted=[OTHER_ID]),
            listing([LISTED, {**ITEM, "id": OTHER_ID}], deleted=[OTHER_ID]),
            "deleted, still listed",
        ),
        (
            listing([LISTED]),
            listing([{**LISTED, "custom_object_type_id": "cotype_other"}]),
            "of another type",
        ),
        (listing([LISTED]), listing([{**LISTED, FIELD: 4}]), FIELD),
        (listing([LISTED]), listing([LISTED, LISTED]), "listed twice"),
        # an instance the model is unsure of may be listed, or not
        (
            listing([LISTED, {**ITEM, "id": OTHER_ID}], maybe=[OTHER_ID]),
            listing([LISTED], elsewhere=[OBJECT_ID], live={}),
            "of another lead",
        ),
    ],
    "paging_consistent": [
        (
            pages([["a", "b"], ["c"]], ["a", "b", "c"]),
            pages([["a", "b"], ["b"]], ["a", "b", "c"]),
            "b",
        ),
        (pages([["a", "b"], ["c"]], ["a", "b", "c"]), pages([["a", "b"]], ["a", "b", "c"]), "c"),
        (pages([["a", "b"], []], ["a", "b"]), pages([["a", "b"]], ["a", "b"], True), "has_more"),
    ],
}

PAIRS = [
    pytest.param(name, good, bad, word, id=f"{name}-{i}")
    for name, cases in CASES.items()
    for i, (good, bad, word) in enumerate(cases)
]


def test_every_model_check_is_tested() -> None:
    model = {name for name, fn in CHECKS.items() if fn.__module__ == "contract.checks._model"}
    assert model == set(CASES)


@pytest.mark.parametrize(("name", "good", "bad", "word"), PAIRS)
def test_model_check_holds_on_the_prediction_and_fails_against_it(
    name: str, good: CheckContext, bad: CheckContext, word: str
) -> None:
    CHECKS[name](good)
    with pytest.raises(ContractViolation) as raised:
        CHECKS[name](bad)
    found = raised.value
    assert found.check == name and found.severity == "error"
    assert word in found.title + found.message, (found.title, found.message)
    assert found.reproduction.startswith("curl ")


@pytest.mark.parametrize(("name", "bad"), [(n, c[0][1]) for n, c in CASES.items()])
def test_model_check_is_silent_without_a_prediction(name: str, bad: CheckContext) -> None:
    # Outside the stateful phase nothing is predicted, and nothing is judged.
    CHECKS[name](CheckContext(bad.exchange, bad.operation, bad.expected_statuses))


def test_an_unsure_lead_is_not_judged_for_completeness() -> None:
    # A lead where a create went unanswered may hold an instance the model does not know of.
    CHECKS["list_matches_model"](listing([LISTED, {**ITEM, "id": OTHER_ID}], exact=False))
    CHECKS["list_matches_model"](listing([], exact=False))
    # ...nor a page that says more follows
    CHECKS["list_matches_model"](listing([], has_more=True))


def test_a_server_that_does_not_page_is_not_faulted() -> None:
    # OAS lists no paging parameters here: a first page larger than _limit means none.
    CHECKS["paging_consistent"](pages([["a", "b", "c"]], ["a", "b", "c"]))
