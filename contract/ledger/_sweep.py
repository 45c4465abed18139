"""After a hard kill: find what toolkit runs left on the organization, prove it theirs, and
delete only that (``close-contract cleanup``).

Two ways to find a run's leads:

- its journal (see :mod:`contract.ledger._journal`): each lead it lists is read by GET and
  passes only if its name carries the run's token, the key's user created it in the key's
  organization (``organization_id`` as its read shows it, among ``me/``'s organizations),
  and it holds no contact or instance the journal does not list (the run's own proof,
  :func:`~contract.ledger._ownership.prove_lead`);
- Close's lead search by name (``GET lead/?query=…``), when the journal is lost, a lead it
  lists fails that proof, or a lead create went unanswered. A lead found that way is read
  by GET and passes only if its name is a toolkit lead's name with a token, each of its
  contacts' names carries that token, the key's user created it in the key's organization,
  and every instance on it was created by the key's user no earlier than the lead.

A lead that passes is deleted with its instances (each one read by GET first, instances
first, then the lead, each DELETE confirmed by a GET that no longer finds it). Everything
else found is listed as left behind with the reason; nothing else is ever deleted. Every
request goes through the run's client and its send-time guard, which lets a DELETE out only
to an id proven here. The whole sweep is bounded by ``--cleanup-timeout``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contract.client import CloseClient, RequestGuard, pages
from contract.errors import ContractError, TargetUnreachable
from contract.ids import is_id, segment
from contract.ledger._journal import Journal, JournalRun
from contract.ledger._ownership import prove_lead

__all__ = ["Sweep", "SweepResult", "toolkit_token"]

# The names runs give their leads: "close-contract disposable lead (seed 0, run 1a2b…) #2".
_LEAD_NAME = re.compile(
    r"close-contract [a-z ]{1,40} lead "
    r"\(seed -?\d{1,20}, run (?P<token>[0-9a-f]{6,64})\)(?: #\d{1,3})?"
)


def toolkit_token(name: object) -> str | None:
    """The run token of a toolkit lead's name, or None for any other name."""
    if not isinstance(name, str):
        return None
    found = _LEAD_NAME.fullmatch(name)
    return found.group("token") if found else None


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class SweepResult:
    """What a sweep deleted (or, dry, would delete), and what it left behind and why."""

    deleted: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        """0 when everything found was deleted (or nothing was found), else 1."""
        return 1 if self.left else 0


@dataclass
class _Key:
    user_id: str
    organizations: frozenset[str]


