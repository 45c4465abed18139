"""Speed on a slow network: concurrent, paced runs against their floor and vs schemathesis.

The server is the emulator in its own process (``close-contract serve``), so that it has
a core of its own as a remote API would, answering every request ``--latency`` seconds
late. Three measurements, all in one run of this script (compare them as ratios: the
machine is shared and noisy):

* **pacing**: a close-contract run of about ``--requests`` requests against a server that
  also enforces ``--rate`` requests per second per key (``serve --rate-limit``), once per
  worker count of ``--workers`` and once with the default (``--workers`` not given: what
  the measured latency and the server's ``RateLimit`` budget call for), and once more
  with the default and the stateful phase off (``stateful_runs=0``). Each reports its
  wall time, its floor (requests ÷ rate: no client may go faster without 429s) and their
  ratio, the requests/s and the 429s met.
* **throughput vs schemathesis**: the same kind of server without a rate limit (both tools
  would otherwise be held at the same limit): close-contract's default run with its
  default workers and ``--examples`` (the default, 10, and one run of the pacing run's
  size), against schemathesis's engine with each of ``--st-workers``, the best setting
  taken: once on the create operation alone (what the schemathesis phase exercises), once
  on the richest type's whole document (create, list, retrieve, update, delete, where its
  workers can run operations in parallel), both specialised as the schemathesis phase
  does. Rates are requests per wall-clock second, setup and cleanup included.
* **the embedded emulator**: a default run (``contract.run(Config(workers=N))``, the emulator
  in this process) with each of ``--embedded-workers``, three interleaved rounds, median
  wall time: whether the default of one worker there is the fastest.
* **engine CPU per case**: a default run against the emulator at no latency, measured by
  this process's CPU time (the server's is in its own process), then profiled: the share
  of the engine's own time by package.

    python benchmarks/bench_speed.py [--latency 0.05] [--rate 100] [--requests 1000]
        [--workers 1 4 16] [--st-workers 1 2 4 8] [--embedded-workers 1 2 4] [--json]

Exit status: 0 when the default-workers pacing run is within 1.3× of its floor with no
429, and close-contract's rate is at least 5× schemathesis's best; 1 otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import contract
from contract.config import DEFAULT_STATEFUL_RUNS, Config
from contract.events import CaseFinished, RunFinished

if not __package__:  # run as a script: the repository root must be importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._support import prepare  # noqa: E402

_CLI = [sys.executable, "-m", "contract.cli"]
# Requests of a default run beyond the valid lifecycles, and requests per valid example.
_FIXED, _PER_EXAMPLE = 90, 14.5
GOAL_FLOOR, GOAL_RATIO = 1.3, 5.0


@dataclass
class Served:
    """A ``close-contract serve`` process: its API root and keys."""

    base_url: str
    api_key: str
    other_api_key: str


@contextmanager
def serve(latency: float, rate: int | None, port: int) -> Iterator[Served]:
    """The emulator in a process of its own on 127.0.0.1:``port``."""
    args = [*_CLI, "serve", "--port", str(port), "--latency", str(latency)]
    if rate is not None:
        args += ["--rate-limit", str(rate)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first, second = process.stdout.readline(), process.stdout.readline()
        url = re.search(r"on (\S+)", first)
        key = re.search(r"api key: (\S+)", first)
        other = re.search(r"api key: (\S+)", second)
        if not (url and key and other):
            raise RuntimeError(f"the emulator did not start: {first!r}")
        yield Served(url[1], key[1], other[1])
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def ours(
    server: Served, examples: int, workers: int | None, stateful_runs: int | None = None
) -> dict[str, Any]:
    """One close-contract run against ``server`` with ``workers`` (None: the default) and
    ``stateful_runs`` sequences of the stateful phase (None: the default)."""
    config = Config(
        base_url=server.base_url,
        api_key=server.api_key,
        other_api_key=server.other_api_key,
        examples=examples,
        workers=workers,
        stateful_runs=DEFAULT_STATEFUL_RUNS if stateful_runs is None else stateful_runs,
    )
    started = time.perf_counter()
    finished = None
    stateful = 0
    for event in contract.run(config):
        if isinstance(event, CaseFinished) and event.phase == "stateful":
            stateful += event.requests
        elif isinstance(event, RunFinished):
            finished = event
    seconds = time.perf_counter() - started
    assert finished is not None
    summary = finished.summary
    return {
        "workers": summary.workers,
        "chosen": workers is None,
        "stateful": stateful_runs != 0,
        "stateful_requests": stateful,
        "cases": summary.cases,
        "requests": summary.requests,
        "violations": summary.violations,
        "throttled": summary.throttled,
        "seconds": seconds,
        "requests_per_second": summary.requests / seconds,
    }


def pacing(
    latency: float,
    rate: int,
    requests: int,
    workers: Sequence[int],
    port: int,
    stateful_runs: int = DEFAULT_STATEFUL_RUNS,
) -> list[dict[str, Any]]:
    """Runs of about ``requests`` requests at ``rate``/s, per worker count and the default
    (with ``stateful_runs`` sequences, and once more without the stateful phase)."""
    examples = max(1, round((requests - _FIXED) / _PER_EXAMPLE))
    rows = []
    # The default run, the default run without the stateful phase (whose sequences run in
    # order, one after another), then each worker count.
    for count, sequences in [
        (None, stateful_runs),
        (None, 0),
        *((n, stateful_runs) for n in workers),
    ]:
        with serve(latency, rate, port) as server:
            row = ours(server, examples, count, sequences)
        row["floor"] = row["requests"] / rate
        row["ratio"] = row["seconds"] / row["floor"]
        rows.append(row)
    return rows


def theirs(server: Served, workers: int, examples: int, whole: bool) -> dict[str, Any]:
    """schemathesis with ``workers`` on the create operation of the richest type's
    document, or (``whole``) on every operation of it."""
    import schemathesis as st
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events, from_schema

    from contract.schemas import openapi_document
    from contract.schemathesis_phase import DEFAULT_CHECKS, specialise_for_schemathesis

    richest, lead, references = prepare(server)  # type: ignore[arg-type]
    document = openapi_document(
        request_schema=richest.request_schema,
        update_schema=richest.update_schema,
        instance_schema=richest.response_schema,
        server_url=server.base_url,
    )
    document = specialise_for_schemathesis(document, lead, references)
    if not whole:
        document["paths"] = {
            "/custom_object/": {"post": document["paths"]["/custom_object/"]["post"]}
        }
    config = SchemathesisConfig.from_dict(
        {
            "seed": 0,
            "color": False,
            "base-url": server.base_url,
            "auth": {"basic": {"username": server.api_key, "password": ""}},
            "workers": workers,
            "continue-on-failure": True,
            "cache": {"enabled": False},
            "generation": {"max-examples": examples, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in DEFAULT_CHECKS}},
        }
    )
    started = time.perf_counter()
    requests = 0
    for event in from_schema(st.openapi.from_dict(document, config=config)).execute():
        if isinstance(event, events.ScenarioFinished):
            requests += len(event.recorder.interactions)
        elif isinstance(event, events.FatalError):
            raise RuntimeError(f"schemathesis stopped: {event.exception!r}")
    seconds = time.perf_counter() - started
    return {
        "workers": workers,
        "document": "whole" if whole else "create",
        "requests": requests,
        "seconds": seconds,
        "requests_per_second": requests / seconds,
    }


def throughput(
    latency: float,
    st_workers: Sequence[int],
    st_examples: int,
    examples: int,
    large: int,
    port: int,
    stateful_runs: int = DEFAULT_STATEFUL_RUNS,
) -> dict[str, Any]:
    """close-contract (default workers; ``examples``, then ``large``; ``stateful_runs``
    sequences) vs schemathesis (each worker count), no rate limit."""
    with serve(latency, None, port) as server:
        mine = [
            ours(server, examples, None, stateful_runs),
            ours(server, large, None, stateful_runs),
        ]
        others = [
            theirs(server, count, st_examples, whole)
            for whole in (False, True)
            for count in st_workers
        ]
    best: dict[str, Any] = {}
    for document in ("create", "whole"):
        rows = [row for row in others if row["document"] == document]
        top = max(rows, key=lambda row: row["requests_per_second"])
        best[document] = {
            "workers": top["workers"],
            "requests_per_second": top["requests_per_second"],
            "ratio": {
                str(run["requests"]): run["requests_per_second"] / top["requests_per_second"]
                for run in mine
            },
        }
    fastest = max(best.values(), key=lambda row: row["requests_per_second"])
    return {
        "toolkit": mine,
        "schemathesis": others,
        "best": best,
        # Against schemathesis's best on either document: the default run (ten examples,
        # much of it the sequential setup and cleanup) and the run of the pacing run's size.
        "ratio_default": mine[0]["requests_per_second"] / fastest["requests_per_second"],
        "ratio": mine[1]["requests_per_second"] / fastest["requests_per_second"],
    }


def embedded(
    workers: Sequence[int],
    rounds: int = 3,
    examples: int = 10,
    stateful_runs: int = DEFAULT_STATEFUL_RUNS,
) -> list[dict[str, Any]]:
    """Median wall time of a default run on the embedded emulator, per worker count."""
    times: dict[int, list[float]] = {count: [] for count in workers}
    for index in range(rounds + 1):
        order = list(workers) if index % 2 == 0 else list(reversed(workers))
        for count in order:
            started = time.perf_counter()
            config = Config(workers=count, examples=examples, stateful_runs=stateful_runs)
            for _ in contract.run(config):
                pass
            if index:  # the first round warms imports and caches
                times[count].append(time.perf_counter() - started)
    return [{"workers": count, "seconds": statistics.median(times[count])} for count in workers]


def cpu(
    port: int, examples: int = 10, stateful_runs: int = DEFAULT_STATEFUL_RUNS
) -> dict[str, Any]:
    """CPU seconds per case of a default run (this process only), and its profile."""
    with serve(0.0, None, port) as server:
        # Imports and first-use caches are not the engine's cost per case.
        ours(server, 1, 1, stateful_runs)
        before = time.process_time()
        row = ours(server, examples, 1, stateful_runs)
        seconds = time.process_time() - before
        profiler = cProfile.Profile()
        profiler.enable()
        ours(server, examples, 1, stateful_runs)
        profiler.disable()
    shares: Counter[str] = Counter()
    stats: Any = pstats.Stats(profiler)
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        shares[_package(filename, name)] += own
    total = sum(shares.values())
    return {
        "cases": row["cases"],
        "requests": row["requests"],
        "cpu_seconds": seconds,
        "cpu_ms_per_case": 1000 * seconds / row["cases"],
        "cpu_ms_per_request": 1000 * seconds / row["requests"],
        "profile": [{"part": part, "share": own / total} for part, own in shares.most_common(12)],
    }


def _package(filename: str, name: str) -> str:
    """What a profiled function belongs to: a package, the toolkit's own packages, or I/O."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    for own in ("contract/", "strategies/"):
        if own in filename:
            tail = filename.rsplit(own, 1)[1]
            return own + tail.split("/", 1)[0] if "/" in tail else own.rstrip("/")
    if filename.startswith("~") or filename.startswith("<"):
        return "socket I/O" if "socket" in name or "select" in name else "builtins"
    return "standard library"


