"""invalid_payloads: each mutation breaks exactly its rule, on its target, and stays broken."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from jsonschema import ValidationError
from strategy_schemas import (
    REFS,
    TYPE_ID,
    cf,
    draws,
    empty_schema,
    forty_schema,
    rich_schema,
)

from contract import validator_for
from strategies import MUTATIONS, Case, Mutation, invalid_payloads, mutation_targets

SUCCESS = frozenset(range(200, 300))
EXPECTED: dict[str, frozenset[int]] = {
    "required_missing": frozenset({400}),
    "required_null": frozenset({400}),
    "required_wrong_type": frozenset({400}),
    "name_empty": frozenset({400}),
    "malformed_type_id": frozenset({400, 404}),
    "nonexistent_type": frozenset({400, 404}),
    "malformed_lead_id": frozenset({400, 404}),
    "nonexistent_lead": frozenset({400, 404}),
    "unknown_top_level_key": SUCCESS | {400},
    "mangled_key_name": frozenset({400}),
    "body_array": frozenset({400}),
    "body_string": frozenset({400}),
    "body_number": frozenset({400}),
    "body_malformed_json": frozenset({400}),
    "wrong_content_type": frozenset({400, 415}),
    "unknown_custom_field": frozenset({400, 404}),
    "custom_wrong_type": frozenset({400}),
    "custom_bad_format": frozenset({400}),
    "custom_reference_malformed": frozenset({400, 404}),
    "choice_not_allowed": frozenset({400}),
    "required_custom_missing": frozenset({400}),
    "auth_missing": frozenset({401}),
    "auth_wrong_key": frozenset({401}),
    "auth_malformed": frozenset({400, 401}),
    "auth_bearer_bad_token": frozenset({401}),
    # What Close may accept or refuse: any 2xx, or 400 (never a 5xx).
    "read_only_keys": SUCCESS | {400},
    "huge_name": SUCCESS | {400},
    "huge_number": SUCCESS | {400},
    "huge_list": SUCCESS | {400},
    "duplicate_key": SUCCESS | {400},
    "text_lengths": SUCCESS | {400},
    **{
        f"unicode_{name}": SUCCESS | {400}
        for name in (
            "whitespace_only",
            "padded",
            "control",
            "zero_width",
            "bidi_override",
            "hangul_filler",
            "emoji_single",
            "emoji_multi",
            "zalgo",
            "nfd",
        )
    },
}
SCHEMA_VALID = {
    "nonexistent_lead",
    "unknown_top_level_key",
    "wrong_content_type",
    "auth_missing",
    "auth_wrong_key",
    "auth_malformed",
    "auth_bearer_bad_token",
    "read_only_keys",
    "huge_name",
    "huge_number",
    "duplicate_key",
    "text_lengths",
    *(f"unicode_{name}" for name in ("padded", "control", "zero_width", "bidi_override")),
    *(f"unicode_{name}" for name in ("hangul_filler", "emoji_single", "emoji_multi")),
    *(f"unicode_{name}" for name in ("zalgo", "nfd")),
}
RICH_PAIRS = mutation_targets(rich_schema())


def _explains(case: Case, error: ValidationError) -> bool:
    """Whether ``error`` is the rule ``case.mutation`` breaks, on ``case.target``."""
    path = list(error.absolute_path)
    kind = case.mutation
    if kind == "mangled_key_name":
        return error.validator == "required" and "'name' is a required" in error.message
    if kind in ("required_missing", "required_custom_missing"):
        return error.validator == "required" and f"{case.target!r} is a required" in error.message
    if kind in ("body_array", "body_string", "body_number"):
        return path == [] and error.validator == "type"
    if kind == "unknown_custom_field":
        return error.relative_schema_path[0] == "propertyNames"
    if kind == "unicode_whitespace_only":
        return path == ["name"]  # text values may be blank; a name may not
    return bool(path) and path[0] == case.target


def check_invalid(case: Case, schema: dict[str, Any]) -> None:
    """The case breaks its mutation's rule and nothing else (or validates by design)."""
    mutation = MUTATIONS[str(case.mutation)]
    assert case.expected_statuses == EXPECTED[mutation.name] == mutation.expected_statuses
    assert case.schema_valid is mutation.schema_valid
    assert case.reason.endswith(mutation.reason) and "\n" not in case.reason
    validator = validator_for(schema)
    if case.payload is None:
        assert case.body is not None
        with pytest.raises(ValueError):
            json.loads(case.body.decode("utf-8"))
        return
    errors = list(validator.iter_errors(case.payload))
    if case.schema_valid:
        assert not errors, f"{case.mutation} must stay schema-valid: {errors[0].message}"
        return
    assert errors, f"{case.mutation} on {case.target} produced a valid payload: {case.payload}"
    unrelated = [e.message for e in errors if not _explains(case, e)]
    assert not unrelated, f"{case.mutation} on {case.target} broke other rules: {unrelated}"


def test_the_expected_registry_is_exactly_the_documented_one() -> None:
    assert list(MUTATIONS) == list(EXPECTED)
    assert {name for name, m in MUTATIONS.items() if m.schema_valid} == SCHEMA_VALID
    for mutation in MUTATIONS.values():
        assert isinstance(mutation, Mutation)
        assert mutation.reason and "\n" not in mutation.reason and len(mutation.reason) < 120


