"""The contract as test items: one per case kind and per lifecycle property."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pytest

from contract.errors import ContractWarning
from strategies import MUTATIONS

if TYPE_CHECKING:
    from contract.errors import ContractViolation
    from contract.events import CaseFinished
    from contract.reports import RunReport

LIFECYCLE = (
    "read_after_create",
    "listed_after_create",
    "update_conformance",
    "gone_after_delete",
    "auth_enforced",
    "org_isolation",
)


def _verdict(cases: list[CaseFinished], found: list[ContractViolation], what: str) -> None:
    if not cases:
        pytest.skip(f"no case of {what} ran against this target")
    if found:
        shown = "\n\n".join(str(v) for v in found[:10])
        more = f"\n\n… and {len(found) - 10} more" if len(found) > 10 else ""
        pytest.fail(f"{len(found)} violation(s) of {what}:\n\n{shown}{more}", pytrace=False)
    undecided = [c for c in cases if c.inconclusive]
    if len(undecided) == len(cases):
        # The network decided every case: nothing was judged, which is not a pass.
        pytest.skip(f"every case of {what} was inconclusive: {undecided[0].inconclusive}")


def test_setup(close_results: RunReport) -> None:
    """Creating the lead and the reference instances kept the contract."""
    cases, found = close_results.select(phase="setup")
    _verdict(cases, found, "setup")


@pytest.mark.parametrize("kind", ["valid", *(f"invalid:{m}" for m in sorted(MUTATIONS))])
def test_create(close_results: RunReport, kind: str) -> None:
    """Valid payloads are created (2xx, response schema, values echoed); a payload that
    breaks one rule is answered as the rule says."""
    if kind == "valid":
        cases, found = close_results.select(phase="valid", exclude=LIFECYCLE)
        _verdict(cases, found, "valid creates")
        return
    mutation = kind.removeprefix("invalid:")
    cases, found = close_results.select(phase="invalid", mutation=mutation)
    _verdict(cases, found, f"the mutation {mutation} ({MUTATIONS[mutation].reason})")


@pytest.mark.parametrize("check", LIFECYCLE)
def test_lifecycle(close_results: RunReport, check: str) -> None:
    """Read, list, update, delete, authentication and isolation around valid creates."""
    cases, found = close_results.select(phase="valid", checks={check})
    tally = close_results.summary.checks.get(check)
    if not found and tally is not None and tally.not_run is not None:
        # A check that judged nothing did not pass: it says why it did not run.
        pytest.skip(f"{check} did not run: {tally.not_run}")
    _verdict(cases, found, check)


def test_probes_unknown_id(close_results: RunReport) -> None:
    """GET, PUT and DELETE of an unknown id answer 404."""
    cases, found = close_results.select(phase="probes")
    _verdict(cases, found, "unknown-id probes")


@pytest.mark.parametrize("check", ["status_regression", "shape_regression"])
def test_baseline(close_results: RunReport, close_config: object, check: str) -> None:
    """Statuses and response shapes are those of the baseline (with --close-baseline)."""
    cases, found = close_results.select(phase="baseline", checks={check})
    # The findings below the gate (--close-fail-on) fail nothing: each is a warning, which
    # pytest's warnings summary lists.
    compared = close_results.baseline
    for below in compared.below_gate if compared is not None else ():
        if below.check == check:
            warnings.warn(
                ContractWarning(f"{below.level} {below.rule}: {below.title}"), stacklevel=1
            )
    _verdict(cases, found, f"{check} against the baseline")


def test_latency(close_results: RunReport) -> None:
    """Answer times per operation are those of the latency file beside the baseline (with
    --close-baseline): a slower one is a warning, a failure with --close-fail-on-latency."""
    compared = close_results.latency
    if compared is None or compared.note is not None:
        why = "no baseline was given" if compared is None else compared.note
        pytest.skip(f"answer times were not compared: {why}")
    if not compared.fails:
        for change in compared.slower:
            warnings.warn(ContractWarning(f"slower: {change.line}"), stacklevel=1)
        return
    cases, found = close_results.select(phase="latency")
    _verdict(cases, found, "answer times against the latency baseline")


def test_stateful(close_results: RunReport) -> None:
    """Sequences of operations answer as the model of what the run did predicts; each
    failure shows the numbered requests that reproduce it."""
    cases, found = close_results.select(phase="stateful")
    _verdict(cases, found, "the stateful phase")


def test_concurrency(close_results: RunReport) -> None:
    """Requests sent at once lose nothing and are seen afterwards: each finding is a
    warning, which pytest's warnings summary lists (a failure with
    --close-fail-on-concurrency)."""
    cases, found = close_results.select(phase="concurrency")
    for case in cases:
        for warning in case.warnings:
            warnings.warn(ContractWarning(f"{warning.check}: {warning.title}"), stacklevel=1)
    _verdict(cases, found, "the concurrency phase")


def test_schemathesis(close_results: RunReport) -> None:
    """schemathesis's own checks on each type agree (with --close-schemathesis)."""
    cases, found = close_results.select(phase="schemathesis")
    _verdict(cases, found, "schemathesis's checks")
