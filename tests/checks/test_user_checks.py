"""A check a user registers runs where its declaration says, and the run tallies it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.run import run_engine

from contract.checks import APPLIES, CHECKS, CheckContext, check, violation
from contract.config import Config

# Without shrinking, every answer the check is handed belongs to a reported case.
_SMALL: dict[str, Any] = {
    "examples": 1,
    "invalid_examples": 1,
    "stateful_runs": 0,
    "seed": 3,
    "shrink": False,
}


@pytest.fixture
def registered() -> Iterator[list[CheckContext]]:
    """Register the test's checks; remove them afterwards (the registry is process-wide)."""
    seen: list[CheckContext] = []
    before = set(CHECKS)
    yield seen
    for name in set(CHECKS) - before:
        CHECKS.pop(name)
        APPLIES.pop(name, None)


def test_a_selected_user_check_runs_and_its_violations_count(
    registered: list[CheckContext],
) -> None:
    # Given a check that fails every answer, registered bare
    @check
    def always_fails(ctx: CheckContext) -> None:
        registered.append(ctx)
        raise violation(ctx, "always_fails", "always", "This check fails every answer.")

    # When a run on the embedded emulator selects it
    ran = run_engine(Config(checks=("always_fails",), **_SMALL))

    # Then it judged answers, each a violation, and the run fails
    summary = ran.finished.summary
    assert registered
    assert summary.by_check.get("always_fails") == len(registered)
    assert summary.exit_code == 1
    tally = summary.checks["always_fails"]
    assert (tally.judged, tally.failed, tally.passed, tally.not_run) == (
        len(registered),
        len(registered),
        0,
        None,
    )
    # and every built-in check, not selected, says so
    assert summary.checks["status_conformance"].not_run == "not selected"


def test_a_check_declared_for_deletes_is_handed_only_delete_answers(
    registered: list[CheckContext],
) -> None:
    # Given a check declared for the delete operation
    @check(operations={"delete"})
    def deletes_only(ctx: CheckContext) -> None:
        registered.append(ctx)

    # When a run selects it with a built-in check
    ran = run_engine(Config(checks=("deletes_only", "not_a_server_error"), **_SMALL))

    # Then it saw DELETE answers only, and passed them all
    assert registered
    assert {ctx.exchange.method for ctx in registered} == {"DELETE"}
    assert {ctx.operation for ctx in registered} == {"delete"}
    tally = ran.finished.summary.checks["deletes_only"]
    assert (tally.judged, tally.passed, tally.failed) == (len(registered), len(registered), 0)
    assert ran.finished.summary.checks["not_a_server_error"].judged > len(registered)
