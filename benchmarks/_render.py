"""The benchmark document: every section rendered from the measured results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchmarks._document import MISSING, BenchRun, item, number, paragraph, table
from benchmarks._render_hostile import TITLE as HOSTILE_TITLE
from benchmarks._render_hostile import hostile
from benchmarks._render_network import TITLE, network
from benchmarks._render_resources import generation, load, memory, replay
from benchmarks._render_speed import TITLE as SPEED_TITLE
from benchmarks._render_speed import speed

__all__ = ["render"]


_TOOLS = {
    "toolkit": "close-contract",
    "schemathesis:generic": "schemathesis, committed document",
    "schemathesis:per-type": "schemathesis, per-type document",
}


def _cell(result: dict[str, Any]) -> str:
    if not result["detected"]:
        return "—"
    first = result["requests_to_first"]
    shown = number(first) if result.get("first_exact", True) else f"≤ {number(first)}"
    return f"{', '.join(result['checks'])} ({shown})"


def _detection(outcome: BenchRun | None) -> list[str]:
    if outcome is None:
        return [MISSING]
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
        paragraph(
            f"`{outcome.command}`: every emulator fault, and the faithful emulator (the",
            "false-positive row), each against a fresh emulator; both tools get the same example",
            f"budget (`examples={n}` / `max_examples={n}`), seed {data['seed']} and the same key.",
        ),
        "\n".join(
            [
                item(
                    "**close-contract**: `contract.run(Config(examples=N, seed=S))` with the",
                    "default checks and the documented layer only (no baseline): the run that",
                    "`Config(emulator_faults=(f,), ...)` makes on the embedded emulator, with a",
                    "counting emulator as its target (same keys, shrinking on as on the embedded",
                    "emulator).",
                ),
                item(
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
                item(
                    "**schemathesis, per-type document**: the same run with the richest type's",
                    "schemas and reference ids pinned (what `close-contract run --schemathesis`",
                    "feeds schemathesis): its creates succeed and its stateful phase chains them,",
                    "so this is schemathesis at its best.",
                ),
            ]
        ),
        paragraph(
            "A cell names the checks that reported the fault and, in brackets, the requests sent",
            "until the first detection, counted at the emulator: for close-contract, discovery",
            "plus every case up to and including the first case with a violation, in order; for",
            "schemathesis, the requests received when its first kept failure was raised (probes",
            "and the checks' own requests included). Each cell is one seeded, deterministic run,",
            "not a median.",
        ),
        table(
            ["fault", *(_TOOLS.get(t, t) for t in tools)],
            ["---"] * (len(tools) + 1),
            rows,
        ),
        paragraph(
            f"close-contract detects {data['toolkit_detected_with_baseline']} of {total} faults"
            + (f" (missed: {', '.join(missed)})" if missed else "")
            + f": {data['detected']['toolkit']} in the documented layer, and the rest",
            "with a baseline recorded from the faithful emulator (`Config(baseline=path)`).",
            "Two faults are baseline-only by design: Close's mission text says 200 and its",
            "OpenAPI 201 for a create (`create_returns_200`), and its instance examples show a",
            "multi-value field both as a list and as a bare string (`multi_value_as_string`),",
            "so the documented layer accepts either and the baseline pins the form the target",
            "gives. Plain schemathesis on the committed",
            f"document, the anchor, detects {data['detected'].get('schemathesis:generic', '-')}"
            f" of {total};",
            "with the per-type document it detects",
            f"{data['detected'].get('schemathesis:per-type', '-')} of {total}.",
        ),
        _first_detection(data, tools),
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
            paragraph(
                "close-contract sends discovery and its setup (a disposable lead, a decoy lead,",
                "the instances that reference fields point to) before its first case, then one",
                "case of every kind; a fault that one invalid request shows",
                f"({', '.join(late)}) is found in that first round, while schemathesis, which",
                "has no setup to send, finds it a few requests sooner.",
            )
        )
    return blocks


def _first_detection(data: dict[str, Any], tools: Sequence[str]) -> str:
    figures = data.get("first_detection")
    if not figures:
        return paragraph("Requests until the first detection were not summarised this time.")

    def shown(value: float | None) -> str:
        return "—" if value is None else number(value)

    parts = [
        f"{_TOOLS.get(t, t)} {shown(figures[t]['median'])}"
        f" ({shown(figures[t]['median_where_all_detect'])} on the"
        f" {data.get('detected_by_all', 0)} faults every tool detects)"
        for t in tools
    ]
    linked = data.get("stateful_requests", {})
    stateful = [f"{number(linked[t])} on the {_TOOLS.get(t, t)}" for t in tools[1:] if t in linked]
    text = "Median requests until the first detection, over the faults each tool detects: "
    text += "; ".join(parts) + "."
    if stateful:
        text += (
            " schemathesis's stateful phase was on in every row; its links from create to"
            " get/update/delete led to requests on instances it had just created ("
            + ", ".join(stateful)
            + ", summed over the rows; none where no create can succeed); the"
            " second organization's key is"
            " close-contract's alone, as schemathesis has no notion of one."
        )
    return paragraph(text)


def _false_positives(data: dict[str, Any]) -> str:
    found = {tool: items for tool, items in data["false_positives"].items() if items}
    if not found:
        return paragraph(
            "On the faithful emulator nothing was reported: no false positive from",
            "close-contract (with or without the baseline) nor from either schemathesis run.",
        )
    lines = ["On the faithful emulator:", ""]
    for tool, items in found.items():
        lines.append(f"- {_TOOLS.get(tool, tool)} reported:")
        lines += [f"  - {item}" for item in items]
    return "\n".join(lines)


def _throughput(outcome: BenchRun | None) -> list[str]:
    if outcome is None:
        return [MISSING]
    data = outcome.data
    ours, theirs = data["toolkit"], data["schemathesis"]
    verdict = "holds" if data["ratio"] >= 1.5 else "does not hold"
    shares = data.get("toolkit_profile", {})
    blocks = [
        paragraph(
            f"`{outcome.command}`: one emulator, started by the script and counting the",
            f"requests it receives, serves both tools in {data['rounds']} interleaved rounds",
            "(alternating which goes first, after one unmeasured run of each). Rates are",
            "requests received per wall-clock second of each whole run (loading, setup and",
            "cleanup included); medians:",
        ),
        table(
            ["run", "requests", "time", "cases/s", "requests/s"],
            ["---", "---:", "---:", "---:", "---:"],
            [
                [
                    f"close-contract, default run (`Config()`: examples={ours['examples']}, "
                    f"{number(ours['cases'])} cases)",
                    number(ours["requests"]),
                    f"{ours['seconds']:.2f} s",
                    number(ours["cases_per_second"], 1),
                    number(ours["requests_per_second"], 1),
                ],
                [
                    f"schemathesis, `{theirs['operation']}` only "
                    f"(max_examples={theirs['max_examples']}, `DEFAULT_CHECKS`)",
                    number(theirs["requests"]),
                    f"{theirs['seconds']:.2f} s",
                    "—",
                    number(theirs["requests_per_second"], 1),
                ],
            ],
        ),
        paragraph(
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
            paragraph(
                "Where close-contract's time goes (one more default run, under cProfile):",
                "; ".join(f"{label}, {share:.0%}" for label, share in shares.items()) + ".",
            )
        )
    return blocks


def render(
    outcomes: Mapping[str, list[BenchRun]],
    problems: Sequence[str],
    note: dict[str, str],
    seconds: float,
    peer: str | None,
    command: str,
) -> str:
    """The whole document, from each benchmark's runs by name and the problems met."""

    def first(name: str) -> BenchRun | None:
        found = outcomes.get(name)
        return found[0] if found else None

    sections = [
        (
            "Detection: emulator faults, close-contract and schemathesis",
            _detection(first("detection")),
        ),
        ("Throughput: close-contract vs schemathesis", _throughput(first("throughput"))),
        ("Memory: peak RSS of a 5,000-case run", memory(first("memory"))),
        ("Generation: valid payloads per second", generation(first("generation"))),
        ("Emulator under load", load(list(outcomes.get("load", [])))),
        ("Replay scaling", replay(first("replay"))),
        (TITLE, network(first("network"))),
        (SPEED_TITLE, speed(first("speed"))),
        (HOSTILE_TITLE, hostile(first("hostile"))),
    ]
    if problems:
        sections.append(("Problems", ["\n".join(item(problem) for problem in problems)]))
    blocks = [
        "# Benchmarks",
        paragraph(
            f"Written by `{command}` (`make bench`) in {seconds / 60:.1f} minutes; regenerate",
            "rather than edit. Each section names the command that produced it. The machine is",
            "shared and noisy, so comparisons are ratios measured in the same run.",
        ),
        "Machine:",
        "\n".join(
            [
                item(
                    f"{note['cores']}, {note['memory']}, {note['os']}; load average at the start",
                    f"{note['load']} (1, 5, 15 min); {note['date']}",
                ),
                item(f"{note['python']}; {note['packages']}"),
                item(
                    f"peer environment {f'`{peer}`' if peer else 'not available'}: {note['peer']}"
                ),
                *[item(again) for again in note.get("again", [])],
            ]
        ),
    ]
    for title, body in sections:
        blocks += [f"## {title}", *body]
    return "\n\n".join(blocks) + "\n"
