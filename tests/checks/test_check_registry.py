"""The check registry: declarations, and the tally's reasons for a check that did not run."""

from __future__ import annotations

from contract.checks import APPLIES, CHECKS, tally_checks


def test_every_registered_check_declares_where_it_applies() -> None:
    assert set(APPLIES) == set(CHECKS)


def test_a_check_that_judged_nothing_says_what_the_run_lacked() -> None:
    # Given a run in which no answer reached the isolation or model checks
    tallies = tally_checks([({"status_conformance": (3, 1)}, False)], None)

    # Then nothing is reported as holding for them, and each says what it needs
    isolation = tallies["org_isolation"]
    assert (isolation.judged, isolation.passed) == (0, 0)
    assert isolation.not_run is not None and "second organization's key" in isolation.not_run
    model = tallies["read_matches_model"]
    assert model.not_run is not None and "stateful phase" in model.not_run
    # What did run is counted, passes and failures apart
    status = tallies["status_conformance"]
    assert (status.judged, status.passed, status.failed, status.not_run) == (4, 3, 1, None)


def test_an_unselected_check_is_not_run_because_it_was_not_selected() -> None:
    tallies = tally_checks([], {"status_conformance"})
    assert tallies["org_isolation"].not_run == "not selected"
    assert tallies["status_conformance"].not_run is not None


def test_passes_in_an_inconclusive_case_are_neither_passed_nor_failed() -> None:
    tallies = tally_checks([({"echo_conformance": (2, 1)}, True)], None)
    echo = tallies["echo_conformance"]
    assert (echo.judged, echo.passed, echo.failed, echo.inconclusive) == (3, 0, 1, 2)


def test_a_check_that_judged_nothing_says_whether_the_run_lacked_what_it_needs() -> None:
    from contract.checks import SECOND_KEY, tally_checks

    # A run without the stateful phase or a second key lacked what those checks need...
    lacking = tally_checks([], None)
    assert lacking["put_is_patch"].not_run == (
        "no answer it applies to (it needs the stateful phase (--stateful-runs above 0, on "
        "the emulator or a live target))"
    )
    assert "it needs a second organization's key" in (lacking["org_isolation"].not_run or "")
    # ...one that had both, but whose cases stopped before such answers, says so
    had = tally_checks([], None, phases_run={"stateful"}, met=(SECOND_KEY,))
    for name in ("put_is_patch", "org_isolation"):
        assert (had[name].not_run or "").startswith("no answer of this run reached it"), name
