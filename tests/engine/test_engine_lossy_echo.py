"""A default run sees every echo that loses information: the edge values of valid payloads
(long and astral text, many significant digits, every value of a multi-value field) show
the emulator's lossy-storage faults, and the faithful emulator echoes them all."""

from __future__ import annotations

import pytest
from support.run import run_engine

from contract.config import DEFAULT_EXAMPLES, Config

LOSSY = ("truncates_long_text", "float32_numbers", "mangles_astral_text", "multi_value_truncated")
# (the cases Close may accept, such as a huge name or number, are judged by their echo too)
ECHO_CHECKS = frozenset(
    {"echo_conformance", "read_after_create", "update_conformance", "oversized_value_kept"}
)


@pytest.mark.parametrize("fault", LOSSY)
def test_a_default_run_catches_a_lossy_echo(fault: str) -> None:
    # When a default run (default examples and seed; stopped at its first finding, which
    # changes nothing that was drawn before it) meets storage that loses information
    config = Config(emulator_faults=(fault,), exitfirst=True, shrink=False)
    assert (config.examples, config.seed) == (DEFAULT_EXAMPLES, 0)
    ran = run_engine(config)

    # Then a valid case's echo or read shows the loss
    summary = ran.finished.summary
    assert summary.exit_code == 1
    assert ECHO_CHECKS & set(summary.by_check), summary.by_check
    failing = [case for case in ran.cases if case.violations]
    assert failing and failing[0].phase in ("breadth", "valid", "invalid"), failing[:1]
