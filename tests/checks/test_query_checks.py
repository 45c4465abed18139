"""The query-parameter checks on hand-built answers: each holds on what the parameter
promises, fails on what breaks it (at its evidence level), and stays silent on answers
that are not its own (a 5xx, another parameter, a malformed value, no query at all)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from support.exchanges import INSTANCE, LEAD_ID, OBJECT_ID, TYPE_ID, exchange

from contract.checks import APPLIES, CHECKS, CheckContext, Operation, judge
from contract.errors import ContractViolation

OTHER = {**INSTANCE, "id": "custobj_" + "z" * 43}
TOLERATED = frozenset(range(200, 300)) | {400}


def query(
    status: int,
    body: Any,
    parameter: str,
    value: str,
    *,
    valid: bool,
    operation: Operation = "list",
    at_least: int = 2,
    allowed: frozenset[int] = TOLERATED,
) -> CheckContext:
    """The answer to a read sent with ``parameter=value`` and its context, as the probe
    builds them."""
    path = "custom_object/" if operation == "list" else f"custom_object/{OBJECT_ID}/"
    params: tuple[tuple[str, str], ...] = ((parameter, value),)
    if operation == "list":
        params = (("lead_id", LEAD_ID), ("custom_object_type_id", TYPE_ID), *params)
    answer = dataclasses.replace(exchange(status, body, path=path), params=params)
    described = {"parameter": parameter, "value": value, "label": "x", "valid": valid}
    if operation == "list":
        described["at_least"] = at_least
    return CheckContext(
        answer,
        operation,
        frozenset({200}) if valid else allowed,
        instance_id=OBJECT_ID,
        step="query",
        query=described,
    )


def page(*items: dict[str, Any], has_more: bool = False) -> dict[str, Any]:
    return {"data": list(items), "has_more": has_more}


def fails(name: str, ctx: CheckContext) -> ContractViolation:
    with pytest.raises(ContractViolation) as caught:
        CHECKS[name](ctx)
    assert caught.value.check == name
    return caught.value


# --- _fields -------------------------------------------------------------------------


def test_fields_selected_holds_when_only_the_named_keys_come_back() -> None:
    trimmed = {"id": OBJECT_ID, "name": "Rocket"}
    CHECKS["fields_selected"](query(200, page(trimmed), "_fields", "id,name", valid=True))
    CHECKS["fields_selected"](
        query(200, trimmed, "_fields", "id,name", valid=True, operation="retrieve")
    )
    # id may come along although it was not named
    CHECKS["fields_selected"](
        query(200, trimmed, "_fields", "name", valid=True, operation="retrieve")
    )


@pytest.mark.parametrize("operation", ["list", "retrieve"])
def test_fields_selected_warns_when_every_key_comes_back(operation: Operation) -> None:
    body = page(INSTANCE) if operation == "list" else INSTANCE
    found = fails(
        "fields_selected",
        query(200, body, "_fields", "id,name", valid=True, operation=operation),
    )
    # INF on custom objects: a warning, never an error of the documented layer
    assert found.severity == "warning"
    assert "keys not asked for" in found.title and "lead_id" in found.message


def test_fields_selected_warns_when_a_named_key_is_missing() -> None:
    found = fails(
        "fields_selected",
        query(200, {"id": OBJECT_ID}, "_fields", "id,name", valid=True, operation="retrieve"),
    )
    assert "missing: name" in found.title and found.severity == "warning"


def test_fields_selected_warns_when_a_valid_selection_is_refused() -> None:
    found = fails("fields_selected", query(400, {"error": "no"}, "_fields", "id,name", valid=True))
    assert found.severity == "warning" and "answered 400" in found.title


def test_fields_selected_leaves_malformed_values_and_server_errors_alone() -> None:
    CHECKS["fields_selected"](query(200, page(INSTANCE), "_fields", "", valid=False))
    CHECKS["fields_selected"](query(500, None, "_fields", "id,name", valid=True))
    CHECKS["fields_selected"](query(200, page(INSTANCE), "_limit", "1", valid=True))


# --- _limit ----------------------------------------------------------------------------


def test_limit_honoured_holds_on_a_page_of_one_that_says_more_follow() -> None:
    CHECKS["limit_honoured"](query(200, page(INSTANCE, has_more=True), "_limit", "1", valid=True))
    # with one instance only, has_more may be false
    one = query(200, page(INSTANCE), "_limit", "1", valid=True, at_least=1)
    CHECKS["limit_honoured"](one)


def test_limit_honoured_warns_when_the_limit_is_ignored() -> None:
    found = fails("limit_honoured", query(200, page(INSTANCE, OTHER), "_limit", "1", valid=True))
    assert found.severity == "warning"
    assert "2 items" in found.title and "has_more False" in found.title


def test_limit_honoured_warns_when_has_more_hides_the_rest() -> None:
    found = fails("limit_honoured", query(200, page(INSTANCE), "_limit", "1", valid=True))
    assert "has_more False although 2" in found.title


def test_limit_honoured_warns_when_a_valid_limit_is_refused() -> None:
    found = fails("limit_honoured", query(400, {"error": "no"}, "_limit", "1", valid=True))
    assert found.severity == "warning"


def test_limit_honoured_leaves_malformed_values_and_server_errors_alone() -> None:
    CHECKS["limit_honoured"](query(200, page(INSTANCE, OTHER), "_limit", "-1", valid=False))
    CHECKS["limit_honoured"](query(503, None, "_limit", "1", valid=True))


# --- malformed values ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 204, 400])
def test_query_status_conformance_takes_ignoring_or_400(status: int) -> None:
    body = page(INSTANCE) if status == 200 else None if status == 204 else {"error": "bad"}
    CHECKS["query_status_conformance"](query(status, body, "_limit", "abc", valid=False))


@pytest.mark.parametrize("status", [401, 404, 405, 422])
def test_query_status_conformance_fails_on_other_statuses(status: int) -> None:
    found = fails(
        "query_status_conformance", query(status, {"detail": []}, "_skip", "-1", valid=False)
    )
    # 400 for a bad request is documented: an error, not a warning
    assert found.severity == "error"
    assert f"answered {status} to _skip='-1'" in found.title


def test_query_status_conformance_takes_404_where_the_value_names_a_type() -> None:
    named = TOLERATED | {404}
    ctx = query(
        404, {"error": "no"}, "custom_object_type_id", "cotype_x", valid=False, allowed=named
    )
    CHECKS["query_status_conformance"](ctx)


def test_query_status_conformance_leaves_valid_values_and_5xx_alone() -> None:
    # a refused valid value is the parameter's own check's; a 5xx is not_a_server_error's
    CHECKS["query_status_conformance"](query(400, {"error": "no"}, "_limit", "1", valid=True))
    CHECKS["query_status_conformance"](query(500, None, "_limit", "abc", valid=False))


# --- declarations ---------------------------------------------------------------------


def test_the_query_checks_judge_only_query_steps_with_their_description() -> None:
    for name in ("query_status_conformance", "fields_selected", "limit_honoured"):
        applies = APPLIES[name]
        assert applies.steps == frozenset({"query"}) and applies.needs == ("query",)
        assert "query parameters" in applies.describe()
    assert APPLIES["limit_honoured"].operations == frozenset({"list"})


def test_a_malformed_value_answered_500_is_a_server_error_and_nothing_else() -> None:
    # Given a 500 to _limit=-1 (the emulator's limit_negative_500 fault)
    ctx = query(500, None, "_limit", "-1", valid=False)
    ctx = dataclasses.replace(
        ctx,
        exchange=dataclasses.replace(
            ctx.exchange, response_headers=(("Content-Type", "text/plain"),)
        ),
    )

    # When every check that applies judges it
    verdict = judge(ctx, "breadth", None)

    # Then not_a_server_error reports it, once, and the query checks stay silent
    assert [v.check for v in verdict.violations] == ["not_a_server_error"]
    assert {"query_status_conformance", "content_type_conformance"} <= set(verdict.verdicts)
