"""The benchmark document: every section rendered from the measured results."""

from __future__ import annotations

import statistics
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.__main__ import Bench

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
PEER = ROOT / ".venv-bench"
PEER_PACKAGES = ("hypothesis==6.170.9", "hypothesis-jsonschema", "jsonschema")
PACKAGES = ("hypothesis", "schemathesis", "httpx", "uvicorn", "starlette", "vcrpy", "jsonschema")
LOAD_RUNS = 3
_TIMEOUT = 1800.0


_WIDTH = 92
_MISSING = "Not measured this time (see Problems below)."


@dataclass
class Outcome:
    """What one benchmark command gave: its figures, how long it took and its status."""

    command: str
    data: Any
    seconds: float
    status: int


def _p(*parts: str) -> str:
    """One paragraph: ``parts`` joined by spaces, wrapped to the document's width."""
    return textwrap.fill(
        " ".join(parts), width=_WIDTH, break_long_words=False, break_on_hyphens=False
    )


def _item(*parts: str) -> str:
    """One list item, wrapped with its continuation lines indented."""
    return textwrap.fill(
        " ".join(parts),
        width=_WIDTH,
        initial_indent="- ",
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _table(header: Sequence[str], align: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


_TOOLS = {
    "toolkit": "close-contract",
    "schemathesis:generic": "schemathesis, committed document",
    "schemathesis:per-type": "schemathesis, per-type document",
}


def _cell(result: dict[str, Any]) -> str:
    if not result["detected"]:
        return "—"
    first = result["requests_to_first"]
    shown = _n(first) if result.get("first_exact", True) else f"≤ {_n(first)}"
    return f"{', '.join(result['checks'])} ({shown})"


def _detection(outcome: Outcome | None) -> list[str]:
    if outcome is None:
        return [_MISSING]
    data = outcome.data
    tools = ["toolkit", *(f"schemathesis:{d}" for d in data["documents"])]
    total, n = data["faults"], data["examples"]
    rows = [[f"`{row['fault']}`", *(_cell(row[t]) for t in tools)] for row in data["rows"]]
    rows.append(["**faults detected**", *(f"**{data['detected'][t]} / {total}**" for t in tools)])
    for row in data["baseline_rows"]:
        label = f"`{row['fault']}`, close-contract with a baseline"
        rows.append([label, _cell(row["toolkit+baseline"]), *([""] * (len(tools) - 1))])
    missed = data["missed_by_toolkit"]
    blocks = [
        _p(
            f"`{outcome.command}`: every emulator fault, and the faithful emulator (the",
            "false-positive row), each against a fresh emulator; both tools get the same example",
            f"budget (`examples={n}` / `max_examples={n}`), seed {data['seed']} and the same key.",
        ),
        "\n".join(
            [
                _item(
                    "**close-contract**: `contract.run(Config(examples=N, seed=S))` with the",
                    "default checks and the documented layer only (no baseline): the run that",
                    "`Config(emulator_faults=(f,), ...)` makes on the embedded emulator, with a",
                    "counting emulator as its target (same keys, shrinking on as on the embedded",
                    "emulator).",
                ),
                _item(
                    "**schemathesis, committed document** (the anchor): `run_schemathesis(...,",
                    "document=load_openapi(), type_contract=None)`, every check of",
                    "`DEFAULT_CHECKS`, the stateful phase on. This is what is fair to call plain",
                    "schemathesis: the project's generic OpenAPI document as a user would hand",
                    "it over, with only what `run_schemathesis` does to every document (the real",
                    "lead id in the create body and the list filter, no undeclared top-level keys",
                    "in request bodies, 429 declared, links from create to get/update/delete).",
                    "The document pins no type and both emulator types have a required custom",
                    "field, so none of its creates can succeed; its lead holds one instance",
                    "created before the run, as a lead of a real organization would, which its",
                    "list requests see.",
                ),
                _item(
                    "**schemathesis, per-type document**: the same run with the richest type's",
                    "schemas and reference ids pinned (what `close-contract run --schemathesis`",
                    "feeds schemathesis): its creates succeed and its stateful phase chains them,",
                    "so this is schemathesis at its best.",
                ),
            ]
        ),
        _p(
            "A cell names the checks that reported the fault and, in brackets, the requests sent",
            "until the first detection, counted at the emulator: for close-contract, discovery",
            "plus every case up to and including the first case with a violation, in order; for",
            "schemathesis, the requests received when its first kept failure was raised (probes",
            "and the checks' own requests included). Each cell is one seeded, deterministic run,",
            "not a median.",
        ),
        _table(
            ["fault", *(_TOOLS.get(t, t) for t in tools)],
            ["---"] * (len(tools) + 1),
            rows,
        ),
        _p(
            f"close-contract detects {data['toolkit_detected_with_baseline']} of {total} faults"
            + (f" (missed: {', '.join(missed)})" if missed else "")
            + f": {data['detected']['toolkit']} in the documented layer, and",
            "`create_returns_200` with a baseline recorded from the faithful emulator",
            "(`Config(baseline=path)`). That fault is baseline-only by design: Close's mission",
            "text says 200 and its OpenAPI 201, so the documented layer accepts any 2xx on create",
            "and pins the exact code in the baseline. Plain schemathesis on the committed",
            f"document, the anchor, detects {data['detected'].get('schemathesis:generic', '-')}"
            f" of {total};",
            "with the per-type document it detects",
            f"{data['detected'].get('schemathesis:per-type', '-')} of {total}.",
        ),
        _false_positives(data),
    ]
    # Faults close-contract first sees in its invalid phase, which schemathesis sees sooner.
    late = [
        f"`{row['fault']}`"
        for row in data["rows"]
        if row["toolkit"]["detected"]
        and row["toolkit"].get("first_phase") == "invalid"
        and any(
            row[t]["detected"] and row[t]["requests_to_first"] < row["toolkit"]["requests_to_first"]
            for t in tools[1:]
        )
    ]
    if late:
        blocks.append(
            _p(
                "close-contract sends discovery and setup first, then every valid lifecycle of",
                "every type, then the invalid mutations: a fault that only an invalid request",
                f"shows ({', '.join(late)}) is found after the valid phase, while schemathesis,",
                "which mixes valid and invalid requests from the start, finds it sooner.",
            )
        )
    return blocks


def _false_positives(data: dict[str, Any]) -> str:
    found = {tool: items for tool, items in data["false_positives"].items() if items}
    if not found:
        return _p(
            "On the faithful emulator nothing was reported: no false positive from",
            "close-contract (with or without the baseline) nor from either schemathesis run.",
        )
    lines = ["On the faithful emulator:", ""]
    for tool, items in found.items():
        lines.append(f"- {_TOOLS.get(tool, tool)} reported:")
        lines += [f"  - {item}" for item in items]
    return "\n".join(lines)


def _throughput(outcome: Outcome | None) -> list[str]:
    if outcome is None:
        return [_MISSING]
    data = outcome.data
    ours, theirs = data["toolkit"], data["schemathesis"]
    verdict = "holds" if data["ratio"] >= 1.5 else "does not hold"
    shares = data.get("toolkit_profile", {})
    blocks = [
        _p(
            f"`{outcome.command}`: one emulator, started by the script and counting the",
            f"requests it receives, serves both tools in {data['rounds']} interleaved rounds",
            "(alternating which goes first, after one unmeasured run of each). Rates are",
            "requests received per wall-clock second of each whole run (loading, setup and",
            "cleanup included); medians:",
        ),
        _table(
            ["run", "requests", "time", "cases/s", "requests/s"],
            ["---", "---:", "---:", "---:", "---:"],
            [
                [
                    f"close-contract, default run (`Config()`: examples={ours['examples']}, "
                    f"{_n(ours['cases'])} cases)",
                    _n(ours["requests"]),
                    f"{ours['seconds']:.2f} s",
                    _n(ours["cases_per_second"], 1),
                    _n(ours["requests_per_second"], 1),
                ],
                [
                    f"schemathesis, `{theirs['operation']}` only "
                    f"(max_examples={theirs['max_examples']}, `DEFAULT_CHECKS`)",
                    _n(theirs["requests"]),
                    f"{theirs['seconds']:.2f} s",
                    "—",
                    _n(theirs["requests_per_second"], 1),
                ],
            ],
        ),
        _p(
            f"close-contract sends **{data['ratio']:.2f}x** as many requests per second as",
            "schemathesis (per round:",
            ", ".join(f"{r:.2f}x" for r in data["ratios"]) + f"); the 1.5x goal {verdict}.",
            "schemathesis runs its default phases (examples, coverage, fuzzing) on the richest",
            "type's create operation, specialised as `run_schemathesis` does (real lead and",
            "references), so its valid creates succeed; it continues after a failure, so it",
            "spends its whole budget.",
        ),
    ]
    if shares:
        blocks.append(
            _p(
                "Where close-contract's time goes (one more default run, under cProfile):",
                "; ".join(f"{label}, {share:.0%}" for label, share in shares.items()) + ".",
            )
        )
    return blocks


def _memory(outcome: Outcome | None) -> list[str]:
    if outcome is None:
        return [_MISSING]
    data = outcome.data
    default, large = data["default"], data["large"]
    verdict = "under" if large["peak_rss_mb"] < data["limit_mb"] else "over"
    return [
        _p(
            f"`{outcome.command}`: each run alone in a fresh child process, with the embedded",
            "emulator as `close-contract run` has it (its server thread and database count too);",
            f"peak resident set (`VmHWM`), median of {len(large['runs'])} runs:",
        ),
        _table(
            ["run", "examples", "cases", "requests", "time", "peak RSS"],
            ["---", "---:", "---:", "---:", "---:", "---:"],
            [
                [
                    "default",
                    str(default["examples"]),
                    _n(default["cases"]),
                    _n(default["requests"]),
                    f"{default['seconds']:.1f} s",
                    f"{default['peak_rss_mb']:.0f} MB",
                ],
                [
                    f"≥ {_n(data['target_cases'])} cases",
                    _n(large["examples"]),
                    _n(large["cases"]),
                    _n(large["requests"]),
                    f"{large['seconds']:.1f} s",
                    f"{large['peak_rss_mb']:.0f} MB",
                ],
            ],
        ),
        _p(
            f"A run has {data['fixed_cases']} fixed cases (setup, one per invalid mutation, the",
            f"probes) and {data['cases_per_example']} per valid example (one per type), so the",
            f"large run uses `--examples {large['examples']}`. Its peak is {verdict} the",
            f"{data['limit_mb']:.0f} MB goal; the peak grows by about",
            f"{data['kib_per_extra_case']} KiB per case beyond the default run.",
        ),
    ]


def _generation(outcome: Outcome | None) -> list[str]:
    if outcome is None:
        return [_MISSING]
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
            _n(row["per_second"]),
            f"{row['valid_share']:.0%}",
            f"{ratios[name]:.2f}x" if name in ratios else "1x",
        ]
        for name, row in data["results"].items()
    ]
    blocks = [
        _p(
            f"`{outcome.command}` (`.venv-bench`: `{' '.join(PEER_PACKAGES)}`, because",
            "hypothesis-jsonschema 0.23.1 fails with Hypothesis ≥ 6.170.10). The emulator's",
            f"richest type, {data['schema'].removeprefix('emulator type ')},",
            f"N = {_n(data['examples'])} per generator, {data['rounds']} interleaved rounds,",
            "payloads per CPU second (median); every drawn payload is then checked against the",
            "2020-12 request schema (valid):",
        ),
        _table(
            ["generator", "Hypothesis", "payloads/s", "valid", "ratio"],
            ["---", "---", "---:", "---:", "---:"],
            rows,
        ),
    ]
    ours, peer_env = ratios.get("ours"), ratios.get("ours (peer env)")
    if ours is None or peer_env is None:
        blocks.append(_p("hypothesis-jsonschema was not measured: there is no ratio this time."))
        return blocks
    verdict = "holds" if ours >= 5 else "does not hold"
    blocks.append(
        _p(
            f"The 5x goal {verdict} on the Hypothesis the project uses ({ours:.2f}x); on the",
            "older Hypothesis that hypothesis-jsonschema needs, the same generator is",
            f"{peer_env:.2f}x faster.",
        )
    )
    return blocks


