"""The control: a proxy that changes nothing leaves the run as it is without it."""

from __future__ import annotations

from ._scene import BOUNDS, keeps_promises, run_through
from .conftest import SceneFactory


def test_a_faithful_proxy_changes_nothing(hostile: SceneFactory) -> None:
    # Given the proxy in front of the emulator, lying about nothing
    with hostile("passthrough") as scene:
        # When one small run goes through it
        result = run_through(scene)

        # Then the contract holds, and the run cleaned up after itself and nothing else
        assert result.error is None and result.exit_code == 0, result.describe()
        keeps_promises(scene, result)
        assert scene.proxy.writes(), "the run wrote nothing: the proxy saw no traffic"
        assert scene.proxy.exhausted == []
        assert max(scene.proxy.walks) <= BOUNDS["max_pages"]
