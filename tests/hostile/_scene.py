"""One hostile scene: customer data planted in an emulator, a hostile proxy in front of it,
one in-process run through the proxy, and the promises every such run must keep."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from support.run import type_ids
from support.safety import Planted, Snapshot, changed, copy_of, snapshot, unaccounted

from contract import run
from contract.config import Config
from contract.emulator import EmulatorServer
from contract.errors import ContractError
from contract.events import CaseFinished, CleanupFinished, Event, RunFinished

from ._proxy import Customer, HostileProxy, Seen

__all__ = [
    "BOUNDS",
    "Result",
    "Scene",
    "customer_of",
    "foreign_writes",
    "keeps_promises",
    "run_through",
    "scene",
]

#: Small bounds, so that a run that honours them ends quickly (Config field -> value).
BOUNDS: dict[str, Any] = {
    "max_response_bytes": 1024 * 1024,
    "response_timeout": 1.0,
    "timeout": 5.0,
    "max_wait": 1.0,
    "max_pages": 3,
    "max_attempts": 2,
    "max_retry_sleep": 1.0,
    "cleanup_timeout": 20.0,
}
_WRITE_TARGET = re.compile(r"/api/v1/(?:custom_object|lead)/([0-9A-Za-z_]+)/")


def customer_of(planted: Planted, server: EmulatorServer) -> Customer:
    """The customer's ids and instances, read from a server on the planted database."""
    with httpx.Client(base_url=server.base_url + "/", auth=(server.api_key, "")) as api:
        listed = api.get("custom_object/", params={"lead_id": planted.lead_id}).json()["data"]
    before = snapshot(server.db_path) if server.db_path is not None else {}
    ours = {row["id"] for row in before["custom_object"].values() if row["id"] in _ids(listed)}
    other = [row["id"] for row in before["custom_object"].values() if row["id"] not in ours]
    asset = next(item for item in listed if item["name"] == "Customer laptop")
    return Customer(
        lead_id=planted.lead_id,
        instance_id=asset["id"],
        other_org_instance_id=other[0],
        instances=tuple(listed),
    )


def _ids(items: list[dict[str, Any]]) -> set[str]:
    return {str(item["id"]) for item in items}


@dataclass
class Scene:
    """The emulator (on a private copy of the planted data), the proxy in front of it, and
    the snapshot taken before the run."""

    server: EmulatorServer
    proxy: HostileProxy
    db: Path
    before: Snapshot
    customer: Customer
    state_dir: Path

    @property
    def existing_ids(self) -> frozenset[str]:
        """Every id that was in the database before the run (any table)."""
        return frozenset(
            str(row["id"]) for rows in self.before.values() for row in rows.values() if "id" in row
        )

    def config(self, **options: Any) -> Config:
        """A live run through the proxy: the richest type (it refers to the other), one
        example, no stateful phase, small bounds."""
        values: dict[str, Any] = {
            "base_url": self.proxy.base_url,
            "api_key": self.server.api_key,
            "other_api_key": self.server.other_api_key,
            "custom_object_type_ids": (type_ids()["Subscription"],),
            "examples": 1,
            "stateful_runs": 0,
            "state_dir": self.state_dir,
            **BOUNDS,
        }
        values.update(options)
        return Config(**values)


@contextmanager
def scene(planted: Planted, directory: Path, mode: str, **proxy: Any) -> Iterator[Scene]:
    """A hostile scene in ``mode`` on a private copy of ``planted``."""
    db = copy_of(planted, directory)
    with EmulatorServer(db_path=db) as server:
        customer = customer_of(planted, server)
        before = snapshot(db)
        origin = server.base_url.removesuffix("/api/v1")
        with HostileProxy(mode, origin, customer, **proxy) as hostile:
            yield Scene(server, hostile, db, before, customer, directory / "state")


@dataclass(frozen=True)
class Result:
    """How one run ended: its events, the ContractError it raised (if any), and the
    warnings it gave."""

    events: tuple[Event, ...]
    error: ContractError | None
    warnings: tuple[str, ...]

    @property
    def finished(self) -> RunFinished | None:
        last = self.events[-1] if self.events else None
        return last if isinstance(last, RunFinished) else None

    @property
    def cleanup(self) -> CleanupFinished | None:
        found = [e for e in self.events if isinstance(e, CleanupFinished)]
        return found[0] if found else None

    @property
    def cases(self) -> list[CaseFinished]:
        return [e for e in self.events if isinstance(e, CaseFinished)]

    @property
    def exit_code(self) -> int:
        """The documented exit code: the error's, else the summary's."""
        if self.error is not None:
            return self.error.exit_code
        assert self.finished is not None, f"the run ended with neither: {self.events[-1:]}"
        return self.finished.summary.exit_code

    @property
    def said(self) -> str:
        """Everything the run said about what it left: leftovers and the error's message."""
        parts = list(self.cleanup.leftovers) if self.cleanup is not None else []
        if self.error is not None:
            parts.append(str(self.error))
        return "\n".join(parts)

    def describe(self) -> str:
        """One line for assertion messages."""
        if self.error is not None:
            return f"raised {type(self.error).__name__} (exit {self.error.exit_code}): {self.error}"
        if self.finished is None:
            return f"ended with {self.events[-1:]!r}"
        summary = self.finished.summary
        return (
            f"finished: exit {summary.exit_code}, {summary.cases} cases, {summary.violations} "
            f"violations {summary.by_check}, {summary.inconclusive} inconclusive; "
            f"leftovers {self.cleanup.leftovers if self.cleanup else None}"
        )


def run_through(scene: Scene, config: Config | None = None, **options: Any) -> Result:
    """Run the engine in-process through the scene's proxy; anything but a ContractError
    escaping the run is a traceback, and fails the test."""
    events: list[Event] = []
    error: ContractError | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            for event in run(config or scene.config(**options)):
                events.append(event)
        except ContractError as exc:
            error = exc
        except Exception as exc:  # the promise under test: no traceback, whatever the answer
            raise AssertionError(
                f"the run crashed with a traceback: {type(exc).__name__}: {exc}"
            ) from exc
    return Result(tuple(events), error, tuple(str(w.message) for w in caught))


def foreign_writes(scene: Scene) -> list[Seen]:
    """PUTs and DELETEs that reached anything the run did not create: an id that existed
    before the run, or a target that is not one plain id of an instance or a lead."""
    existing = scene.existing_ids
    out = []
    for seen in scene.proxy.writes():
        target = _WRITE_TARGET.fullmatch(seen.path)
        if target is None or target.group(1) in existing:
            out.append(seen)
    return out


def keeps_promises(scene: Scene, result: Result, *, cleaned: bool = True) -> Snapshot:
    """Assert what every run through a hostile server keeps; returns the snapshot after.

    Every row that existed is unchanged; no PUT or DELETE reached anything the run did not
    create; and (with ``cleaned``) every row the run made is gone or named in what it said.
    """
    after = snapshot(scene.db)
    rows = changed(scene.before, after)
    assert not rows, f"{len(rows)} rows that existed changed: {rows[0][:300]}; {result.describe()}"
    writes = [f"{s.method} {s.target[:120]}" for s in foreign_writes(scene)]
    assert not writes, f"writes to what the run did not create: {writes}; {result.describe()}"
    if cleaned:
        left = unaccounted(scene.before, after, result.said)
        assert not left, f"{len(left)} rows the run made, neither gone nor named: {left[0][:200]}"
    return after
