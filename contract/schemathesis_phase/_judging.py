"""What schemathesis judged, as findings: which failures count, and each one that does with
the answer it is about (the schema's ``filter_failure`` and ``after_validate`` hooks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from jsonschema import Draft202012Validator

from contract.schemas import validator_for
from contract.schemathesis_phase._answer import Answer
from contract.schemathesis_phase._document import lenient
from contract.schemathesis_phase._tally import Tally

__all__ = ["hooks", "lenient_validators"]

Document = dict[str, Any]
_OBJECT_PATH: Final = "/custom_object/{id}/"
_LIST_PATH: Final = "/custom_object/"
# The check whose failure is about the answer to a request of its own (the case's request
# sent again without valid credentials), not about the case's answer.
_PROBING: Final = "ignored_auth"


def lenient_validators(special: Document) -> dict[str, Draft202012Validator]:
    """Per operation label, a validator of the request bodies Close's documentation allows
    (see :func:`~contract.schemathesis_phase._document.lenient`)."""
    schemas = special["components"]["schemas"]
    return {
        f"POST {_LIST_PATH}": validator_for(
            lenient(schemas["CustomObjectCreateRequest"], create=True)
        ),
        f"PUT {_OBJECT_PATH}": validator_for(
            lenient(schemas["CustomObjectUpdateRequest"], create=False)
        ),
    }


def hooks(
    tally: Tally, allowed: Mapping[str, Draft202012Validator]
) -> tuple[Callable[..., bool], Callable[..., None]]:
    """The schema's ``filter_failure`` and ``after_validate`` hooks: which failures count
    (``allowed``: the bodies each operation's documentation allows), and every failure a
    check reported, as a finding with the answer it judged."""
    from schemathesis.core.parameters import ParameterLocation

    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        # A body only the strict document rejects breaks no documented rule: accepting it
        # is a choice Close's docs leave open, not a contract failure.
        if "negative_data_rejection" not in getattr(failure, "checks", ()):
            return True
        validator = allowed.get(case.operation.label)
        meta = case.meta
        if validator is None or meta is None:
            return True
        negative = {location for location, part in meta.components.items() if part.mode.is_negative}
        if negative != {ParameterLocation.BODY}:
            return True
        return not validator.is_valid(case.body)

    def after_validate(context: Any, case: Any, response: Any, results: Any) -> None:
        for result in results:
            failure = result.failure
            if failure is None:
                continue
            curl = case.as_curl_command(
                headers=dict(response.request.headers), verify=response.verify
            )
            # ignored_auth fails on the answer to its own probe, the last one it sent while
            # this answer was judged; every other check on the case's own answer.
            probe = tally.probe if result.name == _PROBING else None
            answer = probe if probe is not None else Answer.of(response)
            tally.finding(
                result.name,
                case.operation.label,
                failure.title,
                failure.message or "",
                curl,
                answer,
            )

    return filter_failure, after_validate
