"""Run every benchmark and write ``docs/benchmarks.md``: ``python -m benchmarks``.

Each benchmark runs as its own script with ``--json`` (the command the document shows),
from the repository root, one after the other: generation (against hypothesis-jsonschema
in ``.venv-bench``, created when missing), emulator load (3 runs, median), replay scaling,
the detection matrix, throughput against schemathesis, peak memory, runs behind a
flaky and a slow network (chaos and latency), concurrent runs paced by a rate limit, and
runs behind a hostile proxy (one per mode). The document gets every figure with its command
and a note on the machine (cores, memory, Python, package versions, load average at the
start). ``make bench`` runs this module.

    python -m benchmarks [--out docs/benchmarks.md] [--results FILE] [--from-results FILE]
                         [--only NAMES [--splice]]

``--results`` also saves every figure as JSON; ``--from-results`` writes the document from
such a file without running anything, or, with ``--only``, after running the named
benchmarks again (their new figures replace the saved ones). ``--only NAMES --splice``
runs only the named benchmarks and replaces their sections in the document already
written, keeping the others (for when no figures were saved).

Exit status: 0 when every benchmark ran and met its checks, 1 otherwise (the document is
written either way).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks._document import PEER_PACKAGES, BenchRun
from benchmarks._render import render
from benchmarks._splice import splice

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
PEER = ROOT / ".venv-bench"
PACKAGES = ("hypothesis", "schemathesis", "httpx", "uvicorn", "starlette", "vcrpy", "jsonschema")
LOAD_RUNS = 3
_TIMEOUT = 1800.0


def _say(text: str) -> None:
    sys.stderr.write(f"[bench] {text}\n")
    sys.stderr.flush()


def _python() -> str:
    """This interpreter as the document shows it (relative to the root when inside)."""
    path = Path(sys.executable)
    try:
        return str(path.relative_to(ROOT)) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


@dataclass
class Bench:
    """Every outcome, in the order run, and the problems met on the way."""

    outcomes: dict[str, list[BenchRun]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def run(self, name: str, args: Sequence[str]) -> BenchRun | None:
        """Run ``python ARGS`` from the root; keep its JSON output under ``name``."""
        command = f"{_python()} {shlex.join(args)}"
        _say(f"{name}: {command}")
        started = time.perf_counter()
        try:
            completed = subprocess.run(
                [sys.executable, *args],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            self.problems.append(f"{name}: `{command}` did not finish within {_TIMEOUT:.0f} s")
            return None
        seconds = time.perf_counter() - started
        try:
            data = json.loads(completed.stdout)
        except ValueError:
            tail = completed.stderr.strip().splitlines()[-5:]
            self.problems.append(
                f"{name}: `{command}` exited {completed.returncode}: {' / '.join(tail)}"
            )
            return None
        outcome = BenchRun(command, data, seconds, completed.returncode)
        if completed.returncode != 0:
            self.problems.append(f"{name}: `{command}` exited {completed.returncode}")
        self.outcomes.setdefault(name, []).append(outcome)
        _say(f"{name}: done in {seconds:.0f} s")
        return outcome


# --- the environment --------------------------------------------------------------------


def ensure_peer(bench: Bench) -> str | None:
    """The peer interpreter (hypothesis-jsonschema), created when missing; None if impossible."""
    python = PEER / "bin" / "python"
    check = [str(python), "-c", "import hypothesis_jsonschema, jsonschema"]
    if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
        return str(python.relative_to(ROOT))
    _say(f"creating {PEER.name}: {' '.join(PEER_PACKAGES)}")
    steps = [
        ["python3", "-m", "venv", str(PEER)],
        [str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            bench.problems.append(f"generation: could not set up {PEER.name}: {exc}")
            return None
        if done.returncode != 0:
            tail = " / ".join(done.stderr.strip().splitlines()[-3:])
            bench.problems.append(f"generation: `{shlex.join(step)}` failed: {tail}")
            return None
    return str(python.relative_to(ROOT))


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _peer_versions(peer: str | None) -> str:
    if peer is None:
        return "not available"
    code = (
        "from importlib.metadata import version as v; "
        "print(f\"hypothesis {v('hypothesis')}, hypothesis-jsonschema "
        "{v('hypothesis-jsonschema')}, jsonschema {v('jsonschema')}\")"
    )
    done = subprocess.run(
        [str(ROOT / peer), "-c", code], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def machine(peer: str | None) -> dict[str, str]:
    """The machine note: hardware, load at the start, interpreter and package versions."""
    model = ""
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": f"{os.cpu_count()} cores" + (f" ({model})" if model else ""),
        "memory": memory or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": ", ".join(f"{name} {_version(name)}" for name in PACKAGES),
        "peer": _peer_versions(peer),
        "load": load,
    }


# --- rendering --------------------------------------------------------------------------
#
# The document's prose is written here, around the figures; every claim that depends on a
# figure (a goal held or not, a cost that stays flat) is decided from that figure.


def _steps(peer: str | None) -> list[tuple[str, list[str]]]:
    """Every benchmark run, in order: its name in the document and its arguments."""
    generation = ["benchmarks/bench_generation.py", *(["--peer-python", peer] if peer else [])]
    load = ["benchmarks/bench_emulator_load.py", "--requests", "2000", "--clients", "8"]
    steps = [("generation", [*generation, "--json"])]
    steps += [("load", [*load, "--json"])] * LOAD_RUNS
    steps += [
        (name, [f"benchmarks/bench_{script}.py", "--json"])
        for name, script in (
            ("replay", "replay"),
            ("detection", "detection"),
            ("throughput", "throughput"),
            ("memory", "memory"),
            ("network", "network"),
            ("speed", "speed"),
            ("hostile", "hostile"),
        )
    ]
    return steps


NAMES = (
    "generation",
    "load",
    "replay",
    "detection",
    "throughput",
    "memory",
    "network",
    "speed",
    "hostile",
)


def measure(only: Sequence[str] = NAMES, earlier: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the benchmarks named in ``only`` (every one by default); return everything the
    document needs, as JSON-ready data. The figures of the others come from ``earlier``
    (saved ``--results``), with the problems they met."""
    started = time.perf_counter()
    bench = Bench()
    if earlier is not None:
        bench.outcomes = {
            name: [BenchRun(**o) for o in outcomes]
            for name, outcomes in earlier["outcomes"].items()
            if name not in only
        }
        bench.problems = [p for p in earlier["problems"] if p.split(":", 1)[0] not in only]
    peer = ensure_peer(bench) if "generation" in only else (earlier or {}).get("peer")
    note: dict[str, Any] = dict(machine(peer))
    if earlier is not None:
        # The machine as it was for the saved figures, and when the others were run again.
        again = f"run again with `--only {','.join(only)}` on {note['date']}, load {note['load']}"
        note = {
            **earlier["machine"],
            "peer": note["peer"],
            "again": [*earlier["machine"].get("again", []), again],
        }
    for name, args in _steps(peer):
        if name in only:
            bench.run(name, args)
    seconds = time.perf_counter() - started
    return {
        "command": f"{_python()} -m benchmarks",
        "seconds": seconds + (earlier["seconds"] if earlier is not None else 0.0),
        "peer": peer,
        "machine": note,
        "problems": bench.problems,
        "outcomes": {
            name: [dataclasses.asdict(o) for o in outcomes]
            for name, outcomes in bench.outcomes.items()
        },
    }


