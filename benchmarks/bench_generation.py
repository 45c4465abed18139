"""Generation benchmark: valid create payloads per second, ours vs hypothesis-jsonschema.

Takes the emulator's richest Custom Object Type (the one with the most custom fields),
builds its create request schema with ``contract.request_schema_for`` and measures, in
the same run and by the same method, how fast each generator produces valid payloads:

* ``strategies.valid_payloads`` on the JSON Schema 2020-12 request schema, in this
  environment and also in the peer environment (same Hypothesis as the peer, so the
  engine version is not what makes the difference);
* ``hypothesis_jsonschema.from_schema`` on an equivalent draft-07 schema: the same
  properties, with ``additionalProperties: false`` instead of the 2020-12
  ``propertyNames`` rule (draft-07 has no ``if``/``then`` inside ``propertyNames`` that
  hypothesis-jsonschema understands), and without the ``x-close-*`` annotations.

Method (both): ``@settings(max_examples=N, phases=[Phase.generate], database=None)``
over ``@given(strategy)``, with a fixed seed and every health check off, timing the
whole run and counting the examples drawn. The drawn payloads are checked afterwards
(outside the timing) against the 2020-12 schema with ``contract.validator_for``.

hypothesis-jsonschema 0.23.1 breaks with Hypothesis >= 6.170.10 (it calls a removed
private helper), so it runs in its own environment, given by ``--peer-python``::

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install hypothesis==6.170.9 hypothesis-jsonschema jsonschema
    .venv/bin/python benchmarks/bench_generation.py --peer-python .venv-bench/bin/python

Without ``--peer-python`` only our generator is measured. ``--json`` prints the figures
as JSON. Only 127.0.0.1 is contacted (the emulator this script starts).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240229
_SKIP = ("x-close-field", "x-close-type", "x-close-reference", "$id", "$schema")


def measure(strategy: Any, examples: int) -> dict[str, Any]:
    """Draw ``examples`` values through ``@given`` (generate phase only) and time it."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    drawn: list[Any] = []

    @seed(SEED)
    @settings(
        max_examples=examples,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    started, cpu = time.perf_counter(), time.process_time()
    collect()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "count": len(drawn),
        "wall_seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "per_second": len(drawn) / cpu_seconds,
        "per_wall_second": len(drawn) / seconds,
        "drawn": drawn,
    }


def _environment() -> dict[str, str]:
    import hypothesis

    return {"python": platform.python_version(), "hypothesis": hypothesis.__version__}


def _ours(
    schema: dict[str, Any], references: dict[str, list[str]], examples: int
) -> dict[str, Any]:
    from strategies import valid_payloads

    result = measure(valid_payloads(schema, references=references), examples)
    result["drawn"] = [case.payload for case in result["drawn"]]
    return {**result, **_environment()}


def _peer(schema: dict[str, Any], examples: int) -> dict[str, Any]:
    from hypothesis_jsonschema import from_schema

    return {**measure(from_schema(schema), examples), **_environment()}


def draft07(schema: dict[str, Any]) -> dict[str, Any]:
    """The same request as draft-07: closed with additionalProperties, no annotations."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in _SKIP}
        if isinstance(node, list):
            return [strip(item) for item in node]
        return node

    converted: dict[str, Any] = strip(schema)
    converted.pop("propertyNames", None)
    converted["additionalProperties"] = False
    converted["$schema"] = "http://json-schema.org/draft-07/schema#"
    return converted


def richest_type() -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """The emulator's type with the most custom fields, with its field definitions."""
    import httpx

    from contract.emulator import EmulatorServer

    with EmulatorServer() as server:
        with httpx.Client(
            base_url=server.base_url + "/", auth=(server.api_key, ""), timeout=30.0
        ) as client:
            types = client.get("custom_object_type/").json()["data"]
            fields = client.get("custom_field/custom_object_type/").json()["data"]
    count = {t["id"]: sum(f["custom_object_type_id"] == t["id"] for f in fields) for t in types}
    chosen = max(types, key=lambda t: (count[t["id"]], t["id"]))
    return chosen, fields, f"emulator type {chosen['name']} ({count[chosen['id']]} custom fields)"


