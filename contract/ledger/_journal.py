"""The run's journal: every create written down before and after, where a hard kill cannot
lose it.

A run that is killed outright (CI kills a job a few seconds after its SIGTERM) never reaches
its cleanup. What it created is then found again by ``close-contract cleanup`` from this
journal: one JSON-lines file per run, ``<state_dir>/runs/<token>.jsonl``, appended to and
fsynced entry by entry. It holds the run's start, its API root (never the key), the key's
user and organization once known, every create (the ledger writes the intent before the
request and the ids after the answer: ``lead_intent``, ``lead_created``,
``instance_created``), every delete (``deleted``), and a last ``finished`` entry (with
what cleanup left behind) or ``cleaned`` one (nothing left).

The directory is made ``0o700`` and each file ``0o600``: ids and names of a customer's
organization are nobody else's business. Reading is lenient: a line cut by the kill, or
one that is not a JSON object, is skipped.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from contract.config import OptionError
from contract.errors import ConfigurationError

__all__ = ["Journal", "JournalRun", "journal_path", "read_journal", "runs_dir"]

_TOKEN = re.compile(r"^[0-9a-f]{6,64}$")
_SHAPES = {
    "lead": re.compile(r"^lead_[0-9A-Za-z]{1,128}$"),
    "contact": re.compile(r"^cont_[0-9A-Za-z]{1,128}$"),
    "custom_object": re.compile(r"^custobj_[0-9A-Za-z]{1,128}$"),
}
# Past this a journal is not one of ours (a run writes a few hundred lines).
_MAX_BYTES = 64 * 1024 * 1024


def runs_dir(state_dir: Path) -> Path:
    """Where the journals of ``state_dir`` live."""
    return state_dir / "runs"


def journal_path(state_dir: Path, token: str) -> Path:
    """The journal of the run whose token is ``token``."""
    if not _TOKEN.match(token):
        raise ConfigurationError(
            f"run token {token!r} is not a run token (lower-case hex, as a run prints it: "
            "'run token: 1a2b3c4d5e6f')"
        )
    return runs_dir(state_dir) / f"{token}.jsonl"


def _public(url: str) -> str:
    """``url`` without user info, query or fragment: a key never reaches the journal."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _private_dir(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.mkdir(mode=0o700, exist_ok=True)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Journal:
    """An append-only journal of one run (see the module's docstring).

    :meth:`write` is the ledger's ``journal`` callable: thread-safe, each entry on disk
    (flushed and fsynced) before it returns.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None

    @classmethod
    def start(
        cls, state_dir: Path, token: str, base_url: str, started_at: datetime | None = None
    ) -> Journal:
        """Create the journal of run ``token`` and write its first entry."""
        path = journal_path(state_dir, token)
        try:
            _private_dir(path.parent)
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
            journal = cls(path)
            journal._fd = os.open(path, flags, 0o600)
        except OSError as exc:
            raise OptionError(
                "{state_dir} {given}: cannot write the run's journal there ({problem}); "
                "pass a writable {state_dir.flag}",
                given=state_dir,
                problem=exc.strerror,
            ) from None
        when = (started_at or datetime.now(UTC)).isoformat(timespec="milliseconds")
        journal.write(
            {"event": "started", "token": token, "base_url": _public(base_url), "started_at": when}
        )
        return journal

    def reopen(self) -> None:
        """Open an existing journal to append to it (``close-contract cleanup`` does)."""
        flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
        with self._lock:
            if self._fd is None:
                self._fd = os.open(self.path, flags)

    def write(self, entry: Mapping[str, Any]) -> None:
        """Append ``entry`` (a JSON object) and make sure it is on disk."""
        line = json.dumps({"at": _now(), **entry}, sort_keys=True, default=str) + "\n"
        with self._lock:
            if self._fd is None:
                return
            os.write(self._fd, line.encode("utf-8"))
            os.fsync(self._fd)

    def key(self, user_id: str, organization_id: str | None) -> None:
        """Who the key is: what ``close-contract cleanup`` proves leads against."""
        self.write({"event": "key", "user_id": user_id, "organization_id": organization_id})

    def finish(self, leftovers: Iterable[str]) -> None:
        """The run's last entry: ``cleaned`` when nothing was left, else ``finished``."""
        left = list(leftovers)
        self.write({"event": "finished", "leftovers": left} if left else {"event": "cleaned"})
        self.close()

    def close(self) -> None:
        """Close the file (further writes are dropped)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


@dataclass
class JournalRun:
    """What one journal says about its run."""

    path: Path
    token: str | None = None
    base_url: str | None = None
    started_at: datetime | None = None
    user_id: str | None = None
    organization_id: str | None = None
    # Leads created, with their contacts; and the instances created, on whichever lead.
    leads: dict[str, list[str]] = field(default_factory=dict)
    instances: list[str] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    # Names of leads whose create was sent (their id may never have been seen).
    lead_names: list[str] = field(default_factory=list)
    ended: str | None = None  # "cleaned" or "finished"

    @property
    def cleaned(self) -> bool:
        """The run ended with nothing left behind."""
        return self.ended == "cleaned"

    @property
    def unanswered_leads(self) -> bool:
        """More lead creates were sent than answered: a lead may exist that only the name
        search can find."""
        return len(self.lead_names) > len(self.leads)

    def targets(self, base_url: str) -> bool:
        """Whether the run went to the API root ``base_url`` (unknown: assumed so)."""
        return self.base_url is None or self.base_url.rstrip("/") == _public(base_url).rstrip("/")

    def add(self, entry: Mapping[str, Any]) -> None:
        """Take one entry of the journal into account."""
        event = entry.get("event")
        if event == "started":
            self.token = _text(entry.get("token"))
            self.base_url = _text(entry.get("base_url"))
            self.started_at = _when(entry.get("started_at"))
        elif event == "key":
            self.user_id = _text(entry.get("user_id"))
            self.organization_id = _text(entry.get("organization_id"))
        elif event in ("cleaned", "finished"):
            self.ended = str(event)
        elif event == "deleted":
            object_id = _text(entry.get("id"))
            if object_id:
                self.deleted.add(object_id)
        elif event == "lead_intent":
            name = _text(entry.get("name"))
            if name:
                self.lead_names.append(name)
        elif event in ("lead_created", "instance_created"):
            self._created(entry)

    def _created(self, entry: Mapping[str, Any]) -> None:
        object_id = _text(entry.get("id"))
        if object_id is None:
            return
        if _SHAPES["lead"].match(object_id):
            contacts = [
                str(c)
                for value in entry.values()
                if isinstance(value, list)
                for c in value
                if isinstance(c, str) and _SHAPES["contact"].match(c)
            ]
            self.leads.setdefault(object_id, contacts)
        elif _SHAPES["custom_object"].match(object_id) and object_id not in self.instances:
            self.instances.append(object_id)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def read_journal(path: Path) -> JournalRun:
    """What the journal at ``path`` says; lines cut short or not JSON objects are skipped.

    Raises :class:`ConfigurationError` for a file that is not a regular file, or too large
    to be a journal.
    """
    try:
        if not path.is_file() or path.is_symlink():
            raise ConfigurationError(f"journal {path} is not a regular file")
        if path.stat().st_size > _MAX_BYTES:
            raise ConfigurationError(f"journal {path} is over {_MAX_BYTES} bytes: not a journal")
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise ConfigurationError(f"journal {path}: {exc.strerror}") from None
    run = JournalRun(path)
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # the last line of a killed run may be cut short
        if isinstance(entry, dict):
            run.add(entry)
    if run.token is None:
        run.token = path.stem
    return run
