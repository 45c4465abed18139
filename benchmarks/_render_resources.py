"""Sections on resources: peak memory, generation speed, the emulator under load, replay."""

from __future__ import annotations

import statistics

from benchmarks._document import MISSING, PEER_PACKAGES, BenchRun, number, paragraph, table

__all__ = ["generation", "load", "memory", "replay"]


def memory(outcome: BenchRun | None) -> list[str]:
    """Peak resident memory of a default run and of a run of 5,000 cases or more."""
    if outcome is None:
        return [MISSING]
    data = outcome.data
    default, large = data["default"], data["large"]
    verdict = "under" if large["peak_rss_mb"] < data["limit_mb"] else "over"
    return [
        paragraph(
            f"`{outcome.command}`: each run alone in a fresh child process, with the embedded",
            "emulator as `close-contract run` has it (its server thread and database count too);",
            f"peak resident set (`VmHWM`), median of {len(large['runs'])} runs:",
        ),
        table(
            ["run", "examples", "cases", "requests", "time", "peak RSS"],
            ["---", "---:", "---:", "---:", "---:", "---:"],
            [
                [
                    "default",
                    str(default["examples"]),
                    number(default["cases"]),
                    number(default["requests"]),
                    f"{default['seconds']:.1f} s",
                    f"{default['peak_rss_mb']:.0f} MB",
                ],
                [
                    f"≥ {number(data['target_cases'])} cases",
                    number(large["examples"]),
                    number(large["cases"]),
                    number(large["requests"]),
                    f"{large['seconds']:.1f} s",
                    f"{large['peak_rss_mb']:.0f} MB",
                ],
            ],
        ),
        paragraph(
            f"A run has {data['fixed_cases']} fixed cases (setup, one per invalid mutation, the",
            f"probes) and {data['cases_per_example']} per valid example (one per type), so the",
            f"large run uses `--examples {large['examples']}`. Its peak is {verdict} the",
            f"{data['limit_mb']:.0f} MB goal; the peak grows by about",
            f"{data['kib_per_extra_case']} KiB per case beyond the default run.",
        ),
    ]


def generation(outcome: BenchRun | None) -> list[str]:
    """Valid payloads per CPU second, against hypothesis-jsonschema."""
    if outcome is None:
        return [MISSING]
    data = outcome.data
    ratios = data["speedup_vs_hypothesis_jsonschema"]
    names = {
        "ours": "`strategies.valid_payloads`, project environment",
        "ours (peer env)": "`strategies.valid_payloads`, the peer's environment",
        "hypothesis-jsonschema": "hypothesis-jsonschema `from_schema` (draft-07 equivalent, "
        "`additionalProperties: false`)",
    }
    rows = [
        [
            names.get(name, name),
            row["hypothesis"],
            number(row["per_second"]),
            f"{row['valid_share']:.0%}",
            f"{ratios[name]:.2f}x" if name in ratios else "1x",
        ]
        for name, row in data["results"].items()
    ]
    blocks = [
        paragraph(
            f"`{outcome.command}` (`.venv-bench`: `{' '.join(PEER_PACKAGES)}`, because",
            "hypothesis-jsonschema 0.23.1 fails with Hypothesis ≥ 6.170.10). The emulator's",
            f"richest type, {data['schema'].removeprefix('emulator type ')},",
            f"N = {number(data['examples'])} per generator, {data['rounds']} interleaved rounds,",
            "payloads per CPU second (median); every drawn payload is then checked against the",
            "2020-12 request schema (valid):",
        ),
        table(
            ["generator", "Hypothesis", "payloads/s", "valid", "ratio"],
            ["---", "---", "---:", "---:", "---:"],
            rows,
        ),
    ]
    ours, peer_env = ratios.get("ours"), ratios.get("ours (peer env)")
    if ours is None or peer_env is None:
        blocks.append(
            paragraph("hypothesis-jsonschema was not measured: there is no ratio this time.")
        )
        return blocks
    verdict = "holds" if ours >= 5 else "does not hold"
    blocks.append(
        paragraph(
            f"The 5x goal {verdict} on the Hypothesis the project uses ({ours:.2f}x); on the",
            "older Hypothesis that hypothesis-jsonschema needs, the same generator is",
            f"{peer_env:.2f}x faster.",
        )
    )
    return blocks


def load(outcomes: list[BenchRun]) -> list[str]:
    """The emulator under concurrent clients: throughput, latency percentiles, lost writes."""
    if not outcomes:
        return [MISSING]
    runs = [o.data for o in outcomes]
    rates = [r["requests_per_second"] for r in runs]

    def median(key: str) -> str:
        return f"{statistics.median(r['latency_ms'][key] for r in runs):.1f} ms"

    fivexx = sum(n for r in runs for status, n in r["statuses"].items() if int(status) >= 500)
    failed = sum(not r["ok"] for r in runs)
    first = runs[0]
    return [
        paragraph(
            f"`{outcomes[0].command}`, {len(runs)} runs: {first['clients']} threads with",
            f"`httpx.Client`, {number(first['requests'])} mixed requests (30% create, 25% get, 15%",
            "list, 20% update, 10% delete) on loopback; after each run every surviving instance",
            "is read back and counted in the database.",
        ),
        table(
            ["requests/s", "p50", "p95", "p99", "5xx answers", "runs with lost writes or errors"],
            ["---:"] * 6,
            [
                [
                    number(statistics.median(rates)),
                    median("p50"),
                    median("p95"),
                    median("p99"),
                    str(fivexx),
                    str(failed),
                ]
            ],
        ),
        paragraph(
            f"Medians of {len(runs)} runs; single runs ranged from {number(min(rates))} to",
            f"{number(max(rates))} requests/s.",
        ),
    ]


def replay(outcome: BenchRun | None) -> list[str]:
    """Seconds to replay recordings of growing size: the cost per interaction must stay flat."""
    if outcome is None:
        return [MISSING]
    rows = outcome.data
    worst = max(row["cost_ratio_vs_smallest"] for row in rows)
    grown = rows[-1]["interactions"] / rows[0]["interactions"]
    # Linear replay keeps this cost flat; a quadratic one would grow it as much as the size.
    shape = f"grows {worst:.2f}x while the recording grows {grown:.1f}x"
    return [
        paragraph(
            f"`{outcome.command}`: recordings of the default suite against the emulator with",
            "enough valid examples to reach each size, each replayed offline 3 times (median):",
        ),
        table(
            ["interactions", "replay", "per interaction", "cost per interaction vs smallest"],
            ["---:"] * 4,
            [
                [
                    number(row["interactions"]),
                    f"{row['replay_seconds']:.2f} s",
                    f"{row['ms_per_interaction']:.2f} ms",
                    f"{row['cost_ratio_vs_smallest']:.2f}x",
                ]
                for row in outcome.data
            ],
        ),
        paragraph(
            f"The cost per interaction {shape}. Replay is an httpx transport that serves each",
            "request from the cassette by its key (method, path, query, body), so a lookup",
            "costs the same however long the recording is; vcrpy's own matching compares each",
            "request with every recorded interaction (O(n²)): 246 interactions once took 20 s",
            "to replay that way under cProfile, nearly all of it in vcrpy's matchers.",
        ),
    ]
