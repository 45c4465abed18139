"""Throughput: cases and requests per second of close-contract's default run, vs schemathesis.

One emulator (started by this script, counting the requests it receives) serves both tools,
in interleaved rounds (the order alternates from round to round, so a burst of load on a
shared machine hits both alike):

* **close-contract**: the default run, ``contract.run(Config())`` (``examples=10``), pointed
  at this emulator as its target (``Config(base_url=..., api_key=..., other_api_key=...)``):
  setup, valid lifecycles, every invalid mutation, the probes and the cleanup.
* **schemathesis**: schemathesis's engine on the create operation only (``POST
  /custom_object/`` of the richest type's document, specialised as ``run_schemathesis``
  does, so its valid creates succeed), with ``DEFAULT_CHECKS``, its default phases
  (examples, coverage, fuzzing), ``max_examples`` as given (schemathesis's default, 100).

Both rates are requests received by the emulator per wall-clock second of the whole run
(schema loading, setup and cleanup included); the ratio is taken per round and its median
reported with the medians of each rate. Each tool runs once unmeasured first. A last run of
close-contract under cProfile shows where its time goes: HTTP round trips, meta-schema
checks of the request schemas, and the rest.

    python benchmarks/bench_throughput.py [--rounds 3] [--examples 10] [--st-examples 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import contract
from contract.config import DEFAULT_STATEFUL_RUNS, Config
from contract.events import RunFinished

if not __package__:  # run as a script: the repository root must be importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._support import CountingEmulator, prepare  # noqa: E402

_CREATE = "/custom_object/"


def toolkit(
    server: CountingEmulator,
    examples: int,
    seed: int,
    stateful_runs: int = DEFAULT_STATEFUL_RUNS,
) -> dict[str, Any]:
    """One default close-contract run against ``server`` (``stateful_runs`` sequences)."""
    config = Config(
        base_url=server.base_url,
        api_key=server.api_key,
        other_api_key=server.other_api_key,
        examples=examples,
        seed=seed,
        stateful_runs=stateful_runs,
    )
    before, started = server.requests, time.perf_counter()
    finished = None
    for event in contract.run(config):
        if isinstance(event, RunFinished):
            finished = event
    seconds = time.perf_counter() - started
    requests = server.requests - before
    assert finished is not None and finished.summary.violations == 0, finished
    return {
        "cases": finished.summary.cases,
        "requests": requests,
        "seconds": seconds,
        "cases_per_second": finished.summary.cases / seconds,
        "requests_per_second": requests / seconds,
    }


# Where a close-contract run spends its time: (label, file suffix, function) of the main
# thread's calls that are never nested in one another.
_PARTS = (
    ("HTTP round trips (the emulator's work included)", "contract/client/_client.py", "request"),
    ("meta-schema checks of request schemas", "jsonschema/validators.py", "check_schema"),
)


def profile(
    server: CountingEmulator,
    examples: int,
    seed: int,
    stateful_runs: int = DEFAULT_STATEFUL_RUNS,
) -> dict[str, float]:
    """Shares of one default run's time (under cProfile) spent in each of ``_PARTS``."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(toolkit, server, examples, seed, stateful_runs)
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(
        row[3] for (path, _, name), row in stats.items() if name == "toolkit" and "bench" in path
    )
    shares = {
        label: sum(
            row[3]
            for (path, _, name), row in stats.items()
            if name == function and path.endswith(suffix)
        )
        / total
        for label, suffix, function in _PARTS
    }
    shares["everything else (generation, checks, engine)"] = 1 - sum(shares.values())
    return {label: round(share, 3) for label, share in shares.items()}


def _create_document(server: CountingEmulator) -> dict[str, Any]:
    """The richest type's document, pinned to a real lead and references, create only."""
    from contract.schemas import openapi_document
    from contract.schemathesis_phase import specialise_for_schemathesis

    richest, lead, references = prepare(server)
    document = openapi_document(
        request_schema=richest.request_schema,
        update_schema=richest.update_schema,
        instance_schema=richest.response_schema,
        server_url=server.base_url,
    )
    special = specialise_for_schemathesis(document, lead, references)
    create = special["paths"][_CREATE]["post"]
    create["responses"]["201"].pop("links", None)  # they lead to operations left out
    special["paths"] = {_CREATE: {"post": create}}
    return special


