"""Reports keep no personal data: the answers violations carry are scrubbed as a recording's
are (:class:`contract.cassettes.PersonalData`), and the texts that quote a value replaced
there get its stand-in too."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from contract.cassettes import PersonalData
from contract.errors import ContractViolation
from contract.events import CaseFinished, CleanupFinished

__all__ = ["scrub_personal"]


def _path_of(request: dict[str, Any] | None) -> str:
    """The path (or URL) a violation's request went to; ``""`` when it does not say."""
    if not request:
        return ""
    for key in ("url", "path"):
        value = request.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _note_sent(personal: PersonalData, case: CaseFinished) -> None:
    """What the case sent is the run's own: its payload and each violation's request body."""
    if case.case is not None:
        personal.sent(json.dumps(case.case, default=str))
    for found in case.violations:
        body = (found.request or {}).get("request_body")
        if isinstance(body, str):
            personal.sent(body)


def _answer(personal: PersonalData, found: ContractViolation) -> ContractViolation:
    response = found.response
    body = None if response is None else response.get("response_body")
    if response is None or not isinstance(body, str):
        return found
    scrubbed = personal.body(_path_of(found.request), body)
    if scrubbed == body:
        return found
    return dataclasses.replace(found, response={**response, "response_body": scrubbed})


def _texts(personal: PersonalData, found: ContractViolation) -> ContractViolation:
    return dataclasses.replace(
        found,
        title=personal.text(found.title),
        message=personal.text(found.message),
        steps=tuple(personal.text(step) for step in found.steps),
    )


def scrub_personal(
    cases: Sequence[CaseFinished], cleanup: CleanupFinished | None, *, token: str | None
) -> tuple[list[CaseFinished], CleanupFinished | None]:
    """``cases`` and ``cleanup`` as a report shows them: the answers of their violations
    without personal data (the run's own leads and contacts are those whose names hold
    ``token`` or that the run sent), and each value replaced there replaced in their texts
    (titles, messages, steps, what cleanup left) as well. The originals stay as they are."""
    personal = PersonalData(token=token)
    for case in cases:
        _note_sent(personal, case)
    # Every answer first: a message may quote a value that another case's answer holds.
    answered = [
        dataclasses.replace(
            case,
            violations=tuple(_answer(personal, v) for v in case.violations),
            warnings=tuple(_answer(personal, w) for w in case.warnings),
        )
        if case.violations or case.warnings
        else case
        for case in cases
    ]
    if not personal.replaced:
        return answered, cleanup
    shown = [
        dataclasses.replace(
            case,
            violations=tuple(_texts(personal, v) for v in case.violations),
            warnings=tuple(_texts(personal, w) for w in case.warnings),
        )
        if case.violations or case.warnings
        else case
        for case in answered
    ]
    if cleanup is not None and cleanup.leftovers:
        cleanup = dataclasses.replace(
            cleanup, leftovers=tuple(personal.text(why) for why in cleanup.leftovers)
        )
    return shown, cleanup
