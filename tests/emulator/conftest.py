"""Fixtures: one emulator per test module (state is shared only where it cannot interfere)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from contract.emulator import EmulatorServer

from ._support import Catalog, Json, client_for, load_catalog, new_lead


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture(scope="module")
def api(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    """Client of the demo organization."""
    with client_for(emulator) as client:
        yield client


@pytest.fixture(scope="module")
def other_api(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    """Client of the second organization."""
    with client_for(emulator, emulator.other_api_key) as client:
        yield client


@pytest.fixture(scope="module")
def catalog(api: httpx.Client) -> Catalog:
    return load_catalog(api)


@pytest.fixture(scope="module")
def other_catalog(other_api: httpx.Client) -> Catalog:
    return load_catalog(other_api)


@pytest.fixture
def lead(api: httpx.Client) -> Json:
    """A fresh lead (with one contact) in the demo organization."""
    return new_lead(api)
