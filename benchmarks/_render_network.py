"""The benchmark document's network section: chaos and latency (``bench_network.py``).

As in :mod:`benchmarks._render`, every claim that depends on a figure is decided from it.
"""

from __future__ import annotations

from typing import Any

from benchmarks._document import MISSING, BenchRun, item, number, paragraph, table

TITLE = "Network faults: chaos and latency"


def _share(value: float) -> str:
    return f"{value:.0%}"


def _shares(values: list[float]) -> str:
    shown = [_share(v) for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _exits(codes: dict[str, int]) -> str:
    return ", ".join(
        f"{'no exit code' if code == 'error' else code} ×{n}" for code, n in codes.items()
    )


def _budget(row: dict[str, Any]) -> str:
    low, high = row["budget_min"], row["budget_max"]
    if low is None:
        return "—"
    shown = str(low) if low == high else f"{low}–{high}"
    return f"{shown} of {number(row['cases_median'])}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _over(run: dict[str, Any]) -> bool:
    budget = run["inconclusive_budget"]
    return budget is not None and run["inconclusive"] > budget


def _chaos_table(data: dict[str, Any]) -> str:
    return table(
        [
            "requests disturbed",
            "runs",
            "exit codes",
            "inconclusive cases, median / max",
            "budget",
            "retried attempts, median",
            "requests, median",
            "time, median",
            "rows and leftovers left",
        ],
        ["---:", "---:", "---", "---:", "---:", "---:", "---:", "---:", "---:"],
        [
            [
                _share(s["chaos"]),
                str(s["runs"]),
                _exits(s["exit_codes"]),
                f"{s['inconclusive_median']:g} / {s['inconclusive_max']}",
                _budget(s),
                f"{s['retried_median']:g}",
                f"{s['requests_median']:g}",
                f"{s['seconds_median']:.1f} s",
                str(s["rows_left"] + s["leftovers"]),
            ]
            for s in data["shares"]
        ],
    )


def _verdicts(data: dict[str, Any]) -> list[str]:
    """What the chaos figures show, one list item each."""
    shares, runs = data["shares"], data["runs"]
    items: list[str] = []
    broken = [r for r in runs if r["violations"]]
    top = max(s["chaos"] for s in shares)
    if broken:
        items.append(
            item(
                f"**{len(broken)} of {len(runs)} runs reported violations**, the network",
                "taken for a broken contract: "
                + "; ".join(
                    f"{_share(r['chaos'])}, seed {r['seed']}: {', '.join(r['violation_titles'])}"
                    for r in broken
                )
                + ".",
            )
        )
    else:
        items.append(
            item(
                f"No run exited 1: in {len(runs)} runs with up to {_share(top)} of the",
                "requests disturbed, no refusal or cut-off answer was reported as a violation.",
            )
        )
    retried = [s for s in shares if s["retried_total"]]
    if retried:
        items.append(
            item(
                "A refused request is retried after its `Retry-After`, and so is a cut-off",
                "request that is safe to repeat (GET, PUT, DELETE), after a backoff of",
                f"{data['retry_backoff']:g} s doubling per attempt: the retried attempts are",
                "the attempts beyond one per exchange, a median of",
                ", ".join(f"{s['retried_median']:g} at {_share(s['chaos'])}" for s in retried)
                + ".",
            )
        )
    unanswered: dict[str, int] = {}
    for s in shares:
        for request, n in s["unanswered"].items():
            unanswered[request] = unanswered.get(request, 0) + n
    total = sum(unanswered.values())
    if not total:
        items.append(item("No case was inconclusive."))
    elif all(request.startswith("POST ") for request in unanswered):
        items.append(
            item(
                f"Every inconclusive case ({total} in all) was a create left without a",
                f"complete answer ({', '.join(f'`{r}`' for r in unanswered)}): it may have",
                "taken effect, so it is not sent again, and its case counts as inconclusive",
                "instead of giving a verdict.",
            )
        )
    else:
        items.append(
            item(
                f"The {total} inconclusive cases were requests left without a complete",
                "answer and not sent again: "
                + ", ".join(f"`{r}` ×{n}" for r, n in unanswered.items())
                + ".",
            )
        )
    items.append(_budget_item(data))
    unreachable = [r for r in runs if r["error"]]
    if unreachable:
        items.append(
            item(
                f"{len(unreachable)} runs stopped on an error:",
                "; ".join(
                    f"{_share(r['chaos'])}, seed {r['seed']}: {r['error']} "
                    f"(exit {r['exit_code'] if r['exit_code'] is not None else 'none'})"
                    for r in unreachable
                )
                + ".",
            )
        )
    unclean = [r for r in runs if any(r["rows_left"].values()) or r["leftovers"]]
    if unclean:
        items.append(
            item(
                f"**{len(unclean)} runs left something behind**: "
                + "; ".join(
                    f"{_share(r['chaos'])}, seed {r['seed']}: rows {r['rows_left']}, "
                    f"leftovers {r['leftovers'] or 'none'}"
                    for r in unclean
                )
                + ".",
            )
        )
    else:
        made = f", the instances of the {total} unanswered creates included" if total else ""
        items.append(
            item(
                "No run left a row in the emulator or a leftover in its cleanup" + made,
                "(the emulator commits a request before it cuts the answer off).",
            )
        )
    times = [s["seconds_median"] for s in shares]
    if len(times) > 1 and times == sorted(times) and times[-1] > times[0]:
        items.append(
            item(
                f"The median time grows from {times[0]:.1f} s at {_share(shares[0]['chaos'])}",
                f"to {times[-1]:.1f} s at {_share(top)}: refusals come back at once",
                f"(`Retry-After: {data['chaos_retry_after']}`), but a cut-off request waits",
                "the backoff before it is sent again.",
            )
        )
    return items


def _budget_item(data: dict[str, Any]) -> str:
    within: list[float] = []
    past_all: list[float] = []
    mixed: list[str] = []
    for s in data["shares"]:
        if not s["over_budget"]:
            within.append(s["chaos"])
        elif s["over_budget"] == s["runs"]:
            past_all.append(s["chaos"])
        else:
            mixed.append(
                f"at {_share(s['chaos'])}, {s['over_budget']} of {s['runs']} runs went past it"
            )
    over = [r for r in data["runs"] if _over(r)]
    exits = sorted({r["exit_code"] for r in over if r["exit_code"] != 3}, key=str)
    parts = []
    if within:
        parts.append(f"every run at {_shares(within)} stayed within it")
    parts += mixed
    if past_all:
        parts.append(f"every run at {_shares(past_all)} went past it")
    if over:
        outcome = (
            "; each run past it exited 3"
            if not exits
            else f"; runs past it exited {', '.join(str(e) for e in exits)} as well as 3"
        )
    else:
        outcome = ""
    return item(
        f"A run may have {data['max_inconclusive']:.0%} of its cases inconclusive (rounded",
        "down, the budget column); past that it exits 3, having tested too little to claim",
        "the contract holds. Here " + "; ".join(parts) + outcome + ".",
    )


def _latency(data: dict[str, Any]) -> list[str]:
    rows = data["latency"]
    if not rows:
        return []
    blocks = [
        paragraph(
            f"Latency, same command: one run per delay, no chaos, seed {data['latency_seed']},",
            f"`examples={data['examples']}`, against `EmulatorServer(latency=S)`, which delays",
            "every answer by S seconds. The last two columns compare the run with its round",
            "trips: its time over requests × latency (1 when the waits are the whole run), and",
            "the time each request gained over the run without latency, per second of latency",
            "(1 when every second of latency is a second of run time).",
        ),
        table(
            [
                "latency",
                "requests",
                "time",
                "per request",
                "time / (requests × latency)",
                "added per request / latency",
            ],
            ["---:"] * 6,
            [
                [
                    f"{row['latency'] * 1000:g} ms",
                    number(row["requests"]),
                    f"{row['seconds']:.2f} s",
                    f"{row['seconds_per_request'] * 1000:.1f} ms",
                    _ratio(row["ratio_to_round_trips"]),
                    _ratio(row["added_per_request"]),
                ]
                for row in rows
            ],
        ),
    ]
    last = rows[-1]
    ratio, added = last["ratio_to_round_trips"], last["added_per_request"]
    if ratio is None:
        return blocks
    share = 1 / ratio
    pace = (
        "the round trips set the pace"
        if share >= 0.5
        else "the run's own work still outweighs the round trips"
    )
    sentence = [
        f"At {last['latency'] * 1000:g} ms the run takes {ratio:.2f}x the sum of its round",
        f"trips (they are {share:.0%} of its time): {pace}.",
    ]
    if added is not None:
        serial = (
            "the requests go out one after another, so only requests in flight together"
            " would shorten a run against a distant server"
            if added >= 0.8
            else "some requests overlap"
        )
        sentence.append(
            f"Each second of latency adds {added:.2f} s to every request: {serial}.",
        )
    blocks.append(paragraph(*sentence))
    return blocks


def network(outcome: BenchRun | None) -> list[str]:
    """The section's blocks (paragraphs, lists and tables) for ``bench_network.py``'s figures."""
    if outcome is None:
        return [MISSING]
    data = outcome.data
    retry_after = data["chaos_retry_after"]
    return [
        paragraph(
            f"`{outcome.command}`: for each share of disturbed requests and each seed",
            f"({', '.join(str(s) for s in data['seeds'])}), one run of",
            f"`contract.run(Config(base_url=..., examples={data['examples']}, seed=N))`",
            "against a fresh `EmulatorServer(chaos=P, chaos_seed=N,",
            f"chaos_retry_after={retry_after})`. Half of the disturbed requests are refused",
            f"with 503 and `Retry-After: {retry_after}` before any work; the other half are",
            "processed and committed, and then the connection is closed mid-answer. Rows left",
            "count the `custom_object`, `lead` and `contact` rows in the emulator after the",
            "run minus before, plus the cleanup's leftovers.",
        ),
        _chaos_table(data),
        "\n".join(_verdicts(data)),
        *_latency(data),
    ]