def schemathesis(
    server: CountingEmulator, document: dict[str, Any], examples: int, seed: int
) -> dict[str, Any]:
    """One schemathesis run on the create operation of ``document`` against ``server``."""
    import schemathesis as st
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events, from_schema

    from contract.schemathesis_phase import DEFAULT_CHECKS

    config = SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "color": False,
            "base-url": server.base_url,
            "auth": {"basic": {"username": server.api_key, "password": ""}},
            "workers": 1,
            # Spend the whole budget: stopping at the first failure would shorten the run.
            "continue-on-failure": True,
            # The cache would answer repeated requests from disk instead of the server.
            "cache": {"enabled": False},
            "generation": {"max-examples": examples, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in DEFAULT_CHECKS}},
        }
    )
    before, started = server.requests, time.perf_counter()
    schema = st.openapi.from_dict(document, config=config)
    scenarios, failures = 0, set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            for nodes in event.recorder.checks.values():
                failures |= {n.name for n in nodes if n.failure_info is not None}
        elif isinstance(event, events.FatalError):
            raise RuntimeError(f"schemathesis stopped: {event.exception!r}")
    seconds = time.perf_counter() - started
    requests = server.requests - before
    return {
        "scenarios": scenarios,
        "failed_checks": sorted(failures),
        "requests": requests,
        "seconds": seconds,
        "requests_per_second": requests / seconds,
    }


def run(
    rounds: int = 3,
    *,
    examples: int = 10,
    st_examples: int = 100,
    seed: int = 0,
    stateful_runs: int = DEFAULT_STATEFUL_RUNS,
    warm_up: bool = True,
) -> dict[str, Any]:
    """``rounds`` interleaved rounds of both tools against one emulator; medians and ratio.

    close-contract's runs have ``stateful_runs`` sequences of its stateful phase; without
    ``warm_up`` the unmeasured first run of each tool is left out (a smoke run's figures
    are not compared with anything).
    """
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    with CountingEmulator(seed=seed) as server:
        document = _create_document(server)
        # One unmeasured run of each first: imports and first-use caches are not throughput.
        if warm_up:
            toolkit(server, examples, seed, stateful_runs)
            schemathesis(server, document, st_examples, seed)
        for index in range(rounds):
            order = (0, 1) if index % 2 == 0 else (1, 0)
            for which in order:
                if which == 0:
                    ours.append(toolkit(server, examples, seed, stateful_runs))
                else:
                    theirs.append(schemathesis(server, document, st_examples, seed))
        breakdown = profile(server, examples, seed, stateful_runs)
    ratios = [
        a["requests_per_second"] / b["requests_per_second"]
        for a, b in zip(ours, theirs, strict=True)
    ]

    def median(rows: list[dict[str, Any]], key: str) -> float:
        return round(float(statistics.median(row[key] for row in rows)), 1)

    return {
        "rounds": rounds,
        "toolkit": {
            "examples": examples,
            "cases": ours[0]["cases"],
            "requests": ours[0]["requests"],
            "seconds": median(ours, "seconds"),
            "cases_per_second": median(ours, "cases_per_second"),
            "requests_per_second": median(ours, "requests_per_second"),
            "runs": ours,
        },
        "schemathesis": {
            "max_examples": st_examples,
            "operation": f"POST {_CREATE}",
            "requests": theirs[0]["requests"],
            "seconds": median(theirs, "seconds"),
            "requests_per_second": median(theirs, "requests_per_second"),
            "runs": theirs,
        },
        "ratio": round(statistics.median(ratios), 2),
        "ratios": [round(r, 2) for r in ratios],
        "toolkit_profile": breakdown,
    }


def render(report: dict[str, Any]) -> str:
    """A short text summary."""
    ours, theirs = report["toolkit"], report["schemathesis"]
    return "\n".join(
        [
            f"median of {report['rounds']} interleaved rounds against one emulator",
            f"close-contract default run: {ours['cases']} cases, {ours['requests']} requests, "
            f"{ours['seconds']} s: {ours['cases_per_second']} cases/s, "
            f"{ours['requests_per_second']} requests/s",
            f"schemathesis {theirs['operation']} (max_examples={theirs['max_examples']}): "
            f"{theirs['requests']} requests, {theirs['seconds']} s: "
            f"{theirs['requests_per_second']} requests/s",
            f"ratio (requests/s): {report['ratio']}x (rounds: {report['ratios']})",
            "close-contract's time under cProfile: "
            + ", ".join(f"{k} {v:.0%}" for k, v in report["toolkit_profile"].items()),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--examples", type=int, default=10, help="close-contract examples (10)")
    parser.add_argument("--st-examples", type=int, default=100, help="schemathesis (100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of both tools (0)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report = run(args.rounds, examples=args.examples, st_examples=args.st_examples, seed=args.seed)
    sys.stdout.write((json.dumps(report, indent=2) if args.json else render(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