def _load(outcomes: list[Outcome]) -> list[str]:
    if not outcomes:
        return [_MISSING]
    runs = [o.data for o in outcomes]
    rates = [r["requests_per_second"] for r in runs]

    def median(key: str) -> str:
        return f"{statistics.median(r['latency_ms'][key] for r in runs):.1f} ms"

    fivexx = sum(n for r in runs for status, n in r["statuses"].items() if int(status) >= 500)
    failed = sum(not r["ok"] for r in runs)
    first = runs[0]
    return [
        _p(
            f"`{outcomes[0].command}`, {len(runs)} runs: {first['clients']} threads with",
            f"`httpx.Client`, {_n(first['requests'])} mixed requests (30% create, 25% get, 15%",
            "list, 20% update, 10% delete) on loopback; after each run every surviving instance",
            "is read back and counted in the database.",
        ),
        _table(
            ["requests/s", "p50", "p95", "p99", "5xx answers", "runs with lost writes or errors"],
            ["---:"] * 6,
            [
                [
                    _n(statistics.median(rates)),
                    median("p50"),
                    median("p95"),
                    median("p99"),
                    str(fivexx),
                    str(failed),
                ]
            ],
        ),
        _p(
            f"Medians of {len(runs)} runs; single runs ranged from {_n(min(rates))} to",
            f"{_n(max(rates))} requests/s.",
        ),
    ]


