"""Nothing a server sends is unbounded: body bytes (decompressed), time per answer, pages
per list walk, and waits asked for by RateLimit. Each bound is asserted on a counter (the
proxy's bytes and pages, memory traced in-process), never on the wall clock; a run that
ignored a bound would meet one of the proxy's own safety caps, which the tests forbid."""

from __future__ import annotations

import tracemalloc

import pytest

from contract.events import CaseFinished

from ._proxy import BOMB_BYTES, bomb
from ._scene import BOUNDS, keeps_promises, run_through
from .conftest import SceneFactory

# What a bounded read of a body may still have let into the loopback socket buffers.
_SOCKET_SLACK = 16 * 1024 * 1024


def test_a_gzip_bomb_is_cut_at_the_byte_bound(hostile: SceneFactory) -> None:
    # Given a server whose list answers are 200 MiB of zeros, gzipped to a few hundred KiB
    bomb()  # built before memory is traced
    with hostile("gzip_bomb") as scene:
        # When a run with a 1 MiB body bound goes through it, its memory traced
        tracemalloc.start()
        try:
            result = run_through(scene, max_inconclusive=0.0)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

        # Then it never held anything near the bomb's size, and the answer was inconclusive
        keeps_promises(scene, result)
        assert peak < BOMB_BYTES // 4, f"peak {peak / 2**20:.0f} MiB; {result.describe()}"
        assert result.exit_code == 3, result.describe()


def test_an_endless_body_is_cut_at_the_byte_bound(hostile: SceneFactory) -> None:
    # Given a server whose list answers are a chunked body that never ends
    with hostile("endless_chunked") as scene:
        # When a run with a 1 MiB body bound goes through it
        result = run_through(scene, max_inconclusive=0.0)

        # Then the run hung up on each such answer soon after its bound
        keeps_promises(scene, result)
        streams = scene.proxy.streamed()
        assert scene.proxy.exhausted == [], result.describe()
        bound = BOUNDS["max_response_bytes"] + _SOCKET_SLACK
        assert streams and max(streams) <= bound, streams
        assert result.exit_code == 3, result.describe()


def test_a_trickle_is_cut_at_the_response_deadline(hostile: SceneFactory) -> None:
    # Given a server whose list answers come one byte every 2 s: no single read times out
    with hostile("trickle") as scene:
        # When a run with a 0.5 s deadline per answer goes through it
        result = run_through(scene, response_timeout=0.5, max_inconclusive=0.0)

        # Then it let go of every trickle itself: none ran into the proxy's own cap
        keeps_promises(scene, result)
        assert scene.proxy.exhausted == [], result.describe()
        assert result.exit_code == 3, result.describe()


def test_endless_paging_stops_at_the_page_bound(hostile: SceneFactory) -> None:
    # Given a server whose lists say has_more: true forever, the same items on every page
    with hostile("endless_paging") as scene:
        # When a run with a 3-page bound goes through it
        result = run_through(scene)

        # Then no list walk read more than 3 pages, and the run warned about it
        keeps_promises(scene, result)
        assert scene.proxy.walks and max(scene.proxy.walks) <= BOUNDS["max_pages"]
        assert max(scene.proxy.walks) == BOUNDS["max_pages"], "no walk met the bound"
        said = [*result.warnings]
        said += [repr(e) for e in result.events if not isinstance(e, CaseFinished)]
        assert any("has_more" in text or "pages" in text for text in said), result.describe()
        # ...and the lists it never finished made it create no more than it would anyway:
        # about one instance per case (a few cases make a bounded few: the length ladder,
        # the concurrency phase's four, the query probes' second instance)
        creates = len(scene.proxy.requests("POST", "custom_object/"))
        assert result.finished is not None, result.describe()
        assert creates <= 2 * result.finished.summary.cases
        assert result.exit_code == 0, result.describe()


@pytest.mark.parametrize("mode", ["absurd_ratelimit", "absurd_429"])
def test_an_absurd_ratelimit_wait_ends_the_run_as_unreachable(
    hostile: SceneFactory, mode: str
) -> None:
    # Given a server whose every answer (absurd_429: a 429) says: nothing left, come back
    # in 10^12 seconds
    with hostile(mode) as scene:
        # When a run that waits at most 1 s goes through it
        result = run_through(scene, cleanup_timeout=2.0)

        # Then it did not wait it out: it warned, and treated the target as unreachable
        # (exit 3) before the proxy gave up on the header
        keeps_promises(scene, result)
        said = "\n".join([*result.warnings, result.said])
        assert "reset" in said or "wait" in said, result.describe()
        assert scene.proxy.exhausted == [], result.describe()
        assert result.exit_code == 3, result.describe()
