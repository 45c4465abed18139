"""The cleanup ledger: everything a run creates is written down and deleted at the end.

Deletion runs instances before the lead they hang on, and the instances others refer to
(the setup's reference instances) after the others, in reverse creation order; it runs
also after violations, errors and Ctrl-C, and survives any answer.

Nothing that is not provably the run's own is ever changed or deleted (see
:mod:`contract.ledger._ownership`). An id from a create answer is only a *claim*: it must
have the shape of its kind, and a GET of it must show it on the run's verified lead, of the
type the run sent, in the key's organization, before anything is written to it; the ledger
then tells the client's :class:`~contract.client.RequestGuard`, which lets writes to it
out. A read that places it elsewhere makes it *not ours*: it is never written to and the
leftovers list it as "left alone: not provably ours". So is an id that two creates
returned, and, on the user's own ``--lead-id`` lead, one of the instances that lead held
before the run. A list answer alone proves nothing: the list itself may be the regression
under test. Just before deleting a lead, the ledger reads it again: it must still hold
nothing the run did not make.

A create that went unanswered is *uncertain*: it may have made an instance whose id the run
never saw. On the disposable lead the end-of-run search finds it (verified by a GET); on a
lead the run does not own, nothing can prove it ours, so it is reported, never deleted.

``journal`` (a callable taking a dict) is told of every create before it is sent and
after it is answered, and of every delete, so that ``close-contract cleanup`` can find
what a killed run left.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from contract.client import CloseClient, Exchange, RequestGuard
from contract.errors import ContractError
from contract.ids import IdShapeError, check_id, is_id, segment, shown
from contract.interrupts import ignore_interrupts
from contract.ledger._ownership import Owner, Verdict, json_body, judge_instance, prove_lead

__all__ = ["Claim", "Ledger"]

T = TypeVar("T")
R = TypeVar("R")

_PATHS = {"custom_object": "custom_object/{}/", "lead": "lead/{}/"}
Journal = Callable[[dict[str, Any]], None]


def _path(kind: str, object_id: str) -> str:
    # Every id here passed check_id; encoding it anyway means no normalisation can move it.
    return _PATHS[kind].format(segment(object_id))


@dataclass(slots=True)
class Claim:
    """An instance a create answer named: where the run sent it, and whether a GET has
    proven it the run's own yet. ``name`` is the name sent, checked on a lead the run did
    not create (``--lead-id``)."""

    lead_id: str | None
    type_id: str | None
    name: str | None = None
    proven: bool = False


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
    # Whose the run's data must be (set once discovery said who the key is).
    owner: Owner | None = None
    # Told of every create (before and after) and delete; see the module's docstring.
    journal: Journal | None = None
    # Instances create answers named, by id.
    claims: dict[str, Claim] = field(default_factory=dict)
    # How often each id came back from a create (ids of any shape), and on which lead.
    returned: dict[str, int] = field(default_factory=dict)
    returned_on: dict[str, set[str]] = field(default_factory=dict)
    # The instances --lead-id's lead held before the run wrote anything: never the run's.
    preexisting: set[str] = field(default_factory=set)
    # What a read placed elsewhere, or cannot be the run's: (kind, id) -> why.
    not_ours: dict[tuple[str, str], str] = field(default_factory=dict)
    # The contacts each of the run's leads was created with.
    lead_contacts: dict[str, set[str]] = field(default_factory=dict)
    # Leftover lines for what the run made but cannot address (an id of the wrong shape).
    unaddressable: list[str] = field(default_factory=list)
    # Workers write down and strike out entries at the same time.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    # -- the guard and the journal ------------------------------------------------------

    @property
    def guard(self) -> RequestGuard | None:
        """The client's send-time guard, which the ledger tells what is proven."""
        guard = self.client.guard
        return guard if isinstance(guard, RequestGuard) else None

    def _allow(self, kind: str, object_id: str) -> None:
        guard = self.guard
        if guard is not None and kind in ("lead", "custom_object"):
            guard.allow("lead" if kind == "lead" else "custom_object", object_id)

    def note(self, event: str, **data: Any) -> None:
        """Tell the journal, if any, of ``event`` with ``data``."""
        if self.journal is not None:
            self.journal({"event": event, **data})

    # -- what the run made ----------------------------------------------------------------

    def add(self, kind: str, object_id: str) -> None:
        """Remember a resource proven the run's own (``kind`` is ``custom_object`` or
        ``lead``); writes to it are let out from now on."""
        try:
            check_id("lead" if kind == "lead" else "custom_object", object_id)
        except IdShapeError as exc:
            self.unaddressable.append(f"{kind}: left alone: {exc}")
            return
        with self._lock:
            if (kind, object_id) in self.not_ours:
                return
            if (kind, object_id) not in self.entries:
                self.entries.append((kind, object_id))
            if kind == "custom_object":
                self.claims.setdefault(object_id, Claim(None, None)).proven = True
        self._allow(kind, object_id)

    def own_lead(self, lead_id: str, *, main: bool = True, contacts: Sequence[str] = ()) -> None:
        """A lead the run created and proved its own: the disposable one (``main``) or a
        decoy, with the contacts it was created with."""
        self.add("lead", lead_id)
        if contacts:
            self.lead_contacts.setdefault(lead_id, set()).update(contacts)
        if main:
            self.disposable_lead = lead_id
        elif lead_id not in self.decoy_leads:
            self.decoy_leads.append(lead_id)

    @property
    def own_leads(self) -> list[str]:
        """Every lead the run created, proved its own, and searches at cleanup."""
        main = [self.disposable_lead] if self.disposable_lead else []
        return main + self.decoy_leads

    def created(
        self, object_id: Any, *, lead_id: str | None, type_id: str | None, name: str | None = None
    ) -> str | None:
        """A create on ``lead_id`` of ``type_id`` answered ``object_id``: the id, to be
        proven by a GET before anything is written to it, or None when it is not an id
        the run can use (the caller reports it)."""
        raw = object_id if isinstance(object_id, str) else repr(object_id)
        with self._lock:
            self.returned[raw] = self.returned.get(raw, 0) + 1
            if lead_id is not None:
                self.returned_on.setdefault(lead_id, set()).add(raw)
            twice = self.returned[raw] > 1
        if not isinstance(object_id, str) or not is_id("custom_object", object_id):
            self.unaddressable.append(
                f"custom_object on lead {lead_id}: left alone: the create answered the id "
                f"{shown(object_id)}, not one a request can name"
            )
            return None
        self.note("instance_created", id=object_id, lead_id=lead_id, type_id=type_id)
        if twice:
            self.mark_not_ours(object_id, "two creates answered this same id")
        elif object_id in self.preexisting:
            self.mark_not_ours(object_id, f"lead {lead_id} held it before the run")
        else:
            with self._lock:
                self.claims[object_id] = Claim(lead_id, type_id, name)
                if ("custom_object", object_id) not in self.entries:
                    self.entries.append(("custom_object", object_id))
        return object_id

    def mark_not_ours(self, object_id: str, why: str, kind: str = "custom_object") -> None:
        """``object_id`` is not provably the run's own: never written to, listed as left
        alone."""
        with self._lock:
            self.not_ours.setdefault((kind, object_id), why)
            if (kind, object_id) in self.entries:
                self.entries.remove((kind, object_id))
            self.claims.pop(object_id, None)
        guard = self.guard
        if guard is not None:
            guard.revoke("lead" if kind == "lead" else "custom_object", object_id)

    def is_ours(self, object_id: str) -> bool:
        """Whether ``object_id`` is proven the run's own (writes to it may go out)."""
        with self._lock:
            if ("custom_object", object_id) in self.not_ours:
                return False
            claim = self.claims.get(object_id)
            return claim.proven if claim is not None else False

    def judge(self, object_id: str, exchange: Exchange | str) -> Verdict:
        """What the answer to a GET of ``object_id`` proves (see
        :func:`~contract.ledger._ownership.judge_instance`); the ledger and the guard take
        it into account. An instance the run did not claim is never ours."""
        with self._lock:
            why = self.not_ours.get(("custom_object", object_id))
            claim = self.claims.get(object_id)
        if why is not None:
            return Verdict(False, why, elsewhere=True)
        if claim is None:
            return Verdict(False, "no create of the run answered this id", elsewhere=True)
        if claim.proven:
            return Verdict(True)
        owner = self.owner
        lead = claim.lead_id
        given = lead is not None and lead == self.given_lead
        if lead is None or not (given or lead in self.own_leads):
            verdict = Verdict(
                False, f"its create named the lead {shown(lead)}, not one of the run's", True
            )
        else:
            verdict = judge_instance(
                exchange,
                object_id,
                lead_id=lead,
                type_id=claim.type_id,
                organization_ids=owner.organization_ids if owner is not None else None,
                user_id=owner.user_id if owner is not None and given else None,
                name=claim.name if given else None,
            )
        if verdict.ours:
            self.add("custom_object", object_id)
        elif verdict.elsewhere:
            self.mark_not_ours(object_id, verdict.why)
        return verdict

    def prove(self, object_id: str) -> Verdict:
        """GET ``object_id`` and :meth:`judge` the answer (proven ones are not read again)."""
        if self.is_ours(object_id):
            return Verdict(True)
        try:
            answer: Exchange | str = self.client.get(_path("custom_object", object_id))
        except ContractError as exc:
            answer = str(exc)
        return self.judge(object_id, answer)

    def claim(self, exchange: Exchange, sent: Mapping[str, Any]) -> str | None:
        """A create someone else sent with this ledger's client (a test of one's own): the
        id its answer names once a GET proves it made of ``sent`` on one of the run's
        leads, else None. A proven instance may be updated and deleted through the client's
        guard, and cleanup deletes it if the caller does not."""
        body = json_body(exchange)
        if not 200 <= exchange.status < 300 or not isinstance(body, dict):
            return None
        lead, type_id = sent.get("lead_id"), sent.get("custom_object_type_id")
        claimed = self.created(
            body.get("id"),
            lead_id=lead if isinstance(lead, str) else None,
            type_id=type_id if isinstance(type_id, str) else None,
        )
        return claimed if claimed is not None and self.prove(claimed).ours else None

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

    # -- searches -------------------------------------------------------------------------

    def _listed(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, up to a bound; stops at an answer other than 200."""
        send = functools.partial(self.client.get, path)
        for page in self.client.pages(lambda query: send(params=query), params):
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
            if not is_id("custom_object", object_id):
                continue
            assert isinstance(object_id, str)
            # A list cannot prove an instance ours, but it can rule one out cheaply:
            # only candidates it places on the run's own lead cost a verifying GET.
            known = ("custom_object", object_id) in self.entries or object_id in self.claims
            elsewhere = item.get("lead_id", lead_id) != lead_id
            ruled_out = ("custom_object", object_id) in self.not_ours
            if known or elsewhere or ruled_out or object_id in found:
                continue
            if self._on_own_lead(object_id, lead_id):
                found.append(object_id)
        return found

    def _on_own_lead(self, object_id: str, lead_id: str) -> bool:
        """Whether a GET of ``object_id`` shows it on ``lead_id`` (one of the run's own),
        made by the key's user in the key's organization."""
        try:
            exchange: Exchange | str = self.client.get(_path("custom_object", object_id))
        except ContractError as exc:
            exchange = str(exc)
        owner = self.owner
        return judge_instance(
            exchange,
            object_id,
            lead_id=lead_id,
            type_id=None,
            organization_ids=owner.organization_ids if owner is not None else None,
            user_id=owner.user_id if owner is not None else None,
        ).ours

    def find_lead(self, name: str) -> dict[str, Any] | None:
        """The lead named ``name``, as a GET of its id shows it, or None.

        For a disposable lead whose create went unanswered: its name carries a token only
        this run ever sent (and the proof of :meth:`adopt_lead` checks the rest).
        """
        for item in self._listed("lead/", {"_limit": "100"}):
            lead_id = item.get("id")
            if item.get("name") != name or not is_id("lead", lead_id):
                continue
            assert isinstance(lead_id, str)
            try:
                exchange = self.client.get(_path("lead", lead_id))
            except ContractError:
                continue
            lead = json_body(exchange) if exchange.status == 200 else None
            if isinstance(lead, dict) and lead.get("id") == lead_id and lead.get("name") == name:
                return lead
        return None

    def adopt_lead(self, name: str, *, main: bool = True) -> dict[str, Any] | None:
        """Find the lead an unanswered create of ``name`` made and, once proven, own it;
        else remember ``name``, so cleanup looks again (the list may show it only later)."""
        lead = self.find_lead(name)
        if lead is None:
            if name not in self.uncertain_leads:
                self.uncertain_leads.append(name)
            return None
        lead_id = str(lead["id"])
        why = self.prove_lead(lead_id, known_contacts=None, name=name)
        if why is not None:
            self.mark_not_ours(lead_id, why, kind="lead")
            return None
        listed = lead.get("contacts")
        contacts = (
            [c.get("id") for c in listed if isinstance(c, dict)] if isinstance(listed, list) else []
        )
        self.own_lead(
            lead_id, main=main, contacts=[str(c) for c in contacts if is_id("contact", c)]
        )
        return lead

    def prove_lead(
        self,
        lead_id: str,
        *,
        known_contacts: set[str] | None,
        name: str | None = None,
        fresh: bool = False,
    ) -> str | None:
        """:func:`~contract.ledger._ownership.prove_lead` with what the ledger knows: None
        when proven, else why not. Without an owner (a ledger used on its own) there is
        nothing to prove it against."""
        owner = self.owner
        if owner is None:
            return None
        with self._lock:
            known = set(self.returned_on.get(lead_id, set())) | set(self.claims)
        return prove_lead(
            self.client,
            lead_id,
            token=owner.token,
            user_id=owner.user_id,
            organization_ids=owner.organization_ids,
            known_contacts=known_contacts,
            known_instances=known,
            name=name,
            fresh=fresh,
        )

    def _stray_leads(self) -> list[str]:
        """Leads that unanswered creates made after all; the names not found stay."""
        found: list[str] = []
        for name in list(self.uncertain_leads):
            lead = self.find_lead(name)
            if lead is None:
                continue
            self.uncertain_leads.remove(name)
            lead_id = str(lead["id"])
            why = self.prove_lead(lead_id, known_contacts=None, name=name)
            if why is not None:
                self.mark_not_ours(lead_id, why, kind="lead")
                continue
            self.own_lead(lead_id, main=False)
            found.append(lead_id)
        return found

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

    # -- cleanup --------------------------------------------------------------------------

    def cleanup(
        self, workers: int = 1, *, deadline: float | None = None
    ) -> tuple[int, tuple[str, ...]]:
        """Delete everything recorded and proven the run's own; return (deleted, leftovers
        with reasons).

        With ``workers`` above one, what does not depend on order goes concurrently: the
        searches of each own lead, the deletes of the instances nothing refers to, those of
        the leads (after every instance) and the GETs that confirm each delete. The
        :attr:`referable` instances go after the others, one at a time, last made first,
        since one may refer to another made before it. Past ``deadline`` (a
        :func:`time.monotonic` value) no new delete starts and what is left is listed.
        """
        deleted = 0
        leftovers: list[str] = []
        late = functools.partial(_past, deadline)
        with ignore_interrupts():
            try:
                # First in the list, last deleted: stray leads go after their instances.
                self.entries[:0] = [("lead", lead) for lead in self._stray_leads()]
                # Last in, first deleted: the orphans go before the lead they hang on.
                for orphan in self._orphans(workers):
                    if not late():
                        self.add("custom_object", orphan)
            except (ContractError, ValueError, RecursionError):
                pass  # the target is gone or beyond reading; the loop below reports the rest
            leftovers.extend(self._unprovable())
            leftovers.extend(
                f"lead named {name!r}: its create went unanswered and no lead of that name "
                "could be found; if one exists, it is the run's own and can be deleted"
                for name in self.uncertain_leads
            )
            # A claim no GET has proven yet is read now: only what proves ours is deleted.
            unproven = [
                o for k, o in list(self.entries) if k == "custom_object" and not self.is_ours(o)
            ]
            for object_id, verdict in zip(
                unproven, _each(self._prove_late(late), unproven, workers), strict=True
            ):
                if verdict.ours:
                    continue
                self.forget("custom_object", object_id)
                if not (verdict.elsewhere or verdict.absent):
                    leftovers.append(
                        f"custom_object {object_id}: left alone: not provably ours ({verdict.why})"
                    )
                elif verdict.absent and self._on_given_lead(object_id):
                    # No lead of the run's takes it along: a read that lags behind writes
                    # (a replica) would leave it on the user's lead, unseen.
                    leftovers.append(
                        f"custom_object {object_id}: its create on lead {self.given_lead} "
                        "answered this id, but no GET finds it; if it exists (a read that "
                        "lags behind writes), it is still there"
                    )
            order = list(reversed(self.entries))
            leaves = [e for e in order if e[0] != "lead" and e[1] not in self.referable]
            referred = [e for e in order if e[0] != "lead" and e[1] in self.referable]
            leads = [e for e in order if e[0] == "lead"]
            delete = functools.partial(self._delete, late=late)
            answers = _each(delete, leaves, workers)
            answers += [delete(e) for e in referred]
            answers += _each(delete, leads, workers)
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
            leftovers.extend(
                f"{kind} {object_id}: left alone: not provably ours ({why})"
                for (kind, object_id), why in sorted(self.not_ours.items())
            )
            leftovers.extend(self.unaddressable)
        return deleted, tuple(leftovers)

    def _on_given_lead(self, object_id: str) -> bool:
        """Whether a create on the user's lead (``--lead-id``) answered ``object_id``."""
        claim = self.claims.get(object_id)
        return claim is not None and claim.lead_id is not None and claim.lead_id == self.given_lead

    def _prove_late(self, late: Callable[[], bool]) -> Callable[[str], Verdict]:
        def prove(object_id: str) -> Verdict:
            if late():
                return Verdict(False, "the cleanup timeout ran out before it could be read")
            try:
                return self.prove(object_id)
            except (ValueError, RecursionError) as exc:
                return Verdict(False, f"its GET could not be read ({type(exc).__name__})")

        return prove

    def _delete(self, entry: tuple[str, str], late: Callable[[], bool] = bool) -> bool | str:
        """DELETE ``entry``: whether that deleted it (False: it was gone already), or why
        it is left over."""
        kind, object_id = entry
        if late():
            return "not deleted: the cleanup timeout ran out"
        try:
            if kind == "lead":
                # Read again just before: the lead must hold nothing the run did not make.
                why = self.prove_lead(object_id, known_contacts=self.lead_contacts.get(object_id))
                if why is not None:
                    return f"left alone: {why}"
            exchange = self.client.delete(_path(kind, object_id))
        except ContractError as exc:
            return str(exc)
        except (ValueError, RecursionError) as exc:
            return f"left alone: an answer could not be read ({type(exc).__name__})"
        if exchange.status < 300 or exchange.status == 404:
            self.note("deleted", kind=kind, id=object_id)
            return exchange.status < 300
        return f"DELETE answered {exchange.status}"

    def _still_there(self, entry: tuple[str, str]) -> bool:
        kind, object_id = entry
        try:
            return self.client.get(_path(kind, object_id)).status == 200
        except ContractError:
            return False  # the target is gone; nothing more can be known


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


def _each(call: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``call`` on each of ``items``, on up to ``workers`` threads; results in order."""
    if workers <= 1 or len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(min(workers, len(items)), "close-contract-cleanup") as pool:
        return list(pool.map(call, items))
