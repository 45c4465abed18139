"""Shared test configuration: deterministic Hypothesis profiles.

``ci`` (the default under CI=true) derandomizes generation so every run draws the same
examples; ``dev`` keeps examples few for fast local loops.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# Runs against a live target journal what they create; the tests' journals go to a
# directory of their own, never into the checkout (CLI subprocesses inherit it too).
STATE_DIR = tempfile.mkdtemp(prefix="close-contract-state-")

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=30, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _no_close_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts without the developer's CLOSE_* variables (a CLOSE_BASE_URL in the
    shell would turn a test's run into one against a live organization), journaling into
    the tests' own state directory."""
    for name in list(os.environ):
        if name.startswith("CLOSE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CLOSE_STATE_DIR", STATE_DIR)
    yield
