"""The checks of another organization's ids and key on hand-made answers: its objects named
in the run's writes are refused (its user only warned about), and its key cannot tell which
ids exist."""

from __future__ import annotations

from typing import Any

import pytest
from support.exchanges import INSTANCE, LEAD_ID, OBJECT_ID, ctx, exchange, post

from contract.checks import ADVISORY, CHECKS, OTHER_IDS, SECOND_KEY, CheckContext, tally_checks
from contract.errors import ContractViolation

FOREIGN_LEAD = "lead_" + "F" * 43
FOREIGN_CONTACT = "cont_" + "F" * 43
FOREIGN_USER = "user_" + "F" * 43
CONTACT_KEY = "custom.cf_" + "c" * 43
USER_KEY = "custom.cf_" + "u" * 43


def foreign(key: str, value: Any, what: str) -> dict[str, Any]:
    return {"foreign": {key: value}, "what": what}


def create(status: int, body: Any, key: str = "lead_id", value: Any = FOREIGN_LEAD) -> CheckContext:
    return ctx(
        post(status, body),
        "create",
        400,
        404,
        prediction=foreign(key, value, "the other organization's lead"),
        step="foreign_reference",
    )


def put(status: int, body: Any, key: str, value: Any) -> CheckContext:
    return ctx(
        exchange(status, body, method="PUT"),
        "update",
        400,
        404,
        prediction=foreign(key, value, "a contact of the other organization's lead"),
        step="foreign_reference",
    )


def raised(name: str, context: CheckContext) -> ContractViolation:
    with pytest.raises(ContractViolation) as found:
        CHECKS[name](context)
    assert found.value.check == name and found.value.reproduction.startswith("curl ")
    return found.value


@pytest.mark.parametrize("status", [400, 404, 500])
def test_a_refused_reference_holds(status: int) -> None:
    # (a 500 is not_a_server_error's to report)
    CHECKS["foreign_references_refused"](create(status, {"error": "x"}))
    CHECKS["foreign_references_refused"](put(status, {"error": "x"}, CONTACT_KEY, FOREIGN_CONTACT))


def test_a_create_that_accepts_another_organizations_lead_is_a_violation() -> None:
    found = raised("foreign_references_refused", create(201, {**INSTANCE, "lead_id": FOREIGN_LEAD}))
    assert found.severity == "error"
    assert "accepted the other organization's lead (201)" in found.title
    assert "400 or 404" in found.message and "under lead_id" in found.message


def test_another_refusal_than_400_or_404_is_a_violation() -> None:
    found = raised("foreign_references_refused", create(403, {"error": "forbidden"}))
    assert "answered 403, expected 400 or 404" in found.title


def test_a_put_may_ignore_the_reference_but_not_store_it() -> None:
    # A PUT that leaves lead_id as it was ignored the key, as Close may
    ignored = put(200, {**INSTANCE, "lead_id": LEAD_ID}, "lead_id", FOREIGN_LEAD)
    CHECKS["foreign_references_refused"](ignored)
    # One whose instance now holds the other organization's contact stored it
    stored = put(200, {**INSTANCE, CONTACT_KEY: [FOREIGN_CONTACT]}, CONTACT_KEY, [FOREIGN_CONTACT])
    found = raised("foreign_references_refused", stored)
    assert found.severity == "error" and CONTACT_KEY in found.message


def test_another_organizations_user_accepted_is_a_warning() -> None:
    def user(status: int, body: Any) -> CheckContext:
        prediction = foreign(USER_KEY, FOREIGN_USER, "the other organization's user")
        return ctx(
            post(status, body), "create", 400, 404, prediction=prediction, step="foreign_user"
        )

    CHECKS["foreign_user_refused"](user(400, {"error": "x"}))
    CHECKS["foreign_user_refused"](user(403, {"error": "x"}))
    found = raised("foreign_user_refused", user(201, {**INSTANCE, USER_KEY: FOREIGN_USER}))
    assert found.severity == "warning" and "may" not in found.title
    assert "also belongs to this organization" in found.message


def nowhere(status: int, instance_status: int) -> CheckContext:
    answer = exchange(status, {"error": "x"}, path=f"custom_object/{OBJECT_ID}/")
    return ctx(answer, "probe", instance_status, key="other", step="existence")


def test_an_id_that_exists_nowhere_answers_as_the_runs_instance_does() -> None:
    CHECKS["existence_not_leaked"](nowhere(404, 404))
    CHECKS["existence_not_leaked"](nowhere(403, 403))
    CHECKS["existence_not_leaked"](nowhere(503, 404))


@pytest.mark.parametrize(("status", "instance_status"), [(404, 403), (403, 404)])
def test_a_different_answer_tells_which_ids_exist(status: int, instance_status: int) -> None:
    found = raised("existence_not_leaked", nowhere(status, instance_status))
    assert found.severity == "warning"
    assert f"answered {status} for an id that exists nowhere, {instance_status}" in found.title


def test_the_warnings_are_advisory_and_the_reference_check_is_not() -> None:
    assert {"foreign_user_refused", "existence_not_leaked"} <= ADVISORY
    assert "foreign_references_refused" not in ADVISORY


def test_without_ids_of_the_other_organization_the_checks_say_why_they_did_not_run() -> None:
    # A run without a second key: none of them judged anything, and each says what it needs
    tallies = tally_checks([], None)
    for name in ("foreign_references_refused", "foreign_user_refused"):
        why = tallies[name].not_run or ""
        assert f"it needs {OTHER_IDS}" in why, why
        assert "readable ids in the other organization" in why
    assert SECOND_KEY in (tallies["existence_not_leaked"].not_run or "")
