"""Detection matrix: which emulator faults close-contract and schemathesis each detect.

For every fault in ``contract.emulator.FAULTS``, and for the faithful emulator (the
false-positive row), each tool runs once against a fresh emulator with that fault, seeded,
with the same example budget and the same key:

* **close-contract**: ``contract.run(Config(examples=N, seed=S))`` with the default checks
  and the documented layer only (no baseline): the run that ``Config(emulator_faults=(f,),
  examples=N, seed=S)`` makes on the embedded emulator, pointed at a counting emulator as its
  target instead (the emulator's keys, shrinking on as the embedded emulator has it), so the
  requests of discovery are counted too.
* **close-contract + baseline**: for ``create_returns_200`` (and the faithful emulator), the
  same run compared with a baseline recorded from the faithful emulator first
  (``Config(baseline=path)``): that fault is baseline-only in the documented layer, because
  Close's documents disagree on the create status (200 or 201).
* **schemathesis, committed document** (the anchor): ``run_schemathesis`` with
  ``document=load_openapi()``, the project's generic OpenAPI document, every
  ``DEFAULT_CHECKS`` check, the stateful phase on, ``max_examples=N``. run_schemathesis
  specialises every document minimally: the real lead id in the create body and the list
  filter, ``additionalProperties: false`` on request bodies, 429 declared, links from create
  to get/update/delete. No type is pinned, so the document has no valid create (a type id
  is any ``cotype_...`` string and both emulator types have a required custom field): a
  user who hands schemathesis the committed document gets exactly this.
* **schemathesis, per-type document**: the same, with the richest type's schemas and its
  reference ids pinned (what ``close-contract run --schemathesis`` feeds schemathesis), so
  its creates succeed and its stateful phase can chain them: schemathesis at its best.

Both schemathesis runs use a lead holding one instance (of the type the richest type
refers to) created before the run, as a lead of a real organization would; close-contract
creates its own disposable lead. Every run talks to a counting emulator, so requests are
counted at the server, by one definition for both tools. "Requests to first detection" is,
for close-contract, the requests before its first case (discovery) plus those of every case
up to and including the first case with a violation or a warning (a finding that fails
nothing, such as the concurrency phase's), in order (shrinking comes after the detection
and is not counted); a warning on the faithful emulator is a false positive like a
violation; for schemathesis, the requests the server had received when
the first failure that the run kept (a failure its filter did not drop) was raised, probes
and the checks' own follow-up requests included.

    python benchmarks/bench_detection.py [--examples 10] [--seed 0] [--fault NAME ...] [--json]

Exit status: 0 when close-contract detects every fault (create_returns_200 with its
baseline) and reports nothing on the faithful emulator, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import contract
from contract.config import DEFAULT_STATEFUL_RUNS, Config
from contract.emulator import FAULTS
from contract.errors import ContractViolation
from contract.events import CaseFinished, RunFinished, RunStarted

if not __package__:  # run as a script: the repository root must be importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._support import CountingEmulator, prepare  # noqa: E402

FAITHFUL = "faithful"
# Faults the documented layer accepts by design, as Close's own texts allow both answers;
# a baseline recorded from the faithful emulator pins the one it gives.
BASELINE_FAULTS = ("create_returns_200", "multi_value_as_string")
DOCUMENTS = ("generic", "per-type")


# --- close-contract ---------------------------------------------------------------------


def toolkit(
    fault: str | None,
    *,
    examples: int,
    seed: int,
    baseline: Path | None = None,
    baseline_out: Path | None = None,
    stateful_runs: int = DEFAULT_STATEFUL_RUNS,
) -> dict[str, Any]:
    """One close-contract run against a fresh emulator with ``fault`` (None: faithful), with
    ``stateful_runs`` sequences of the stateful phase."""
    with CountingEmulator(() if fault is None else (fault,), seed=seed) as server:
        config = Config(
            base_url=server.base_url,
            api_key=server.api_key,
            other_api_key=server.other_api_key,
            examples=examples,
            seed=seed,
            # The embedded emulator's default; a live target's is off.
            shrink=True,
            baseline=baseline,
            baseline_out=baseline_out,
            stateful_runs=stateful_runs,
        )
        sent, first, first_checks, first_phase = 0, None, [], None
        finished = None
        warned: list[ContractViolation] = []
        started = time.perf_counter()
        for event in contract.run(config):
            if isinstance(event, RunStarted):
                sent = server.requests  # discovery: what the run sent before its first case
            elif isinstance(event, CaseFinished):
                sent += event.requests
                # A warning is a finding too (one that fails nothing): it counts as found.
                found = event.violations or event.warnings
                if found and first is None:
                    first = sent
                    first_checks = sorted({v.check for v in found})
                    first_phase = event.phase
                warned.extend(event.warnings)
            elif isinstance(event, RunFinished):
                finished = event
        seconds = time.perf_counter() - started
    assert finished is not None
    summary = finished.summary
    return {
        "detected": summary.violations > 0 or summary.warnings > 0,
        "checks": sorted(set(summary.by_check) | {w.check for w in warned}),
        "first_checks": first_checks,
        "first_phase": first_phase,
        "requests_to_first": first,
        "requests": summary.requests,
        "cases": summary.cases,
        "violations": summary.violations,
        "warnings": summary.warnings,
        "seconds": round(seconds, 2),
        "findings": [f"{v.check}: {v.title}" for v in finished.violations[:10]]
        + [f"{w.check} (a warning): {w.title}" for w in warned[:10]],
    }


# --- schemathesis -----------------------------------------------------------------------


@contextmanager
def _first_failures(server: CountingEmulator) -> Iterator[dict[tuple[str, str], int]]:
    """(operation, title) → the server's request count when such a failure was first kept.

    A global ``filter_failure`` hook runs before the run's own (schema-level) filters; it
    asks them whether they keep the failure, records it if so, and keeps it either way (the
    run's filters then decide for real).
    """
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    first: dict[tuple[str, str], int] = {}

    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        hooks = case.operation.schema.hooks.applicable("filter_failure", context)
        if all(hook(context, failure, case, response) for hook in hooks):
            first.setdefault((case.operation.label, failure.title), server.requests)
        return True

    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(filter_failure, "filter_failure")
    try:
        yield first
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(filter_failure)


def schemathesis(fault: str | None, *, examples: int, seed: int, document: str) -> dict[str, Any]:
    """One schemathesis run (``document``: "generic" or "per-type") against ``fault``."""
    from contract.schemas import load_openapi
    from contract.schemathesis_phase import run_schemathesis

    created: list[str] = []
    linked = [0]

    def on_response(method: str, path: str, status: int, body: bytes) -> None:
        # A request on an instance schemathesis itself created can only come from its
        # stateful phase following a link (response harvesting and link inference are off).
        if any(path == f"custom_object/{object_id}/" for object_id in created):
            linked[0] += 1

    with CountingEmulator(() if fault is None else (fault,), seed=seed) as server:
        richest, lead, references = prepare(server)
        before = server.requests
        started = time.perf_counter()
        with _first_failures(server) as first:
            result = run_schemathesis(
                server.base_url,
                server.api_key,
                type_contract=richest if document == "per-type" else None,
                lead_id=lead,
                references=references,
                max_examples=examples,
                seed=seed,
                document=load_openapi() if document == "generic" else None,
                on_created=created.append,
                on_response=on_response,
            )
        seconds = time.perf_counter() - started
    firsts = [first.get((f.operation, f.title)) for f in result.findings]
    known = [n - before for n in firsts if n is not None]
    return {
        "detected": bool(result.findings),
        "checks": sorted({f.check for f in result.findings}),
        # A finding whose moment was not seen counts as found at the end of the run.
        "requests_to_first": (
            (min(known) if len(known) == len(firsts) else result.requests)
            if result.findings
            else None
        ),
        "first_exact": len(known) == len(firsts),
        "requests": result.requests,
        "created": result.created,
        "stateful_requests": linked[0],
        "seconds": round(seconds, 2),
        "errors": list(result.errors[:5]),
        "findings": [
            f"{f.check}: {f.operation}: {f.title}: {f.message.splitlines()[0] if f.message else ''}"
            for f in result.findings
        ],
    }


# --- the matrix -------------------------------------------------------------------------


def run(
    faults: Sequence[str] | None = None,
    *,
    examples: int = 10,
    seed: int = 0,
    documents: Sequence[str] = DOCUMENTS,
    with_baseline: bool = True,
    stateful_runs: int = DEFAULT_STATEFUL_RUNS,
) -> dict[str, Any]:
    """Run the matrix for ``faults`` (default: every fault) plus the faithful emulator;
    close-contract's runs with ``stateful_runs`` sequences of its stateful phase."""
    chosen = sorted(FAULTS) if faults is None else list(faults)
    rows: list[dict[str, Any]] = []
    baseline_rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        baseline = Path(tmp) / "baseline.json"
        for fault in [None, *chosen]:
            row: dict[str, Any] = {
                "fault": fault or FAITHFUL,
                "description": FAULTS[fault] if fault else "no fault",
                "toolkit": toolkit(
                    fault,
                    examples=examples,
                    seed=seed,
                    baseline_out=baseline if fault is None and with_baseline else None,
                    stateful_runs=stateful_runs,
                ),
            }
            for document in documents:
                row[f"schemathesis:{document}"] = schemathesis(
                    fault, examples=examples, seed=seed, document=document
                )
            rows.append(row)
        if with_baseline:
            for fault in [None, *(f for f in BASELINE_FAULTS if f in chosen)]:
                baseline_rows.append(
                    {
                        "fault": fault or FAITHFUL,
                        "description": FAULTS[fault] if fault else "no fault",
                        "toolkit+baseline": toolkit(
                            fault,
                            examples=examples,
                            seed=seed,
                            baseline=baseline,
                            stateful_runs=stateful_runs,
                        ),
                    }
                )
    return _report(rows, baseline_rows, examples, seed, documents)


def _report(
    rows: list[dict[str, Any]],
    baseline_rows: list[dict[str, Any]],
    examples: int,
    seed: int,
    documents: Sequence[str],
) -> dict[str, Any]:
    faulty = [r for r in rows if r["fault"] != FAITHFUL]
    faithful = next(r for r in rows if r["fault"] == FAITHFUL)
    with_baseline = {r["fault"]: r["toolkit+baseline"] for r in baseline_rows}
    tools = ["toolkit", *(f"schemathesis:{d}" for d in documents)]
    detected = {tool: sum(r[tool]["detected"] for r in faulty) for tool in tools}
    # close-contract's verdict on each fault: the documented layer, else its baseline.
    caught = [
        r["fault"]
        for r in faulty
        if r["toolkit"]["detected"] or with_baseline.get(r["fault"], {}).get("detected")
    ]
    false_positives = {tool: faithful[tool]["findings"] for tool in tools}
    if FAITHFUL in with_baseline:
        false_positives["toolkit+baseline"] = with_baseline[FAITHFUL]["findings"]
    toolkit_clean = not false_positives["toolkit"] and not false_positives.get("toolkit+baseline")
    # Requests until the first detection, per tool: the median over the faults it detected,
    # and over the faults every tool detected (the fair head-to-head).
    all_found = [r for r in faulty if all(r[t]["detected"] for t in tools)]
    first_detection = {
        tool: {
            "median": _median(
                [r[tool]["requests_to_first"] for r in faulty if r[tool]["detected"]]
            ),
            "median_where_all_detect": _median([r[tool]["requests_to_first"] for r in all_found]),
        }
        for tool in tools
    }
    stateful = {tool: sum(r[tool].get("stateful_requests", 0) for r in rows) for tool in tools[1:]}
    return {
        "examples": examples,
        "seed": seed,
        "faults": len(faulty),
        "documents": list(documents),
        "rows": rows,
        "baseline_rows": baseline_rows,
        "detected": detected,
        "toolkit_detected_with_baseline": len(caught),
        "missed_by_toolkit": sorted({r["fault"] for r in faulty} - set(caught)),
        "false_positives": false_positives,
        "first_detection": first_detection,
        "detected_by_all": len(all_found),
        "stateful_requests": stateful,
        "ok": toolkit_clean and len(caught) == len(faulty),
    }


def _median(values: Sequence[int | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(statistics.median(known)) if known else None


# --- output -----------------------------------------------------------------------------


def _cell(result: dict[str, Any]) -> str:
    if not result["detected"]:
        return "no"
    first = result["requests_to_first"]
    shown = f"{first:,}" if result.get("first_exact", True) else f"≤ {first:,} (run total)"
    return f"yes: {', '.join(result['checks'])} ({shown})"


def render(report: dict[str, Any]) -> str:
    """The matrix as a Markdown table (cells: detected, by which checks, requests to first)."""
    tools = ["toolkit", *(f"schemathesis:{d}" for d in report["documents"])]
    names = {
        "toolkit": "close-contract",
        "schemathesis:generic": "schemathesis, committed document",
        "schemathesis:per-type": "schemathesis, per-type document",
    }
    lines = [
        "| fault | " + " | ".join(names.get(t, t) for t in tools) + " |",
        "| --- |" + " --- |" * len(tools),
    ]
    for row in report["rows"]:
        lines.append(f"| `{row['fault']}` | " + " | ".join(_cell(row[t]) for t in tools) + " |")
    lines.append(
        "| **detected** | "
        + " | ".join(f"**{report['detected'][t]} / {report['faults']}**" for t in tools)
        + " |"
    )
    for row in report["baseline_rows"]:
        cells = [_cell(row["toolkit+baseline"]), *([""] * (len(tools) - 1))]
        label = f"`{row['fault']}`, close-contract with a baseline"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--examples", type=int, default=10, help="example budget (10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of both tools (0)")
    parser.add_argument("--fault", action="append", choices=sorted(FAULTS), help="only these")
    parser.add_argument(
        "--documents", nargs="+", choices=DOCUMENTS, default=list(DOCUMENTS), help=argparse.SUPPRESS
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 3 examples, the per-type document only, no baseline rows",
    )
    args = parser.parse_args(argv)
    if args.quick:
        report = run(
            args.fault, examples=3, seed=args.seed, documents=("per-type",), with_baseline=False
        )
    else:
        report = run(args.fault, examples=args.examples, seed=args.seed, documents=args.documents)
    sys.stdout.write((json.dumps(report, indent=2) if args.json else render(report)) + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