def document(results: dict[str, Any]) -> str:
    """The document for ``results`` (as :func:`measure` returns them)."""
    bench = Bench(
        outcomes={
            name: [BenchRun(**o) for o in outcomes]
            for name, outcomes in results["outcomes"].items()
        },
        problems=list(results["problems"]),
    )
    return render(
        bench.outcomes,
        bench.problems,
        results["machine"],
        results["seconds"],
        results["peer"],
        results["command"],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run every benchmark and write the document; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=DOC, help="where to write the document")
    parser.add_argument("--results", type=Path, help="also save every figure as JSON there")
    parser.add_argument(
        "--from-results", type=Path, help="write the document from saved figures; run nothing"
    )
    parser.add_argument(
        "--only",
        help="run again only these (comma-separated: "
        + ", ".join(NAMES)
        + "), keeping the saved figures of the others (--from-results) or the other sections"
        " of the written document (--splice)",
    )
    parser.add_argument(
        "--splice",
        action="store_true",
        help="with --only: replace only the named sections in the written document",
    )
    args = parser.parse_args(argv)
    only = [name.strip() for name in (args.only or "").split(",") if name.strip()]
    if set(only) - set(NAMES) or (only and args.from_results is None and not args.splice):
        parser.error(f"--only takes --from-results or --splice, and names among {', '.join(NAMES)}")
    if args.splice and (not only or args.from_results is not None or not args.out.exists()):
        parser.error("--splice takes --only, no --from-results, and an --out already written")
    spliced: str | None = None
    if args.from_results is not None:
        results = json.loads(args.from_results.read_text("utf-8"))
        if only:
            results = measure(only, results)
    elif args.splice:
        # No saved figures: the named sections replace theirs in the written document.
        results = measure(only)
        note = results["machine"]
        again = f"run again with `--only {','.join(only)}` on {note['date']}, load {note['load']}"
        spliced = splice(args.out.read_text("utf-8"), document(results), again)
    else:
        results = measure(only or NAMES)
    if args.results is not None and (only or args.from_results is None):
        args.results.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    args.out.write_text(document(results) if spliced is None else spliced, "utf-8")
    _say(f"wrote {args.out} ({results['seconds'] / 60:.1f} minutes of benchmarks)")
    for problem in results["problems"]:
        _say(f"problem: {problem}")
    return 1 if results["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
