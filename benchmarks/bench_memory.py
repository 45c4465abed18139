"""Memory: peak resident set size of a close-contract run of at least 5,000 cases.

Each measured run is ``contract.run(Config(examples=E))`` against the embedded emulator (as
``close-contract run --examples E`` does: the emulator serves from a thread of the same
process, so its database and server count too), alone in a fresh child process that
iterates the events without keeping them and reports its own peak (``VmHWM`` from
``/proc/self/status``, else ``ru_maxrss``). ``E`` is the smallest example count whose run
has at least ``--cases`` cases: a run has a fixed number of cases (setup, one per invalid
mutation, the probes) plus one per type for each valid example; two short runs in this
process measure both. The default run (``examples=10``) is measured the same way, for
scale. Each size runs ``--repeats`` times; the median is reported.

    python benchmarks/bench_memory.py [--cases 5000] [--repeats 3] [--json]

Exit status: 0 when the median peak of the large run is under ``--limit-mb`` (300), else 1.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_CHILD_TIMEOUT = 900.0


def _cases(examples: int) -> int:
    import contract
    from contract.config import Config
    from contract.events import RunFinished

    for event in contract.run(Config(examples=examples)):
        if isinstance(event, RunFinished):
            return event.summary.cases
    raise RuntimeError("the run ended without RunFinished")


def examples_for(cases: int) -> tuple[int, int, int]:
    """The smallest ``examples`` reaching ``cases``, with the fixed and per-example cases."""
    one, two = _cases(1), _cases(2)
    per_example = two - one
    fixed = one - per_example
    return max(1, math.ceil((cases - fixed) / per_example)), fixed, per_example


def _peak_kib() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def child(examples: int) -> dict[str, Any]:
    """One run in this process (the child): its size, duration and peak RSS."""
    import contract
    from contract.config import Config
    from contract.events import RunFinished

    started = time.perf_counter()
    summary = None
    for event in contract.run(Config(examples=examples)):
        if isinstance(event, RunFinished):
            summary = event.summary
    assert summary is not None
    return {
        "examples": examples,
        "cases": summary.cases,
        "requests": summary.requests,
        "violations": summary.violations,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(_peak_kib() / 1024, 1),
    }


def measure(examples: int) -> dict[str, Any]:
    """Run ``child(examples)`` in a fresh interpreter and return its report."""
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(examples)],
        capture_output=True,
        text=True,
        timeout=_CHILD_TIMEOUT,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the measured run failed:\n{completed.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "examples": runs[0]["examples"],
        "cases": runs[0]["cases"],
        "requests": runs[0]["requests"],
        "seconds": round(statistics.median(r["seconds"] for r in runs), 2),
        "peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in runs), 1),
        "runs": runs,
    }


def run(cases: int = 5000, repeats: int = 3, limit_mb: float = 300.0) -> dict[str, Any]:
    """Measure the default run and a run of at least ``cases`` cases, ``repeats`` times."""
    examples, fixed, per_example = examples_for(cases)
    small: list[dict[str, Any]] = []
    large: list[dict[str, Any]] = []
    for _ in range(repeats):
        small.append(measure(10))
        large.append(measure(examples))
    report: dict[str, Any] = {
        "target_cases": cases,
        "fixed_cases": fixed,
        "cases_per_example": per_example,
        "default": _median(small),
        "large": _median(large),
        "limit_mb": limit_mb,
    }
    grown = report["large"]["peak_rss_mb"] - report["default"]["peak_rss_mb"]
    extra = report["large"]["cases"] - report["default"]["cases"]
    report["kib_per_extra_case"] = round(1024 * grown / extra, 1) if extra else 0.0
    report["ok"] = report["large"]["peak_rss_mb"] < limit_mb and report["large"]["cases"] >= cases
    return report


def render(report: dict[str, Any]) -> str:
    """A short text summary."""
    lines = []
    for name in ("default", "large"):
        row = report[name]
        lines.append(
            f"{name:8} examples={row['examples']:>5} cases={row['cases']:>6} "
            f"requests={row['requests']:>7} {row['seconds']:>7} s  "
            f"peak RSS {row['peak_rss_mb']} MB"
        )
    lines.append(f"growth: {report['kib_per_extra_case']} KiB per extra case")
    lines.append(f"{'ok' if report['ok'] else 'FAIL'}: limit {report['limit_mb']} MB")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000, help="at least this many cases")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (median)")
    parser.add_argument("--limit-mb", type=float, default=300.0, help="goal (300 MB)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        sys.stdout.write(json.dumps(child(args.child)) + "\n")
        return 0
    report = run(args.cases, args.repeats, args.limit_mb)
    sys.stdout.write((json.dumps(report, indent=2) if args.json else render(report)) + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