def _replay(outcome: Outcome | None) -> list[str]:
    if outcome is None:
        return [_MISSING]
    rows = outcome.data
    worst = max(row["cost_ratio_vs_smallest"] for row in rows)
    grown = rows[-1]["interactions"] / rows[0]["interactions"]
    # Linear replay keeps this cost flat; a quadratic one would grow it as much as the size.
    shape = f"grows {worst:.2f}x while the recording grows {grown:.1f}x"
    return [
        _p(
            f"`{outcome.command}`: recordings of the default suite against the emulator with",
            "enough valid examples to reach each size, each replayed offline 3 times (median):",
        ),
        _table(
            ["interactions", "replay", "per interaction", "cost per interaction vs smallest"],
            ["---:"] * 4,
            [
                [
                    _n(row["interactions"]),
                    f"{row['replay_seconds']:.2f} s",
                    f"{row['ms_per_interaction']:.2f} ms",
                    f"{row['cost_ratio_vs_smallest']:.2f}x",
                ]
                for row in outcome.data
            ],
        ),
        _p(
            f"The cost per interaction {shape}; with vcrpy's own matching it would grow about",
            "as much as the recording, since vcrpy compares each request with every recorded",
            "interaction (O(n²)). Before the cassette was indexed by its matchers (method, path,",
            "query, body), 246 interactions took 20 s to replay under cProfile, nearly all of it",
            "in vcrpy's matchers.",
        ),
    ]


