"""Malformed answers are findings, never tracebacks: on 2xx answers whose documented
response is JSON, a body that is not UTF-8 JSON is a violation (exit 1); a body past the
tool's own limits (nesting) or whose encoding or framing fails is inconclusive (here exit 3:
the run is given no room for inconclusive cases). Cleanup survives every such answer, the
list answers of its own search included."""

from __future__ import annotations

import pytest

from ._scene import keeps_promises, run_through
from .conftest import SceneFactory


@pytest.mark.parametrize("mode", ["invalid_json", "non_utf8", "invalid_json_read"])
def test_a_2xx_answer_that_is_not_utf8_json_is_a_violation(
    hostile: SceneFactory, mode: str
) -> None:
    # Given a server whose lists (or, for invalid_json_read, whose reads of one instance)
    # answer 200 with a body that is not JSON, or not UTF-8
    with hostile(mode) as scene:
        # When a run goes through it
        result = run_through(scene)

        # Then it reports violations and exits 1, with its cleanup done and listed
        keeps_promises(scene, result)
        assert result.error is None, result.describe()
        assert result.exit_code == 1, result.describe()
        assert result.cleanup is not None


@pytest.mark.parametrize("mode", ["deep_json", "corrupt_gzip", "broken_chunked"])
def test_an_answer_past_the_tools_limits_or_with_broken_encoding_is_inconclusive(
    hostile: SceneFactory, mode: str
) -> None:
    # Given a server whose list answers are 100,000-deep JSON, a corrupt gzip body, or
    # broken chunked framing
    with hostile(mode) as scene:
        # When a run that allows no inconclusive case goes through it
        result = run_through(scene, max_inconclusive=0.0)

        # Then no traceback, nothing touched, and the verdict is withheld (exit 3), never
        # a violation of the contract
        keeps_promises(scene, result)
        assert result.exit_code == 3, result.describe()
        if result.finished is not None:
            assert result.finished.summary.violations == 0, result.describe()
            assert result.finished.summary.inconclusive > 0, result.describe()


@pytest.mark.parametrize("mode", ["deep_json", "invalid_json", "gzip_bomb"])
def test_cleanup_survives_a_server_that_breaks_in_the_middle_of_a_run(
    hostile: SceneFactory, mode: str
) -> None:
    # Given a server that answers well until the run's first DELETE, then answers every
    # list (cleanup's search for instances it missed included) with 100,000-deep JSON,
    # truncated JSON or a gzip bomb
    with hostile(mode, late=True) as scene:
        # When a run goes through it
        result = run_through(scene)

        # Then no traceback and nothing foreign touched; cleanup ended with its list, and
        # every row the run made is gone or named there, never lost
        keeps_promises(scene, result)
        assert result.cleanup is not None, result.describe()
        broken = [s for s in scene.proxy.seen if s.method == "GET" and "lead_id=" in s.target]
        assert len(broken) > 1, "no list was read after the server broke"
        # (leads whose list of instances could no longer be read are left alone: deleting
        # a lead deletes whatever is on it), and a run that left data has no clean verdict
        assert result.cleanup.leftovers, result.describe()
        assert all("left alone" in line for line in result.cleanup.leftovers)
        assert result.exit_code == 3, result.describe()
