"""The document's section on speed over a slow network (``bench_speed.py``)."""

from __future__ import annotations

from typing import Any

from benchmarks._document import MISSING, BenchRun, item, number, paragraph, table

__all__ = ["TITLE", "speed"]

TITLE = "Speed on a slow network: workers, pacing, and schemathesis"


def _label(row: dict[str, Any]) -> str:
    if not row["chosen"]:
        return ""
    return " (default)" if row.get("stateful", True) else " (default, stateful phase off)"


def _stateful_share(data: dict[str, Any]) -> list[str]:
    """What the stateful phase's ordered sequences add to the default run, when measured."""
    chosen = data["pacing"][0]
    off = next((r for r in data["pacing"][1:] if r["chosen"] and not r.get("stateful")), None)
    if off is None or "stateful_requests" not in chosen:
        return []
    latency = data["latency"]
    return [
        f"Of the default run's requests, {number(chosen['stateful_requests'])} are the",
        "stateful phase's. Each of its sequences is ordered (a step waits for the answers",
        "before it: what the model predicts depends on them), so in a row they would take at",
        f"least {number(chosen['stateful_requests'] * latency, 1)} s at {latency * 1000:g} ms",
        "a round trip; on leads of their own they run alongside the other phases instead.",
        f"The same run with the stateful phase off took {off['ratio']:.2f}× its floor with",
        f"{number(off['throttled'])} 429s.",
    ]


def _pacing(data: dict[str, Any]) -> list[str]:
    rows = [
        [
            f"{row['workers']}{_label(row)}",
            number(row["requests"]),
            number(row["seconds"], 2),
            number(row["floor"], 2),
            f"{row['ratio']:.2f}×",
            number(row["requests_per_second"], 1),
            number(row["throttled"]),
        ]
        for row in data["pacing"]
    ]
    chosen = data["pacing"][0]
    held = chosen["ratio"] <= 1.3 and chosen["throttled"] == 0
    return [
        table(
            ["workers", "requests", "wall s", "floor s", "wall ÷ floor", "requests/s", "429s"],
            ["---:"] * 7,
            rows,
        ),
        paragraph(
            f"The default for a live target chose {chosen['workers']} workers from the latency",
            "it measured during discovery and the budget the server's `RateLimit` header",
            f"reported. Its run took {chosen['ratio']:.2f}× the floor with",
            f"{number(chosen['throttled'])} 429s: the goal (within 1.3×, no 429)",
            "is **met**." if held else "is **not met**.",
            "What stands between a run and its floor is what cannot overlap: discovery, the",
            "setup (the disposable leads, then the reference instances on them) and the",
            "cleanup's deletes of the reference instances (one at a time, last made first),",
            "each a few sequential round trips.",
            *_stateful_share(data),
        ),
    ]


def _throughput(data: dict[str, Any]) -> list[str]:
    through = data["throughput"]
    rows = [
        [
            "close-contract",
            f"default ({run['workers']})",
            number(run["requests"]),
            number(run["requests_per_second"], 1),
        ]
        for run in through["toolkit"]
    ]
    rows += [
        [
            "schemathesis, "
            + ("create operation" if run["document"] == "create" else "whole document"),
            number(run["workers"]),
            number(run["requests"]),
            number(run["requests_per_second"], 1),
        ]
        for run in through["schemathesis"]
    ]
    best = through["best"]
    lines = [
        item(
            f"against schemathesis's best on {name} ({number(row['workers'])} workers,",
            f"{number(row['requests_per_second'], 1)} requests/s): "
            + ", ".join(
                f"{ratio:.1f}× for the {requests}-request run"
                for requests, ratio in row["ratio"].items()
            ),
        )
        for name, row in (
            ("the create operation", best["create"]),
            ("the whole document", best["whole"]),
        )
    ]
    met = through["ratio"] >= 5.0
    large = through["toolkit"][1]
    return [
        table(["tool", "workers", "requests", "requests/s"], ["---", "---:", "---:", "---:"], rows),
        "close-contract's rate:\n" + "\n".join(lines),
        paragraph(
            f"The run of {number(large['requests'])} requests goes {through['ratio']:.1f}× the",
            "rate of schemathesis's best on either document: the goal (at least 5×) is",
            f"**{'met' if met else 'not met'}**. The default run of ten examples goes",
            f"{through['ratio_default']:.1f}× that rate: much of its time is discovery, the",
            "setup and the cleanup's ordered deletes, which run in order (a lead before its",
            "instances, the reference instances one at a time before their lead) whatever",
            "the number of workers.",
            "schemathesis's workers run different operations at once, so on one operation",
            "they cannot help; close-contract runs cases at once, each case's own requests",
            "in order.",
        ),
    ]


def _embedded(data: dict[str, Any]) -> list[str]:
    rows = data.get("embedded")
    if not rows:
        return [MISSING]
    fastest = min(rows, key=lambda row: row["seconds"])
    one = next(row for row in rows if row["workers"] == 1)
    return [
        table(
            ["workers", "median wall s"],
            ["---:", "---:"],
            [[number(row["workers"]), number(row["seconds"], 2)] for row in rows],
        ),
        paragraph(
            "A default `close-contract run` on the embedded emulator (in the same process),",
            "three interleaved rounds. One worker takes",
            f"{one['seconds'] / fastest['seconds']:.2f}× the fastest setting",
            f"({number(fastest['workers'])} workers): with no network to wait on, threads only",
            "share one interpreter, so one worker stays the default there.",
        ),
    ]


def _cpu(data: dict[str, Any]) -> list[str]:
    cpu = data["cpu"]
    rows = [[part["part"], f"{100 * part['share']:.0f}%"] for part in cpu["profile"]]
    return [
        paragraph(
            f"A default run ({number(cpu['cases'])} cases, {number(cpu['requests'])} requests)",
            "against the emulator in its own process, at no latency, cost this process",
            f"{number(cpu['cpu_seconds'], 2)} s of CPU: **{number(cpu['cpu_ms_per_case'], 1)} ms",
            f"per case**, {number(cpu['cpu_ms_per_request'], 1)} ms per request. Where its time",
            "goes (own time by package, from cProfile):",
        ),
        table(["part", "share"], ["---", "---:"], rows),
    ]


def speed(outcome: BenchRun | None) -> list[str]:
    """The section: pacing against the floor, throughput vs schemathesis, CPU per case."""
    if outcome is None:
        return [MISSING]
    data = outcome.data
    latency, rate = data["latency"], data["rate"]
    return [
        paragraph(
            f"`{outcome.command}`: the emulator in its own process (`close-contract serve",
            f"--latency {latency:g}`), so it has a core of its own as a remote API would; every",
            f"answer comes {latency * 1000:g} ms late. The floor of a run is its requests ÷",
            f"{rate} per second, the rate limit `serve --rate-limit {rate}` enforces with 429s:",
            "no client can go faster without meeting them.",
        ),
        "### A run against its floor",
        *_pacing(data),
        "### Requests per second vs schemathesis (no rate limit, same latency)",
        *_throughput(data),
        "### The embedded emulator",
        *_embedded(data),
        "### The engine's CPU per case",
        *_cpu(data),
    ]
