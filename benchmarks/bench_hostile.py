"""Hostile server: ``close-contract run`` behind a proxy that lies, in each of its modes.

For each mode of the hostile proxy (``tests/hostile/_proxy.py``: a wrong lead id, a
foreign or malformed instance id, a list that lies about its items' lead, malformed,
endless and compressed-bomb bodies, a trickle, endless paging, an absurd ``RateLimit``),
customer data is planted in a fresh embedded emulator (a lead with two instances, and
another organization's lead and instance, as ``tests/support/safety.py`` plants them), the
proxy is put in front of it, and ``close-contract run --base-url PROXY`` runs as a child
process with small bounds. Recorded per mode: the exit code, the wall time, the child's
peak RSS (its own rusage, from ``wait4``), whether the JSON report was written, and the
writes to foreign data: PUTs and DELETEs that reached an id that existed before the run
(from the proxy's log), plus pre-existing rows that changed (from full snapshots of the
database). Those must be 0.

    python benchmarks/bench_hostile.py [--modes a,b,...] [--json]

Exit status: 0 when no mode wrote to foreign data, else 1.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from contract.emulator import EmulatorServer

ROOT = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).with_name("close-contract"))
_TIMEOUT = 600.0
# Small bounds, so that each mode ends in seconds (the option, its value).
BOUNDS = (
    ("--max-response-bytes", "1048576"),
    ("--response-timeout", "2"),
    ("--max-wait", "10"),
    ("--max-pages", "5"),
    ("--cleanup-timeout", "60"),
)
_WRITE_TARGET = re.compile(r"/api/v1/(?:custom_object|lead)/([0-9A-Za-z_]+)/")


def _load(name: str, path: Path) -> ModuleType:
    """A helper module of the tests, loaded by its path (the tests are no package here)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


_safety = _load("hostile_bench_safety", ROOT / "tests" / "engine" / "_safety.py")
_proxy = _load("hostile_bench_proxy", ROOT / "tests" / "hostile" / "_proxy.py")
MODES: tuple[str, ...] = tuple(_proxy.MODES)


def _customer(lead_id: str, server: EmulatorServer) -> Any:
    """The proxy's lies: the customer's lead and instances, another organization's instance."""
    with httpx.Client(base_url=server.base_url + "/", auth=(server.api_key, "")) as api:
        listed = api.get("custom_object/", params={"lead_id": lead_id}).json()["data"]
    assert server.db_path is not None
    rows = _safety.snapshot(server.db_path)["custom_object"].values()
    mine = {item["id"] for item in listed}
    other = next(row["id"] for row in rows if row["id"] not in mine)
    asset = next(item for item in listed if item["name"] == "Customer laptop")
    return _proxy.Customer(lead_id, asset["id"], other, tuple(listed))


def _child(args: list[str], env: dict[str, str]) -> tuple[int, float, int]:
    """Run ``args``; its exit code, wall seconds and peak RSS in KiB (its own rusage)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    timer = threading.Timer(_TIMEOUT, process.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, time.perf_counter() - started, int(usage.ru_maxrss)


def measure(mode: str, planted: Any, directory: Path) -> dict[str, Any]:
    """One run through the proxy in ``mode``: its figures, and what it wrote where."""
    db = _safety.copy_of(planted, directory)
    with EmulatorServer(db_path=db) as server:
        customer = _customer(planted.lead_id, server)
        before = _safety.snapshot(db)
        existing = {str(r["id"]) for rows in before.values() for r in rows.values() if "id" in r}
        origin = server.base_url.removesuffix("/api/v1")
        with _proxy.HostileProxy(mode, origin, customer) as proxy:
            report = directory / "report.json"
            args = [COMMAND, "run", "--base-url", proxy.base_url, "--examples", "1"]
            args += ["--stateful-runs", "0", "--state-dir", str(directory / "state")]
            args += [part for option in BOUNDS for part in option]
            args += ["--report-json", str(report)]
            env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSE_")}
            env.update(CLOSE_API_KEY=server.api_key, CLOSE_OTHER_API_KEY=server.other_api_key)
            code, seconds, peak = _child(args, env)
            after = _safety.snapshot(db)
            foreign = [
                f"{seen.method} {seen.target[:100]}"
                for seen in proxy.writes()
                if (found := _WRITE_TARGET.fullmatch(seen.path)) is None
                or found.group(1) in existing
            ]
            exhausted = list(proxy.exhausted)
            requests = len(proxy.seen)
    try:
        written = isinstance(json.loads(report.read_text("utf-8")), dict)
    except (OSError, ValueError):
        written = False
    return {
        "mode": mode,
        "exit_code": code,
        "seconds": round(seconds, 2),
        "peak_mib": round(peak / 1024, 1),
        "foreign_writes": len(foreign),
        "rows_changed": len(_safety.changed(before, after)),
        "writes": foreign[:5],
        "report_written": written,
        "requests": requests,
        "safety_caps_met": exhausted[:3],
    }


def run(modes: Sequence[str] = MODES) -> dict[str, Any]:
    """Every mode in turn, on its own copy of the planted customer data."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as scratch:
        root = Path(scratch)
        (root / "planted").mkdir()
        planted = _safety.plant(root / "planted")
        for mode in modes:
            directory = root / mode
            directory.mkdir()
            rows.append(measure(mode, planted, directory))
            sys.stderr.write(f"[hostile] {mode}: exit {rows[-1]['exit_code']}\n")
    ok = all(row["foreign_writes"] == 0 and row["rows_changed"] == 0 for row in rows)
    return {"bounds": [" ".join(option) for option in BOUNDS], "rows": rows, "ok": ok}


def render(report: dict[str, Any]) -> str:
    """The report as a plain-text table."""
    lines = [f"{'mode':<24} {'exit':>4} {'time':>8} {'peak':>10} {'foreign':>8} report"]
    for row in report["rows"]:
        lines.append(
            f"{row['mode']:<24} {row['exit_code']:>4} {row['seconds']:>7.2f}s "
            f"{row['peak_mib']:>7.1f}MiB {row['foreign_writes'] + row['rows_changed']:>8} "
            f"{'yes' if row['report_written'] else 'no'}"
        )
    lines.append("ok" if report["ok"] else "FOREIGN DATA WRITTEN")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--modes", help="comma-separated modes (default: every one)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",")] if args.modes else list(MODES)
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        parser.error(f"unknown modes {', '.join(unknown)}; known: {', '.join(MODES)}")
    report = run(modes)
    sys.stdout.write((json.dumps(report, indent=2) if args.json else render(report)) + "\n")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
