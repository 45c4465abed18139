"""Replay scaling: seconds to replay recordings of about 500, 1,000 and 2,000 interactions.

Each recording is made against the embedded emulator with enough valid examples to reach
the size; each replay runs offline (an httpx transport serves the cassette, no network)
and is timed 3 times (median).

    python benchmarks/bench_replay.py [--sizes 500 1000 2000] [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import contract
from contract.events import RunFinished

# A default run sends ~106 requests besides the valid phase, and ~14 per valid example
# (7 lifecycle requests for each of the emulator's 2 types).
_FIXED, _PER_EXAMPLE = 106, 14


def _run(config: contract.Config) -> RunFinished:
    finished = None
    for event in contract.run(config):
        if isinstance(event, RunFinished):
            finished = event
    assert finished is not None
    return finished


def measure(size: int, repeats: int, workdir: Path) -> dict[str, float]:
    """Record a run of about ``size`` interactions and time its replays."""
    examples = max(1, round((size - _FIXED) / _PER_EXAMPLE))
    directory = workdir / f"rec-{size}"
    recorded = _run(contract.Config(examples=examples, record=directory))
    interactions = (directory / "cassette.yaml").read_text("utf-8").count("\n    uri: ")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        replayed = _run(contract.Config(cassettes=directory))
        times.append(time.perf_counter() - started)
        assert replayed.summary.violations == recorded.summary.violations
    seconds = statistics.median(times)
    return {
        "target": size,
        "interactions": interactions,
        "replay_seconds": round(seconds, 3),
        "ms_per_interaction": round(1000 * seconds / interactions, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(size, args.repeats, Path(tmp)) for size in args.sizes]
    base = rows[0]["ms_per_interaction"]
    for row in rows:
        row["cost_ratio_vs_smallest"] = round(row["ms_per_interaction"] / base, 2)
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    sys.stdout.write("interactions  replay s  ms/interaction  per-interaction cost vs smallest\n")
    for row in rows:
        sys.stdout.write(
            f"{row['interactions']:>12}  {row['replay_seconds']:>8}  "
            f"{row['ms_per_interaction']:>14}  {row['cost_ratio_vs_smallest']:>6}x\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
