"""Load benchmark of the Close emulator: concurrent mixed traffic, then integrity checks.

Starts an `EmulatorServer` on 127.0.0.1, creates one lead, and lets N client threads
(each with its own `httpx.Client`) send a bounded number of mixed custom object
requests (create / get / list / update / delete) within a time budget. Afterwards it
checks that no request got a 5xx or an unexpected status, and that no write was
lost: every instance created and not deleted is readable with its last name, and
the database holds exactly those rows.

    python benchmarks/bench_emulator_load.py [--requests 2000] [--clients 8] [--json]

Exit status: 0 when every check holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from contract.emulator import EmulatorServer

# Share of each operation in the mix; a client without live instances creates one.
MIX = {"create": 0.30, "get": 0.25, "list": 0.15, "update": 0.20, "delete": 0.10}
EXPECTED = {"create": 201, "get": 200, "list": 200, "update": 200, "delete": 204}


@dataclass
class Sample:
    op: str
    status: int
    seconds: float


@dataclass
class Worker:
    """One client thread: its own connection pool, random stream and live instances."""

    index: int
    seed: int
    live: dict[str, str] = field(default_factory=dict)  # id -> last name written
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Tickets:
    """Hands out at most `total` request slots, none after the deadline."""

    def __init__(self, total: int, deadline: float) -> None:
        self._left = total
        self._deadline = deadline
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0 or time.monotonic() >= self._deadline:
                return False
            self._left -= 1
            return True


def _catalog(client: httpx.Client) -> tuple[str, str, str]:
    """The Asset type id and the request keys of its required text and number fields."""
    types = client.get("custom_object_type/").json()["data"]
    asset = next(t for t in types if t["name"] == "Asset")
    fields = {f["name"]: f["id"] for f in asset["fields"]}
    return asset["id"], "custom." + fields["Serial Number"], "custom." + fields["Purchase Price"]


def _work(
    worker: Worker,
    server: EmulatorServer,
    tickets: Tickets,
    lead_id: str,
    catalog: tuple[str, str, str],
) -> None:
    type_id, serial_key, price_key = catalog
    rng = random.Random(worker.seed)
    ops, weights = list(MIX), list(MIX.values())
    with httpx.Client(
        base_url=server.base_url + "/", auth=(server.api_key, ""), timeout=30.0
    ) as client:
        serial = 0
        while tickets.take():
            op = rng.choices(ops, weights)[0]
            if op in ("get", "update", "delete") and not worker.live:
                op = "create"
            target = rng.choice(sorted(worker.live)) if op != "create" and worker.live else ""
            started = time.perf_counter()
            try:
                if op == "create":
                    serial += 1
                    name = f"w{worker.index}-{serial}"
                    payload = {
                        "custom_object_type_id": type_id,
                        "lead_id": lead_id,
                        "name": name,
                        serial_key: f"SN-{worker.index}-{serial}",
                        price_key: rng.randint(1, 10_000) / 100,
                    }
                    response = client.post("custom_object/", json=payload)
                    if response.status_code == 201:
                        worker.live[response.json()["id"]] = name
                elif op == "get":
                    response = client.get(f"custom_object/{target}/")
                elif op == "list":
                    response = client.get(
                        "custom_object/",
                        params={"lead_id": lead_id, "_skip": str(rng.randint(0, 50))},
                    )
                elif op == "update":
                    name = f"{worker.live[target]}+"
                    response = client.put(f"custom_object/{target}/", json={"name": name})
                    if response.status_code == 200:
                        worker.live[target] = name
                else:
                    response = client.delete(f"custom_object/{target}/")
                    if response.status_code == 204:
                        del worker.live[target]
            except httpx.HTTPError as exc:
                worker.errors.append(f"{op}: {type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - started
            worker.samples.append(Sample(op, response.status_code, elapsed))
            if response.status_code != EXPECTED[op]:
                worker.errors.append(f"{op} {target}: {response.status_code} {response.text[:200]}")


def _verify(server: EmulatorServer, lead_id: str, live: dict[str, str]) -> dict[str, bool]:
    """Read back every surviving instance and compare with the database."""
    with httpx.Client(
        base_url=server.base_url + "/", auth=(server.api_key, ""), timeout=30.0
    ) as client:
        readable = all(
            (r := client.get(f"custom_object/{object_id}/")).status_code == 200
            and r.json()["name"] == name
            for object_id, name in live.items()
        )
        listed: list[str] = []
        while True:
            page = client.get(
                "custom_object/", params={"lead_id": lead_id, "_skip": str(len(listed))}
            ).json()
            listed += [item["id"] for item in page["data"]]
            if not page["has_more"]:
                break
    return {
        "every_live_instance_readable": readable,
        "listing_matches_live_set": sorted(listed) == sorted(live),
        "db_count_matches": server.count_rows("custom_object") == len(live),
    }


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(
    requests: int = 2000,
    clients: int = 8,
    *,
    seed: int = 0,
    time_limit: float = 120.0,
    db_path: Path | None = None,
) -> dict[str, Any]:
    """Run the benchmark once and return its figures and checks."""
    with EmulatorServer(db_path=db_path, seed=seed) as server:
        with httpx.Client(
            base_url=server.base_url + "/", auth=(server.api_key, ""), timeout=30.0
        ) as client:
            lead_id = client.post("lead/", json={"name": "Load test lead"}).json()["id"]
            catalog = _catalog(client)
        workers = [Worker(index, seed * 1000 + index) for index in range(clients)]
        tickets = Tickets(requests, time.monotonic() + time_limit)
        threads = [
            threading.Thread(target=_work, args=(w, server, tickets, lead_id, catalog))
            for w in workers
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        live = {k: v for w in workers for k, v in w.live.items()}
        checks = _verify(server, lead_id, live)

    samples = [s for w in workers for s in w.samples]
    errors = [e for w in workers for e in w.errors]
    latencies = [s.seconds * 1000 for s in samples]
    checks = {
        "no_5xx": not any(s.status >= 500 for s in samples),
        "only_expected_statuses": not errors,
        "all_requests_sent": len(samples) == requests,
        **checks,
    }
    return {
        "requests": len(samples),
        "clients": clients,
        "seconds": round(wall, 3),
        "requests_per_second": round(len(samples) / wall, 1) if wall else 0.0,
        "latency_ms": {
            "p50": round(statistics.median(latencies), 2) if latencies else 0.0,
            "p95": round(_percentile(latencies, 0.95), 2),
            "p99": round(_percentile(latencies, 0.99), 2),
            "max": round(max(latencies, default=0.0), 2),
        },
        "operations": dict(sorted(Counter(s.op for s in samples).items())),
        "statuses": {str(k): v for k, v in sorted(Counter(s.status for s in samples).items())},
        "live_instances": len(live),
        "checks": checks,
        "ok": all(checks.values()),
        "errors": errors[:20],
    }


def _render(result: dict[str, Any]) -> str:
    latency = result["latency_ms"]
    lines = [
        f"emulator load: {result['requests']} requests from {result['clients']} clients "
        f"in {result['seconds']:.2f} s",
        f"  throughput  {result['requests_per_second']:.1f} requests/s",
        f"  latency     p50 {latency['p50']:.2f} ms   p95 {latency['p95']:.2f} ms   "
        f"p99 {latency['p99']:.2f} ms   max {latency['max']:.2f} ms",
        "  operations  " + ", ".join(f"{k} {v}" for k, v in result["operations"].items()),
        "  statuses    " + ", ".join(f"{k}: {v}" for k, v in result["statuses"].items()),
        f"  live instances at the end: {result['live_instances']}",
    ]
    lines += [f"  [{'ok' if ok else 'FAIL'}] {name}" for name, ok in result["checks"].items()]
    lines += [f"  error: {error}" for error in result["errors"]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="total requests (2000)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--seed", type=int, default=0, help="seed of ids and of the mix (0)")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds budget (120)")
    parser.add_argument("--db", type=Path, help="SQLite file instead of an in-memory database")
    parser.add_argument("--json", action="store_true", help="print a machine-readable result")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.clients < 1:
        parser.error("--requests and --clients must be positive")
    result = run(
        args.requests, args.clients, seed=args.seed, time_limit=args.time_limit, db_path=args.db
    )
    sys.stdout.write((json.dumps(result, indent=2) if args.json else _render(result)) + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