def render(
    bench: Bench, note: dict[str, str], seconds: float, peer: str | None, command: str
) -> str:
    """The whole document."""
    from benchmarks._render_network import TITLE, network  # it imports this module's helpers

    def first(name: str) -> Outcome | None:
        found = bench.outcomes.get(name)
        return found[0] if found else None

    sections = [
        (
            "Detection: emulator faults, close-contract and schemathesis",
            _detection(first("detection")),
        ),
        ("Throughput: close-contract vs schemathesis", _throughput(first("throughput"))),
        ("Memory: peak RSS of a 5,000-case run", _memory(first("memory"))),
        ("Generation: valid payloads per second", _generation(first("generation"))),
        ("Emulator under load", _load(bench.outcomes.get("load", []))),
        ("Replay scaling", _replay(first("replay"))),
        (TITLE, network(first("network"))),
    ]
    if bench.problems:
        sections.append(("Problems", ["\n".join(_item(problem) for problem in bench.problems)]))
    blocks = [
        "# Benchmarks",
        _p(
            f"Written by `{command}` (`make bench`) in {seconds / 60:.1f} minutes; regenerate",
            "rather than edit. Each section names the command that produced it. The machine is",
            "shared and noisy, so comparisons are ratios measured in the same run.",
        ),
        "Machine:",
        "\n".join(
            [
                _item(
                    f"{note['cores']}, {note['memory']}, {note['os']}; load average at the start",
                    f"{note['load']} (1, 5, 15 min); {note['date']}",
                ),
                _item(f"{note['python']}; {note['packages']}"),
                _item(
                    f"peer environment {f'`{peer}`' if peer else 'not available'}: {note['peer']}"
                ),
            ]
        ),
    ]
    for title, body in sections:
        blocks += [f"## {title}", *body]
    return "\n\n".join(blocks) + "\n"
