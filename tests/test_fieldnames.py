"""Violations name custom fields by their names beside their ids; commands keep the keys."""

from __future__ import annotations

from contract.errors import ContractViolation
from contract.events import CaseFinished
from contract.fieldnames import FieldNames

SEATS = "cf_JwHryAbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
NAMES = FieldNames.of([{"id": SEATS, "name": "Seats"}, {"id": "cf_x", "type": "text"}])


def test_a_known_field_is_named_beside_its_id_and_others_are_left_alone() -> None:
    text = f"$['custom.{SEATS}']: '199242' is not of type 'number'; custom.cf_unknown too"
    assert NAMES.text(text) == (
        f"$['custom.Seats ({SEATS})']: '199242' is not of type 'number'; custom.cf_unknown too"
    )
    assert NAMES.text("no field here") == "no field here"


def test_titles_and_messages_are_named_and_reproductions_keep_the_keys() -> None:
    found = ContractViolation(
        check="echo_conformance",
        title=f"custom.{SEATS} came back as a string",
        message=f"sent 3, got '3' at custom.{SEATS}",
        reproduction=f"curl --data-raw '{{\"custom.{SEATS}\": 3}}'",
        steps=(f"curl custom.{SEATS}",),
    )
    plain = ContractViolation(check="status_conformance", title="answered 500")
    case = CaseFinished("valid", "Subscription: valid", None, None, 1, (201,), 0.1, (found, plain))

    named = NAMES.case(case)

    first, second = named.violations
    assert first.title == f"custom.Seats ({SEATS}) came back as a string"
    assert first.message == f"sent 3, got '3' at custom.Seats ({SEATS})"
    assert first.reproduction == found.reproduction and first.steps == found.steps
    assert second is plain
    assert NAMES.case(CaseFinished("valid", "x", None, None, 1, (201,), 0.1)).violations == ()