class Sweep:
    """One ``close-contract cleanup``: prove, then delete, through ``client``."""

    def __init__(
        self,
        client: CloseClient,
        *,
        dry_run: bool = False,
        max_pages: int = 50,
        deadline: float | None = None,
    ) -> None:
        self.client = client
        guard = client.guard if isinstance(client.guard, RequestGuard) else None
        if guard is None:
            guard = RequestGuard(client.base_url)
            client.guard = guard
        self.guard = guard
        self.dry_run = dry_run
        self.max_pages = max_pages
        self.deadline = deadline
        self.result = SweepResult(dry_run=dry_run)
        self._seen: set[str] = set()
        self._key: _Key | None = None

    # -- who the key is -------------------------------------------------------------------

    def key(self) -> _Key:
        """The key's user and organizations, from ``me/`` (TargetUnreachable if it fails)."""
        if self._key is None:
            exchange = self.client.get("me/")
            try:
                me: Any = exchange.json() if exchange.status == 200 else None
            except ValueError:
                me = None
            user = me.get("id") if isinstance(me, dict) else None
            orgs = me.get("organizations") if isinstance(me, dict) else None
            if not is_id("user", user) or not isinstance(orgs, list):
                raise TargetUnreachable(
                    f"GET me/ answered {exchange.status} without the key's user and "
                    "organizations: nothing can be proven the key's own, so nothing is deleted"
                )
            ids = {str(o.get("id")) for o in orgs if isinstance(o, dict)}
            self._key = _Key(str(user), frozenset(i for i in ids if is_id("organization", i)))
        return self._key

    # -- the two ways in ------------------------------------------------------------------

    def journal(self, run: JournalRun) -> None:
        """Prove and delete the leads ``run``'s journal lists; those that fail go to the
        name search for the run's token, and are left behind if it cannot prove them."""
        token = run.token or ""
        failed: dict[str, str] = {}
        for lead_id, contacts in run.leads.items():
            if lead_id in run.deleted or lead_id in self._seen or not is_id("lead", lead_id):
                continue
            lead = self._read("lead", lead_id)
            if lead is None:
                self._seen.add(lead_id)
                continue  # gone already
            if isinstance(lead, str):
                self._leave(lead_id, lead)
                continue
            key = self.key()
            orgs = key.organizations
            if run.organization_id is not None:
                orgs = orgs & {run.organization_id}
            why = prove_lead(
                self.client,
                lead_id,
                token=f"run {token}",
                user_id=key.user_id,
                organization_ids=orgs,
                known_contacts=contacts,
                known_instances=run.instances,
            )
            instances = self._instances(lead_id) if why is None else []
            if isinstance(instances, str):
                self._leave(lead_id, instances)
                continue
            unlisted = [i for i in instances if i not in run.instances]
            if why is None and unlisted:
                why = f"holds {unlisted[0]}, which the journal does not list as the run's"
            if why is not None:
                failed[lead_id] = f"not provably the run's own: {why}"
                continue
            self._delete(lead_id, str(lead.get("name")), instances)
        if (failed or run.unanswered_leads) and token:
            self.search(token)
        for lead_id, why in failed.items():
            if lead_id not in self._seen:
                self._leave(lead_id, why)
        if not self.dry_run and not self.result.left:
            self._mark_cleaned(run)

    def search(self, token: str | None = None, older_than: datetime | None = None) -> None:
        """Find leads by Close's lead search (``GET lead/?query=…``): those of the run
        ``token``, or of any run (created before ``older_than``); prove each and delete it.
        """
        query = f'"{token}"' if token else '"close-contract"'
        for item in self._listed("lead/", {"query": query, "_limit": "100"}):
            lead_id = item.get("id")
            named = toolkit_token(item.get("name"))
            if named is None or (token is not None and named != token):
                continue  # not a toolkit lead (or another run's): not even looked at
            if not is_id("lead", lead_id) or lead_id in self._seen:
                continue
            self._found(str(lead_id), named, older_than)

    def _found(self, lead_id: str, token: str, older_than: datetime | None) -> None:
        lead = self._read("lead", lead_id)
        if lead is None:
            self._seen.add(lead_id)
            return
        if isinstance(lead, str):
            self._leave(lead_id, lead)
            return
        why = self._search_proof(lead, lead_id, token, older_than)
        if why == "":
            self._seen.add(lead_id)  # too recent for --older-than: not this sweep's business
            return
        if why is not None:
            self._leave(lead_id, f"not provably a toolkit run's: {why}")
            return
        instances = self._instances(lead_id)
        if isinstance(instances, str):
            self._leave(lead_id, instances)
            return
        created = _when(lead.get("date_created"))
        for object_id in instances:
            instance = self._read("custom_object", object_id)
            if not isinstance(instance, dict):
                continue  # gone, or unreadable: the check below cannot pass for it
            made = _when(instance.get("date_created"))
            if instance.get("created_by") != self.key().user_id:
                self._leave(lead_id, f"holds {object_id}, created by another user")
                return
            if created is None or made is None or made < created:
                self._leave(lead_id, f"holds {object_id}, created before the lead")
                return
        self._delete(lead_id, str(lead.get("name")), instances)

    # -- proofs ---------------------------------------------------------------------------

    def _owner(self, lead: dict[str, Any]) -> str | None:
        key = self.key()
        if lead.get("created_by") != key.user_id:
            return f"created by {lead.get('created_by')!r}, not the key's user {key.user_id}"
        if lead.get("organization_id") not in key.organizations:
            return f"in organization {lead.get('organization_id')!r}, not one of the key's"
        return None

    def _search_proof(
        self, lead: dict[str, Any], lead_id: str, token: str, older_than: datetime | None
    ) -> str | None:
        """Why the lead found by name is not provably a toolkit run's; "" when it is too
        recent for ``older_than``; None when it passes."""
        if lead.get("id") != lead_id or toolkit_token(lead.get("name")) != token:
            return f"its read shows the name {lead.get('name')!r}, not a toolkit lead's"
        contacts = lead.get("contacts")
        if not isinstance(contacts, list) or not contacts:
            return "it has no contact (a toolkit lead has one named with its token)"
        for contact in contacts:
            name = contact.get("name") if isinstance(contact, dict) else None
            if not isinstance(name, str) or f"run {token}" not in name:
                return f"its contact {name!r} does not carry the token {token}"
        why = self._owner(lead)
        if why is not None:
            return why
        created = _when(lead.get("date_created"))
        if older_than is not None and (created is None or created >= older_than):
            return ""
        return None

    # -- reading --------------------------------------------------------------------------

    def _out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def _read(self, kind: str, object_id: str) -> dict[str, Any] | str | None:
        """The object as a GET of its id shows it; None when it is gone (404); else why it
        could not be read."""
        if self._out_of_time():
            return "not read: --cleanup-timeout ran out"
        try:
            exchange = self.client.get(f"{kind}/{segment(object_id)}/")
        except ContractError as exc:
            return f"GET failed: {exc}"
        if exchange.status == 404:
            return None
        try:
            body: Any = exchange.json() if exchange.status == 200 else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("id") != object_id:
            return f"GET answered {exchange.status} without the {kind} it names"
        return body

    def _listed(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        def send(query: Any) -> Any:
            return self.client.get(path, params=query)

        try:
            for page in pages(send, params, max_pages=self.max_pages):
                if page.exchange.status != 200:
                    return
                yield from (item for item in page.items if isinstance(item, dict))
        except ContractError:
            return

    def _instances(self, lead_id: str) -> list[str] | str:
        """The instances a list shows on ``lead_id``, each confirmed there by a GET."""
        found: list[str] = []
        for item in self._listed("custom_object/", {"lead_id": lead_id}):
            object_id = item.get("id")
            if not is_id("custom_object", object_id) or object_id in found:
                continue
            instance = self._read("custom_object", str(object_id))
            if isinstance(instance, str):
                return f"instance {object_id}: {instance}"
            if instance is not None and instance.get("lead_id") == lead_id:
                found.append(str(object_id))
        return found

    # -- deleting -------------------------------------------------------------------------

    def _leave(self, lead_id: str, why: str) -> None:
        self._seen.add(lead_id)
        self.result.left.append(f"lead {lead_id}: {why}")

    def _delete(self, lead_id: str, name: str, instances: list[str]) -> None:
        self._seen.add(lead_id)
        what = f"lead {lead_id} ({name!r}, {len(instances)} instances)"
        if self.dry_run:
            self.result.deleted.append(what)
            return
        for object_id in instances:
            why = self._gone("custom_object", object_id)
            if why is not None:
                self.result.left.append(f"lead {lead_id}: instance {object_id}: {why}")
                return
        why = self._gone("lead", lead_id)
        if why is not None:
            self.result.left.append(f"lead {lead_id}: {why}")
            return
        self.result.deleted.append(what)

    def _gone(self, kind: str, object_id: str) -> str | None:
        """DELETE ``object_id`` (proven: the guard lets it out); None once a GET no longer
        finds it, else why it is still there."""
        if self._out_of_time():
            return "not deleted: --cleanup-timeout ran out"
        self.guard.allow(kind, object_id)  # type: ignore[arg-type]
        try:
            exchange = self.client.delete(f"{kind}/{segment(object_id)}/")
            if exchange.status >= 300 and exchange.status != 404:
                return f"DELETE answered {exchange.status}"
            if self.client.get(f"{kind}/{segment(object_id)}/").status != 404:
                return "DELETE answered success but a GET still finds it"
        except ContractError as exc:
            return str(exc)
        finally:
            self.guard.revoke(kind, object_id)  # type: ignore[arg-type]
        return None

    def _mark_cleaned(self, run: JournalRun) -> None:
        """Append ``cleaned`` to the run's journal: nothing of it is left."""
        journal = Journal(run.path)
        try:
            journal.reopen()
            journal.write({"event": "cleaned", "by": "close-contract cleanup"})
        except OSError:
            pass  # the journal is only a finding aid; the leads are gone either way
        finally:
            journal.close()
