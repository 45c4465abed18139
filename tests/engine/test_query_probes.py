"""The reads with query parameters, as data: what each sends, and what it never sends."""

from __future__ import annotations

from contract.phases import MALFORMED, VALID


def test_each_probe_has_a_kind_of_its_own() -> None:
    kinds = [probe.kind for probe in (*VALID, *MALFORMED)]
    assert len(kinds) == len(set(kinds))
    assert all(kind.startswith("query:") and kind.count(":") == 3 for kind in kinds)


def test_lead_id_is_never_a_probe() -> None:
    # The list always names the run's own lead: a malformed lead_id could make a server
    # that ignored it answer other leads' instances.
    assert all(probe.parameter != "lead_id" for probe in (*VALID, *MALFORMED))


def test_every_documented_parameter_goes_out_valid_and_malformed() -> None:
    documented = {"_fields", "_limit", "_skip", "custom_object_type_id"}
    malformed = {p.parameter for p in MALFORMED}
    assert documented <= malformed
    assert {p.parameter for p in VALID} == {"_fields", "_limit"}
    # Each class the issue names: non-integers, negatives, huge numbers, empty values,
    # unknown names
    for parameter in ("_limit", "_skip"):
        labels = {p.label for p in MALFORMED if p.parameter == parameter}
        assert {"non-integer", "negative", "huge", "empty"} <= labels
    assert any(p.parameter not in documented for p in MALFORMED)  # an unknown name
    assert all(not p.valid for p in MALFORMED) and all(p.valid for p in VALID)


def test_a_malformed_value_may_get_2xx_or_400_and_an_unknown_type_404() -> None:
    for probe in MALFORMED:
        assert {200, 204, 400} <= probe.statuses
        assert not any(status >= 500 for status in probe.statuses)
        names_a_type = probe.parameter == "custom_object_type_id" and probe.value
        assert (404 in probe.statuses) == bool(names_a_type), probe