def measure(
    *,
    latency: float,
    rate: int,
    requests: int,
    workers: Sequence[int],
    st_workers: Sequence[int],
    st_examples: int,
    embedded_workers: Sequence[int],
    port: int = 0,
    rounds: int = 3,
    examples: int = 10,
    stateful_runs: int = DEFAULT_STATEFUL_RUNS,
) -> dict[str, Any]:
    """Every measurement of this script, and whether the goals were met.

    close-contract's runs have ``stateful_runs`` sequences of the stateful phase (the
    default run's), except the pacing run that leaves the phase out.
    """
    large = max(1, round((requests - _FIXED) / _PER_EXAMPLE))
    sequences = stateful_runs
    report: dict[str, Any] = {
        "latency": latency,
        "rate": rate,
        "pacing": pacing(latency, rate, requests, workers, port, sequences),
        "throughput": throughput(
            latency, st_workers, st_examples, examples, large, port, sequences
        ),
        "embedded": embedded(embedded_workers, rounds, examples, sequences),
        "cpu": cpu(port, examples, sequences),
    }
    chosen = report["pacing"][0]
    report["goals"] = {
        "floor": chosen["ratio"] <= GOAL_FLOOR and chosen["throttled"] == 0,
        "throughput": report["throughput"]["ratio"] >= GOAL_RATIO,
    }
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three measurements; print them (``--json``: as JSON)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds (0.05)")
    parser.add_argument("--rate", type=int, default=100, help="requests/s per key (100)")
    parser.add_argument("--requests", type=int, default=1000, help="of the pacing run (1000)")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 4, 16])
    parser.add_argument("--st-workers", type=int, nargs="*", default=[1, 2, 4, 8])
    parser.add_argument("--embedded-workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--st-examples", type=int, default=50, help="per operation (50)")
    parser.add_argument("--port", type=int, default=0, help="for the emulator (0: a free one)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    report = measure(
        latency=args.latency,
        rate=args.rate,
        requests=args.requests,
        workers=args.workers,
        st_workers=args.st_workers,
        st_examples=args.st_examples,
        embedded_workers=args.embedded_workers,
        port=args.port,
    )
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        lines = [
            f"workers {row['workers']}{' (default)' if row['chosen'] else ''}: "
            f"{row['requests']} requests in {row['seconds']:.1f} s = {row['ratio']:.2f}x "
            f"the floor, {row['throttled']} x 429"
            for row in report["pacing"]
        ]
        lines.append(f"throughput ratio {report['throughput']['ratio']:.1f}x")
        lines.append(f"cpu {report['cpu']['cpu_ms_per_case']:.1f} ms per case")
        sys.stdout.write("\n".join(lines) + "\n")
    return 0 if all(report["goals"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
