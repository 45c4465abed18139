"""Network faults: close-contract runs behind a flaky network and behind a slow one.

Every run is ``contract.run(Config(base_url=..., examples=E, seed=N))`` against a fresh
``EmulatorServer`` on loopback, with its network conditions:

* **chaos**: for each share P of ``--shares`` and each seed N of ``--seeds``, one run with
  ``EmulatorServer(chaos=P, chaos_seed=N, chaos_retry_after=0)``: a seeded share P of the
  requests is disturbed, half refused with 503 before any work (``Retry-After: 0``), half
  processed and then cut off mid-answer. Each run reports its exit code (0 holds, 1
  violations, 3 too many inconclusive cases or the target unreachable), cases,
  inconclusive cases and their budget, violations, requests, retried attempts (over every
  case, the attempts beyond one per exchange), duration, the cleanup's leftovers, and the
  rows of ``custom_object``, ``lead`` and ``contact`` left in the emulator compared with
  before the run.
* **latency**: one run per delay of ``--latencies`` (``EmulatorServer(latency=S)``, no
  chaos, seed ``--latency-seed``): duration, requests, seconds per request, and the ratio
  of the duration to ``requests × latency`` (1 when the network's round trips are the
  whole run).

    python benchmarks/bench_network.py [--shares 0 0.05 0.15 0.3] [--seeds 1 2 3 4 5]
        [--examples 3] [--latencies 0 0.01 0.03] [--latency-seed 1] [--json]

Exit status: 0 when no chaos run reports a violation (a flaky network never breaks the
contract), leaves a row behind or has a leftover, and every run ends with an exit code; 1
otherwise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import contract
from contract.client import RetryPolicy
from contract.emulator import EmulatorServer
from contract.errors import ContractError
from contract.events import CaseFinished, CleanupFinished, RunFinished

TABLES = ("custom_object", "lead", "contact")
SHARES = (0.0, 0.05, 0.15, 0.3)
SEEDS = (1, 2, 3, 4, 5)
LATENCIES = (0.0, 0.01, 0.03)


def _rows(server: EmulatorServer) -> dict[str, int]:
    return {table: server.count_rows(table) for table in TABLES}


def one_run(
    *,
    chaos: float = 0.0,
    seed: int = 1,
    examples: int = 3,
    latency: float = 0.0,
    max_retry_sleep: float | None = None,
    stateful_runs: int | None = None,
) -> dict[str, Any]:
    """One run against a fresh emulator with these network conditions: its figures.

    ``max_retry_sleep`` caps the client's waits between attempts, ``stateful_runs`` sets
    the sequences of the stateful phase (the run's defaults when None). A run that raises
    a :class:`~contract.errors.ContractError` (such as ``TargetUnreachable``) gets that
    error's exit code and message; any other exception is kept as ``error`` with no exit
    code.
    """
    options: dict[str, Any] = {}
    if max_retry_sleep is not None:
        options["max_retry_sleep"] = max_retry_sleep
    if stateful_runs is not None:
        options["stateful_runs"] = stateful_runs
    cases = requests = retried = inconclusive = 0
    unanswered: Counter[str] = Counter()
    seen: list[str] = []  # violations as the cases report them (a run may stop early)
    finished: RunFinished | None = None
    cleanup: CleanupFinished | None = None
    error: str | None = None
    exit_code: int | None = None
    with EmulatorServer(
        chaos=chaos, chaos_seed=seed, chaos_retry_after=0, latency=latency
    ) as server:
        before = _rows(server)
        config = contract.Config(
            base_url=server.base_url,
            api_key=server.api_key,
            other_api_key=server.other_api_key,
            examples=examples,
            seed=seed,
            **options,
        )
        started = time.perf_counter()
        try:
            for event in contract.run(config):
                if isinstance(event, CaseFinished):
                    cases += 1
                    requests += event.requests
                    retried += event.requests - len(event.statuses)
                    seen += [f"[{v.check}] {v.title}" for v in event.violations]
                    if event.inconclusive is not None:
                        inconclusive += 1
                        # "POST custom_object/: the connection closed ..." -> the request.
                        unanswered[event.inconclusive.split(":", 1)[0]] += 1
                elif isinstance(event, CleanupFinished):
                    cleanup = event
                elif isinstance(event, RunFinished):
                    finished = event
        except ContractError as exc:
            error = f"{type(exc).__name__}: {exc}"
            exit_code = getattr(exc, "exit_code", None)
        except Exception as exc:  # reported, and it fails the checks
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        after = _rows(server)
    summary = finished.summary if finished is not None else None
    return {
        "chaos": chaos,
        "seed": seed,
        "latency": latency,
        "examples": examples,
        "exit_code": summary.exit_code if summary is not None else exit_code,
        "error": error,
        "cases": summary.cases if summary is not None else cases,
        "inconclusive": summary.inconclusive if summary is not None else inconclusive,
        "inconclusive_budget": summary.inconclusive_budget if summary is not None else None,
        "unanswered": dict(sorted(unanswered.items())),
        "violations": summary.violations if summary is not None else len(seen),
        "violation_titles": (
            [f"[{v.check}] {v.title}" for v in finished.violations] if finished else seen
        ),
        "requests": summary.requests if summary is not None else requests,
        "retried": retried,
        "seconds": round(summary.duration if summary is not None else seconds, 3),
        "deleted": cleanup.deleted if cleanup is not None else None,
        "leftovers": list(cleanup.leftovers) if cleanup is not None else None,
        "rows_left": {table: after[table] - before[table] for table in TABLES},
    }


def _clean(run: dict[str, Any]) -> bool:
    """The run left nothing behind: no row, no leftover."""
    return not any(run["rows_left"].values()) and not run["leftovers"]


def share_summary(share: float, runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The chaos runs of one share, aggregated."""
    inconclusive = [r["inconclusive"] for r in runs]
    budgets = [r["inconclusive_budget"] for r in runs if r["inconclusive_budget"] is not None]
    exits = Counter("error" if r["exit_code"] is None else str(r["exit_code"]) for r in runs)
    unanswered: Counter[str] = Counter()
    for r in runs:
        unanswered.update(r["unanswered"])
    return {
        "chaos": share,
        "runs": len(runs),
        "exit_codes": dict(sorted(exits.items())),
        "cases_median": statistics.median(r["cases"] for r in runs),
        "inconclusive_median": statistics.median(inconclusive),
        "inconclusive_max": max(inconclusive),
        "budget_min": min(budgets) if budgets else None,
        "budget_max": max(budgets) if budgets else None,
        "over_budget": sum(
            r["inconclusive_budget"] is not None and r["inconclusive"] > r["inconclusive_budget"]
            for r in runs
        ),
        "unanswered": dict(sorted(unanswered.items())),
        "violations": sum(r["violations"] for r in runs),
        "requests_median": statistics.median(r["requests"] for r in runs),
        "retried_median": statistics.median(r["retried"] for r in runs),
        "retried_total": sum(r["retried"] for r in runs),
        "seconds_median": round(statistics.median(r["seconds"] for r in runs), 2),
        "rows_left": sum(sum(r["rows_left"].values()) for r in runs),
        "leftovers": sum(len(r["leftovers"] or ()) for r in runs),
        "unclean_runs": sum(not _clean(r) for r in runs),
    }


def latency_row(run: dict[str, Any], base: dict[str, Any] | None) -> dict[str, Any]:
    """A latency run's figures: per request, and against the round trips it waited for.

    ``base`` is the run without latency: ``added_per_request`` is how much of each
    request's extra time the added latency accounts for (1.0: all of it).
    """
    latency, requests, seconds = run["latency"], run["requests"], run["seconds"]
    per_request = seconds / requests if requests else 0.0
    row = {
        "latency": latency,
        "exit_code": run["exit_code"],
        "cases": run["cases"],
        "requests": requests,
        "seconds": seconds,
        "seconds_per_request": round(per_request, 5),
        "ratio_to_round_trips": round(seconds / (requests * latency), 2)
        if latency and requests
        else None,
        "added_per_request": None,
    }
    if latency and base is not None and base["requests"]:
        added = per_request - base["seconds"] / base["requests"]
        row["added_per_request"] = round(added / latency, 2)
    return row


def run(
    shares: Sequence[float] = SHARES,
    seeds: Sequence[int] = SEEDS,
    examples: int = 3,
    latencies: Sequence[float] = LATENCIES,
    latency_seed: int = 1,
    max_retry_sleep: float | None = None,
    stateful_runs: int | None = None,
) -> dict[str, Any]:
    """Measure the chaos matrix and the latency series; ``ok`` when the checks hold.

    ``max_retry_sleep`` applies to the chaos runs, ``stateful_runs`` to every run (the
    run's defaults when None).
    """
    started = time.perf_counter()
    runs = [
        one_run(
            chaos=share,
            seed=seed,
            examples=examples,
            max_retry_sleep=max_retry_sleep,
            stateful_runs=stateful_runs,
        )
        for share in shares
        for seed in seeds
    ]
    timed = [
        one_run(latency=latency, seed=latency_seed, examples=examples, stateful_runs=stateful_runs)
        for latency in sorted(latencies)
    ]
    base = next((r for r in timed if not r["latency"]), None)
    problems = [
        f"chaos {r['chaos']}, seed {r['seed']}: {reason}"
        for r in runs
        for reason in (
            ["violations: " + "; ".join(r["violation_titles"])] if r["violations"] else []
        )
        + ([f"no exit code ({r['error']})"] if r["exit_code"] is None else [])
        + ([f"rows left {r['rows_left']}"] if any(r["rows_left"].values()) else [])
        + ([f"leftovers {r['leftovers']}"] if r["leftovers"] else [])
    ]
    problems += [
        f"latency {r['latency']}: exit {r['exit_code']} ({r['error'] or 'no error'})"
        for r in timed
        if r["exit_code"] != 0
    ]
    return {
        "examples": examples,
        "seeds": list(seeds),
        "chaos_retry_after": 0,
        "max_inconclusive": contract.Config().max_inconclusive,
        "max_retry_sleep": (
            contract.Config().max_retry_sleep if max_retry_sleep is None else max_retry_sleep
        ),
        "retry_backoff": RetryPolicy().backoff,
        "shares": [
            share_summary(share, [r for r in runs if r["chaos"] == share]) for share in shares
        ],
        "runs": runs,
        "latency_seed": latency_seed,
        "latency": [latency_row(r, base) for r in timed],
        "latency_runs": timed,
        "problems": problems,
        "seconds": round(time.perf_counter() - started, 1),
        "ok": not problems,
    }


def _exits(codes: dict[str, int]) -> str:
    return ", ".join(f"{code} ×{n}" for code, n in codes.items())


def render(report: dict[str, Any]) -> str:
    """A short text summary."""
    lines = [
        f"chaos: examples={report['examples']}, seeds {report['seeds']}, Retry-After 0",
        "share  runs  exits       inconclusive med/max (budget)  retried med  rows left  s med",
    ]
    for s in report["shares"]:
        lines.append(
            f"{s['chaos']:<5}  {s['runs']:>4}  {_exits(s['exit_codes']):<10}  "
            f"{s['inconclusive_median']:>6g} / {s['inconclusive_max']:<3} "
            f"({s['budget_min']}..{s['budget_max']})          "
            f"{s['retried_median']:>10g}  {s['rows_left'] + s['leftovers']:>9}  "
            f"{s['seconds_median']:>5}"
        )
    lines.append("latency  requests  seconds  s/request  duration/(requests*latency)")
    for row in report["latency"]:
        ratio = row["ratio_to_round_trips"]
        lines.append(
            f"{row['latency']:<7}  {row['requests']:>8}  {row['seconds']:>7}  "
            f"{row['seconds_per_request']:>9}  {'-' if ratio is None else ratio}"
        )
    lines += [f"problem: {p}" for p in report["problems"]]
    lines.append("ok" if report["ok"] else "FAIL")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--shares", type=float, nargs="+", default=list(SHARES), help="chaos shares"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="seeds (1..5)")
    parser.add_argument("--examples", type=int, default=3, help="valid examples per type (3)")
    parser.add_argument(
        "--latencies", type=float, nargs="+", default=list(LATENCIES), help="seconds per answer"
    )
    parser.add_argument("--latency-seed", type=int, default=1, help="seed of latency runs (1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    report = run(args.shares, args.seeds, args.examples, args.latencies, args.latency_seed)
    sys.stdout.write((json.dumps(report, indent=2) if args.json else render(report)) + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
