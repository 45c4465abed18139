"""pytest plugin for close-contract (registered through the ``pytest11`` entry point).

Importing this module must stay cheap and side-effect free: pytest loads it in every session
of every project that has close-contract installed. The core is imported lazily.
"""

from __future__ import annotations

import pytest

__all__ = ["pytest_addoption", "pytest_configure"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``close`` option group."""
    group = parser.getgroup("close", "close-contract: Close Custom Object API contract")
    group.addoption(
        "--close-base-url",
        default=None,
        help="API root of a Close-compatible target (default: the embedded emulator).",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``close_contract`` marker."""
    config.addinivalue_line(
        "markers", "close_contract(**kwargs): run against a Close target with these options"
    )
