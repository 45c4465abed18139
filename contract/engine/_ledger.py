"""The cleanup ledger: everything a run creates is written down and deleted at the end.

Deletion runs instances before the lead they hang on, and the instances others refer to
(the setup's reference instances) after the others, in reverse creation order; it runs
also after violations, errors and Ctrl-C. Nothing that is not provably the run's own is ever
deleted: an id from the run's own create answer, or an instance that a GET of its id shows
on the run's own disposable lead. A list answer alone proves nothing, because the list
itself may be the regression under test (a ``lead_id`` filter that a release broke would
otherwise hand cleanup another lead's records).

A create that went unanswered is *uncertain*: it may have made an instance whose id the run
never saw. On the disposable lead the end-of-run search finds it (verified by a GET); on a
lead the run does not own, nothing can prove it ours, so it is reported, never deleted.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from contract.client import CloseClient, pages
from contract.errors import ContractError
from contract.interrupts import ignore_interrupts

__all__ = ["Ledger"]

T = TypeVar("T")
R = TypeVar("R")

# A bound on the pages read when looking for instances the ledger missed.
_MAX_PAGES = 50
_PATHS = {"custom_object": "custom_object/{}/", "lead": "lead/{}/"}


@dataclass
class Ledger:
    """Records created resources and deletes them on :meth:`cleanup`."""

    client: CloseClient
    entries: list[tuple[str, str]] = field(default_factory=list)
    disposable_lead: str | None = None
    # Further leads of the run's own (a decoy that gives list filters something to filter).
    decoy_leads: list[str] = field(default_factory=list)
    # Unanswered creates: (the lead they named, what the request was).
    uncertain_creates: list[tuple[str | None, str]] = field(default_factory=list)
    # Names of disposable leads whose create went unanswered and that were not found yet.
    uncertain_leads: list[str] = field(default_factory=list)
    # The user's own lead (--lead-id): instances on it are never searched for, only reported.
    given_lead: str | None = None
    # Instances other instances may refer to (the setup's reference instances): deleted
    # one at a time, last made first, after every other instance.
    referable: set[str] = field(default_factory=set)
    # Workers write down and strike out entries at the same time.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, kind: str, object_id: str) -> None:
        """Remember a created resource (``kind`` is ``custom_object`` or ``lead``)."""
        with self._lock:
            if (kind, object_id) not in self.entries:
                self.entries.append((kind, object_id))

    def own_lead(self, lead_id: str, *, main: bool = True) -> None:
        """A lead the run created: the disposable one (``main``) or a decoy."""
        if main:
            self.disposable_lead = lead_id
        elif lead_id not in self.decoy_leads:
            self.decoy_leads.append(lead_id)

    @property
    def own_leads(self) -> list[str]:
        """Every lead the run created and searches at cleanup."""
        main = [self.disposable_lead] if self.disposable_lead else []
        return main + self.decoy_leads

    def snapshot(self) -> tuple[list[tuple[str, str]], list[tuple[str | None, str]]]:
        """Copies of the entries and the unanswered creates, as they are now."""
        with self._lock:
            return list(self.entries), list(self.uncertain_creates)

    def uncertain(self, lead_id: str | None, what: str) -> None:
        """A create on ``lead_id`` went unanswered: it may or may not have made an instance."""
        with self._lock:
            self.uncertain_creates.append((lead_id, what))

    def forget(self, kind: str, object_id: str) -> None:
        """The run deleted it itself."""
        with self._lock:
            if (kind, object_id) in self.entries:
                self.entries.remove((kind, object_id))

    def _listed(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, up to a bound; stops at an answer other than 200."""
        send = functools.partial(self.client.get, path)
        for page in pages(lambda query: send(params=query), params, max_pages=_MAX_PAGES):
            if page.exchange.status != 200:
                return
            yield from page.items

    def _orphans(self, workers: int = 1) -> list[str]:
        """Instances on the run's own leads the ledger does not know (e.g. after a 5xx)."""
        found: list[str] = []
        for candidates in _each(self._candidates, self.own_leads, workers):
            for object_id in candidates:
                if object_id not in found:
                    found.append(object_id)
        return found

    def _candidates(self, lead_id: str) -> list[str]:
        found: list[str] = []
        for item in self._listed("custom_object/", {"lead_id": lead_id}):
            object_id = item.get("id")
            if not isinstance(object_id, str):
                continue
            # A list cannot prove an instance ours, but it can rule one out cheaply:
            # only candidates it places on the run's own lead cost a verifying GET.
            known = ("custom_object", object_id) in self.entries
            elsewhere = item.get("lead_id", lead_id) != lead_id
            if known or elsewhere or object_id in found:
                continue
            if self._on_own_lead(object_id):
                found.append(object_id)
        return found

    def find_lead(self, name: str) -> dict[str, Any] | None:
        """The lead named ``name``, as a GET of its id shows it, or None.

        For a disposable lead whose create went unanswered: its name carries a token only
        this run ever sent, so a lead that a GET shows with that name is the run's own.
        """
        for item in self._listed("lead/", {"_limit": "100"}):
            lead_id = item.get("id")
            if item.get("name") != name or not isinstance(lead_id, str):
                continue
            try:
                exchange = self.client.get(_PATHS["lead"].format(lead_id))
                lead: Any = exchange.json() if exchange.status == 200 else None
            except ValueError:
                continue
            if isinstance(lead, dict) and lead.get("id") == lead_id and lead.get("name") == name:
                return lead
        return None

    def adopt_lead(self, name: str) -> dict[str, Any] | None:
        """Find the lead an unanswered create of ``name`` made and own it; else remember
        ``name``, so cleanup looks again (the list may show the lead only later)."""
        lead = self.find_lead(name)
        if lead is None:
            if name not in self.uncertain_leads:
                self.uncertain_leads.append(name)
            return None
        self.add("lead", str(lead["id"]))
        return lead

    def _stray_leads(self) -> list[str]:
        """Leads that unanswered creates made after all; the names not found stay."""
        found: list[str] = []
        for name in list(self.uncertain_leads):
            lead = self.find_lead(name)
            if lead is not None:
                self.uncertain_leads.remove(name)
                found.append(str(lead["id"]))
        return found

    def _on_own_lead(self, object_id: str) -> bool:
        """Whether a GET of ``object_id`` shows it on one of the run's own leads."""
        try:
            exchange = self.client.get(_PATHS["custom_object"].format(object_id))
            body: Any = exchange.json() if exchange.status == 200 else None
        except ValueError:
            return False
        return (
            isinstance(body, dict)
            and body.get("id") == object_id
            and body.get("lead_id") in self.own_leads
        )

    def _unprovable(self) -> list[str]:
        """Unanswered creates that no search of the run's own lead covers."""
        out: list[str] = []
        for lead_id, what in self.uncertain_creates:
            # Only the user's lead is both real and unsearchable: an invalid case that named
            # no lead, or one that does not exist, cannot have made an instance anywhere.
            if lead_id is not None and lead_id == self.given_lead:
                out.append(
                    f"custom_object on lead {lead_id}: the create for {what!r} went unanswered; if "
                    "it made an instance, that instance is still there (only instances the "
                    "run can prove its own are deleted)"
                )
        return out

    def cleanup(self, workers: int = 1) -> tuple[int, tuple[str, ...]]:
        """Delete everything recorded; return (deleted, leftovers with reasons).

        With ``workers`` above one, what does not depend on order goes concurrently: the
        searches of each own lead, the deletes of the instances nothing refers to, those of
        the leads (after every instance) and the GETs that confirm each delete. The
        :attr:`referable` instances go after the others, one at a time, last made first,
        since one may refer to another made before it.
        """
        deleted = 0
        leftovers: list[str] = []
        with ignore_interrupts():
            try:
                # First in the list, last deleted: stray leads go after their instances.
                self.entries[:0] = [("lead", lead) for lead in self._stray_leads()]
                # Last in, first deleted: the orphans go before the lead they hang on.
                self.entries.extend(("custom_object", o) for o in self._orphans(workers))
            except ContractError:
                pass  # the target is gone; the loop below reports what is left
            leftovers.extend(self._unprovable())
            leftovers.extend(
                f"lead named {name!r}: its create went unanswered and no lead of that name "
                "could be found; if one exists, it is the run's own and can be deleted"
                for name in self.uncertain_leads
            )
            order = list(reversed(self.entries))
            leaves = [e for e in order if e[0] != "lead" and e[1] not in self.referable]
            referred = [e for e in order if e[0] != "lead" and e[1] in self.referable]
            leads = [e for e in order if e[0] == "lead"]
            answers = _each(self._delete, leaves, workers)
            answers += [self._delete(e) for e in referred]
            answers += _each(self._delete, leads, workers)
            gone: list[tuple[str, str]] = []
            everything = leaves + referred + leads
            for (kind, object_id), answer in zip(everything, answers, strict=True):
                if isinstance(answer, str):
                    leftovers.append(f"{kind} {object_id}: {answer}")
                else:
                    deleted += answer
                    self.forget(kind, object_id)
                    gone.append((kind, object_id))
            # A delete is believed once a GET no longer finds it; checked after every delete,
            # since deleting a lead takes its instances with it.
            for (kind, object_id), there in zip(
                gone, _each(self._still_there, gone, workers), strict=True
            ):
                if there:
                    deleted -= 1
                    leftovers.append(
                        f"{kind} {object_id}: DELETE answered success but a GET still finds it"
                    )
        return deleted, tuple(leftovers)

    def _delete(self, entry: tuple[str, str]) -> bool | str:
        """DELETE ``entry``: whether that deleted it (False: it was gone already), or why
        it is left over."""
        kind, object_id = entry
        try:
            exchange = self.client.delete(_PATHS[kind].format(object_id))
        except ContractError as exc:
            return str(exc)
        if exchange.status < 300 or exchange.status == 404:
            return exchange.status < 300
        return f"DELETE answered {exchange.status}"

    def _still_there(self, entry: tuple[str, str]) -> bool:
        kind, object_id = entry
        try:
            return self.client.get(_PATHS[kind].format(object_id)).status == 200
        except ContractError:
            return False  # the target is gone; nothing more can be known


def _each(call: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``call`` on each of ``items``, on up to ``workers`` threads; results in order."""
    if workers <= 1 or len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(min(workers, len(items)), "close-contract-cleanup") as pool:
        return list(pool.map(call, items))
