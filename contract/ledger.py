"""The cleanup ledger: everything a run creates is written down and deleted at the end.

Deletion runs in reverse creation order (instances before the lead they hang on), also
after violations, errors and Ctrl-C. Nothing that is not provably the run's own is ever
deleted: an id from the run's own create answer, or an instance that a GET of its id shows
on the run's own disposable lead. A list answer alone proves nothing, because the list
itself may be the regression under test (a ``lead_id`` filter that a release broke would
otherwise hand cleanup another lead's records).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from contract.client import CloseClient
from contract.errors import ContractError

__all__ = ["Ledger", "hold_interrupts"]

# A bound on the pages read when looking for instances the ledger missed.
_MAX_PAGES = 50
_PATHS = {"custom_object": "custom_object/{}/", "lead": "lead/{}/"}


@contextmanager
def _no_interrupts() -> Iterator[None]:
    # A second Ctrl-C must not leave half a cleanup behind; signals only exist on the
    # main thread, so elsewhere (pytest-xdist workers, notebooks' threads) this is a no-op.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def hold_interrupts() -> Iterator[None]:
    """Hold Ctrl-C until the block is over, then deliver it.

    Wrap a create and its ledger entry in it: an interrupt after the server created a
    resource but before the ledger wrote it down would leave that resource behind.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
    if received:
        signal.raise_signal(signal.SIGINT)


@dataclass
class Ledger:
    """Records created resources and deletes them on :meth:`cleanup`."""

    client: CloseClient
    entries: list[tuple[str, str]] = field(default_factory=list)
    disposable_lead: str | None = None

    def add(self, kind: str, object_id: str) -> None:
        """Remember a created resource (``kind`` is ``custom_object`` or ``lead``)."""
        if (kind, object_id) not in self.entries:
            self.entries.append((kind, object_id))

    def forget(self, kind: str, object_id: str) -> None:
        """The run deleted it itself."""
        if (kind, object_id) in self.entries:
            self.entries.remove((kind, object_id))

    def _orphans(self) -> list[str]:
        """Instances on the disposable lead the ledger does not know (e.g. after a 5xx)."""
        if self.disposable_lead is None:
            return []
        found: list[str] = []
        skip = 0
        for _ in range(_MAX_PAGES):
            params = {"lead_id": self.disposable_lead}
            if skip:
                params["_skip"] = str(skip)
            try:
                body: Any = self.client.get("custom_object/", params=params).json()
            except ValueError:
                break
            page = body.get("data") if isinstance(body, dict) else None
            if not isinstance(page, list) or not page:
                break
            for item in page:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    continue
                # A list cannot prove an instance ours, but it can rule one out cheaply:
                # only candidates it places on the disposable lead cost a verifying GET.
                known = ("custom_object", item["id"]) in self.entries
                elsewhere = item.get("lead_id", self.disposable_lead) != self.disposable_lead
                if known or elsewhere or item["id"] in found:
                    continue
                if self._on_own_lead(item["id"]):
                    found.append(item["id"])
            if not body.get("has_more"):
                break
            skip += len(page)
        return found

    def _on_own_lead(self, object_id: str) -> bool:
        """Whether a GET of ``object_id`` shows it on the run's own disposable lead."""
        try:
            exchange = self.client.get(_PATHS["custom_object"].format(object_id))
            body: Any = exchange.json() if exchange.status == 200 else None
        except ValueError:
            return False
        return (
            isinstance(body, dict)
            and body.get("id") == object_id
            and body.get("lead_id") == self.disposable_lead
        )

    def cleanup(self) -> tuple[int, tuple[str, ...]]:
        """Delete everything recorded; return (deleted, leftovers with reasons)."""
        deleted = 0
        leftovers: list[str] = []
        with _no_interrupts():
            try:
                # Last in, first deleted: the orphans go before the lead they hang on.
                self.entries.extend(("custom_object", orphan) for orphan in self._orphans())
            except ContractError:
                pass  # the target is gone; the loop below reports what is left
            for kind, object_id in reversed(list(self.entries)):
                try:
                    exchange = self.client.delete(_PATHS[kind].format(object_id))
                except ContractError as exc:
                    leftovers.append(f"{kind} {object_id}: {exc}")
                    continue
                if exchange.status < 300 or exchange.status == 404:
                    deleted += exchange.status < 300
                    self.forget(kind, object_id)
                else:
                    leftovers.append(f"{kind} {object_id}: DELETE answered {exchange.status}")
        return deleted, tuple(leftovers)