def references_for(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Well-formed ids for the lead and every reference field (generation only, not sent)."""
    prefixes = {"user": "user_", "contact": "cont_", "custom_object": "custobj_"}
    refs = {"lead": [f"lead_{'L' * 42}{n}" for n in range(3)]}
    for value in schema["properties"].values():
        note = value.get("x-close-field") if isinstance(value, dict) else None
        if note and note.get("reference"):
            prefix = prefixes[note["reference"].split(":")[0]]
            refs[note["reference"]] = [f"{prefix}{'R' * 42}{n}" for n in range(3)]
    return refs


def _in_peer(python: str, task: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [python, str(Path(__file__).resolve()), "--peer-task"],
        input=json.dumps(task),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"the peer measurement failed:\n{completed.stderr.strip()}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _peer_task() -> None:
    # Runs inside --peer-python: reads one task as JSON on stdin, answers JSON on stdout.
    task = json.load(sys.stdin)
    if task["generator"] == "hypothesis-jsonschema":
        result = _peer(task["schema"], task["examples"])
    else:
        result = _ours(task["schema"], task["references"], task["examples"])
    json.dump(result, sys.stdout)


def _rounds(
    examples: int, rounds: int, peer_python: str | None
) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    from contract import request_schema_for, validator_for

    type_definition, fields, source = richest_type()
    schema = request_schema_for(type_definition, fields)
    references = references_for(schema)
    task = {"schema": schema, "references": references, "examples": examples}
    peer_task = {**task, "schema": draft07(schema), "generator": "hypothesis-jsonschema"}
    validator = validator_for(schema)
    runs: dict[str, list[dict[str, Any]]] = {}
    # Interleaved rounds: a burst of load on the machine hits every generator alike.
    for _ in range(rounds):
        measured = {"ours": _ours(schema, references, examples)}
        if peer_python:
            measured["ours (peer env)"] = _in_peer(peer_python, {**task, "generator": "ours"})
            measured["hypothesis-jsonschema"] = _in_peer(peer_python, peer_task)
        for name, row in measured.items():
            drawn = row.pop("drawn")
            row["valid_share"] = sum(validator.is_valid(p) for p in drawn) / max(len(drawn), 1)
            runs.setdefault(name, []).append(row)
    return source, runs


def run(examples: int, peer_python: str | None, rounds: int = 3) -> dict[str, Any]:
    """Measure every generator ``rounds`` times on the richest emulator type.

    Rates are payloads per CPU second of the measuring process (the machine may be
    shared; wall-clock rates are reported too), the median over the rounds.
    """
    source, runs = _rounds(examples, rounds, peer_python)
    results = {
        name: {
            "hypothesis": rows[0]["hypothesis"],
            "python": rows[0]["python"],
            "per_second": statistics.median(r["per_second"] for r in rows),
            "per_wall_second": statistics.median(r["per_wall_second"] for r in rows),
            "valid_share": min(r["valid_share"] for r in rows),
            "count": rows[0]["count"],
            "rounds": rows,
        }
        for name, rows in runs.items()
    }
    peer = results.get("hypothesis-jsonschema")
    ratios = {
        name: row["per_second"] / peer["per_second"]
        for name, row in results.items()
        if peer is not None and row is not peer
    }
    return {
        "schema": source,
        "examples": examples,
        "rounds": rounds,
        "method": "@given + @settings(max_examples=N, phases=[Phase.generate]), fixed seed",
        "peer_schema": "draft-07, additionalProperties: false instead of propertyNames",
        "results": results,
        "speedup_vs_hypothesis_jsonschema": ratios,
    }


def render(report: dict[str, Any]) -> str:
    """A small text table of the report."""
    lines = [
        f"valid payloads per second: {report['schema']}",
        f"N={report['examples']} per generator and round, median of {report['rounds']} "
        "interleaved rounds, per CPU second (wall-clock in brackets)",
        f"method: {report['method']}",
        f"hypothesis-jsonschema gets the {report['peer_schema']}",
        "",
        f"{'generator':22} {'hypothesis':>10} {'payloads/s':>11} {'(wall)':>8} {'valid':>6} "
        f"{'vs peer':>8}",
    ]
    for name, row in report["results"].items():
        ratio = report["speedup_vs_hypothesis_jsonschema"].get(name)
        shown = f"{ratio:7.1f}x" if ratio is not None else f"{'-':>8}"
        lines.append(
            f"{name:22} {row['hypothesis']:>10} {row['per_second']:11.0f} "
            f"{'(' + format(row['per_wall_second'], '.0f') + ')':>8} "
            f"{row['valid_share']:6.0%} {shown}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples per generator")
    parser.add_argument("--peer-python", help="a Python with hypothesis-jsonschema installed")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--peer-task", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peer_task:
        _peer_task()
        return 0
    report = run(args.examples, args.peer_python, args.rounds)
    sys.stdout.write((json.dumps(report, indent=2) if args.json else render(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
