"""Fixtures of the hostile-server tests: customer data planted once, a scene per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from support.safety import Planted, plant

from ._scene import Scene, scene

SceneFactory = Callable[..., AbstractContextManager[Scene]]


@pytest.fixture(scope="session")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """Customer data in both organizations, planted once per worker."""
    return plant(tmp_path_factory.mktemp("hostile-planted"))


@pytest.fixture
def hostile(planted: Planted, tmp_path: Path) -> Iterator[SceneFactory]:
    """``hostile(mode, **proxy_options)``: a scene on a private copy of the planted data."""

    def make(mode: str, **options: Any) -> AbstractContextManager[Scene]:
        return scene(planted, tmp_path, mode, **options)

    yield make