def test_mutation_targets_cover_every_mutation_for_the_rich_schema() -> None:
    assert {name for name, _ in RICH_PAIRS} == set(MUTATIONS)
    assert RICH_PAIRS == mutation_targets(rich_schema()), "stable order"
    assert len(RICH_PAIRS) == len(set(RICH_PAIRS))
    targets = dict.fromkeys(t for n, t in RICH_PAIRS if n == "custom_wrong_type")
    # Every field of a known type, and not the field of an unknown type.
    assert f"custom.{cf('legacy')}" not in targets
    assert len(targets) == 13
    assert ("required_custom_missing", f"custom.{cf('asset')}") in RICH_PAIRS
    assert ("required_missing", "lead_id") in RICH_PAIRS


def test_a_type_without_custom_fields_has_only_request_level_mutations() -> None:
    pairs = mutation_targets(empty_schema())
    names = {name for name, _ in pairs}
    assert "custom_wrong_type" not in names and "choice_not_allowed" not in names
    assert "unknown_custom_field" in names
    with pytest.raises(ValueError, match="choice_not_allowed does not apply"):
        invalid_payloads(empty_schema(), references=REFS, mutation="choice_not_allowed")


def test_unknown_mutations_and_targets_are_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown mutation 'nope'.*required_missing"):
        invalid_payloads(rich_schema(), references=REFS, mutation="nope")
    with pytest.raises(ValueError, match="applies to custom_object_type_id, lead_id, name"):
        invalid_payloads(rich_schema(), references=REFS, mutation="required_null", target="x")


@pytest.mark.parametrize(("mutation", "target"), RICH_PAIRS)
def test_every_pair_draws_cases_that_break_their_rule(mutation: str, target: str | None) -> None:
    @settings(max_examples=12, suppress_health_check=[HealthCheck.filter_too_much])
    @given(invalid_payloads(rich_schema(), references=REFS, mutation=mutation, target=target))
    def check(case: Case) -> None:
        assert case.mutation == mutation and case.target == target
        check_invalid(case, rich_schema())

    check()


@settings(max_examples=150)
@given(invalid_payloads(rich_schema(), references=REFS))
def test_any_invalid_case_breaks_its_named_rule(case: Case) -> None:
    check_invalid(case, rich_schema())


@settings(max_examples=60)
@given(invalid_payloads(forty_schema(), references=REFS))
def test_a_type_with_forty_fields_gets_invalid_cases(case: Case) -> None:
    check_invalid(case, forty_schema())


@settings(max_examples=30)
@given(invalid_payloads(empty_schema(), references={"lead": REFS["lead"]}))
def test_a_type_without_custom_fields_gets_invalid_cases(case: Case) -> None:
    check_invalid(case, empty_schema())


_SHRINK = [Phase.generate, Phase.shrink]
_SHRINKABLE = [pair for pair in RICH_PAIRS if not MUTATIONS[pair[0]].schema_valid]


@pytest.mark.parametrize(("mutation", "target"), _SHRINKABLE)
def test_shrinking_never_turns_an_invalid_case_valid(mutation: str, target: str | None) -> None:
    # When Hypothesis shrinks a case as far as it goes (the minimal example of "any case")
    strategy = invalid_payloads(rich_schema(), references=REFS, mutation=mutation, target=target)
    # (the explain phase is skipped: it only annotates failures and costs seconds here)
    minimal = find(strategy, lambda case: True, settings=settings(phases=_SHRINK))
    # Then the minimal case still breaks its rule, and only its rule
    check_invalid(minimal, rich_schema())


def _drawn(mutation: str) -> Case:
    return draws(invalid_payloads(rich_schema(), references=REFS, mutation=mutation), 1)[0]


def test_auth_cases_bring_their_own_credentials_or_none() -> None:
    missing = _drawn("auth_missing")
    assert missing.headers == () and not missing.send_credentials
    wrong = _drawn("auth_wrong_key")
    scheme, _, encoded = wrong.headers[0][1].partition(" ")
    username, colon, password = base64.b64decode(encoded).decode().partition(":")
    assert (scheme, colon, password) == ("Basic", ":", "")
    assert username.startswith("api_") and not wrong.send_credentials
    bearer = _drawn("auth_bearer_bad_token")
    assert bearer.headers[0][1].startswith("Bearer ") and len(bearer.headers[0][1]) > 20
    malformed = _drawn("auth_malformed")
    assert malformed.headers[0][0] == "Authorization"
    assert malformed.expected_statuses == {400, 401}  # a header too broken to parse
    for case in (missing, wrong, bearer, malformed):
        assert 401 in case.expected_statuses and not case.expected_statuses & set(range(200, 300))
        assert json.loads(case.request_body()) == case.payload
        assert validator_for(rich_schema()).is_valid(case.payload)


def test_nonexistent_type_keeps_a_well_formed_id_of_another_type() -> None:
    case = _drawn("nonexistent_type")
    value = case.payload["custom_object_type_id"]
    assert value.startswith("cotype_") and value != TYPE_ID and len(value) == len(TYPE_ID)
