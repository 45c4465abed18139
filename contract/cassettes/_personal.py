"""Personal data in answers, replaced by stand-ins before a recording or a report keeps it.

A recording is committed (CI templates do) and a report is kept as a CI artifact, so what
an organization holds about people stays out of both. Answers are scrubbed by key:

- ``me/``: every name (``first_name``, ``last_name``, ``display_name``, ``name``, any
  ``…_name``; the organizations' names too), email, phone number and image URL;
- ``lead/`` and ``contact/`` (one, or a list): every name, email and phone number, except
  the values the run sent itself (the names of the leads and contacts it created, which the
  ledger's proofs compare) and those that hold the run's token;
- every answer: the user names Close puts beside a user id (``created_by_name``,
  ``updated_by_name``, ``user_name``).

Everything else is kept: ids, dates, statuses, the run's token, everything the run sent,
custom field values, custom object types and fields with their names, and every key. A
stand-in is derived from the value alone (a SHA-256 prefix: ``person-1a2b3c4d``,
``person-1a2b3c4d@example.invalid``, ``+10001234567``), so a value becomes the same
stand-in in every answer and every run, and a replay from a scrubbed recording reaches the
verdict the recording did. A stand-in is never scrubbed again.

An answer whose personal data was replaced is written back as compact JSON (as Close
sends it; it parses to the same values but those replaced). One that cannot be written
back as it parses (not JSON, cut past its bound, a number past a float's range, a key
twice) is scrubbed pair by pair in its text instead.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import threading
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from contract.excerpts import json_strings

__all__ = ["PersonalData", "stand_in"]

Kind = Literal["person", "organization", "email", "phone", "image"]
Where = Literal["me", "people", "other"]

# So that a stand-in is not the hash of the bare value that another tool may print.
_SALT: Final = b"close-contract personal data\x00"
# The area code 000 does not exist (NANP): a stand-in number is nobody's.
_PHONE_PREFIX: Final = "+1000"
_STAND_IN: Final = re.compile(
    r"(?:person|organization)-[0-9a-f]{8}"
    r"|person-[0-9a-f]{8}@example\.invalid"
    r"|\+1000[0-9]{7}"
    r"|https://example\.invalid/image-[0-9a-f]{8}"
)

_ME: Final = re.compile(r"(?:^|/)me/?$")
_PEOPLE: Final = re.compile(r"(?:^|/)(?:lead|contact)(?:/[^/]+)?/?$")

_NAMES: Final = frozenset({"name", "display_name", "first_name", "last_name", "full_name"})
_USER_NAMES: Final = frozenset({"created_by_name", "updated_by_name", "user_name"})
_EMAIL_LISTS: Final = frozenset({"emails", "email_addresses"})
_PHONE_LISTS: Final = frozenset({"phones", "phone_numbers"})
# A "key": "string" pair in JSON text, for bodies that do not parse.
_PAIR: Final = re.compile(r'"([A-Za-z_]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"')


def stand_in(kind: Kind, value: str) -> str:
    """The stand-in for ``value`` as a ``kind``: the same for the same value, every time."""
    digest = hashlib.sha256(_SALT + value.encode("utf-8", "surrogatepass")).hexdigest()
    if kind == "email":
        return f"person-{digest[:8]}@example.invalid"
    if kind == "phone":
        return f"{_PHONE_PREFIX}{int(digest[:12], 16) % 10**7:07d}"
    if kind == "image":
        return f"https://example.invalid/image-{digest[:8]}"
    return f"{kind}-{digest[:8]}"


def _where(path: str) -> Where:
    """Which rules the answer to ``path`` (a URL, or a path relative to the API root) has."""
    if "://" in path:
        path = urlsplit(path).path
    path = path.partition("?")[0]
    if _ME.search(path):
        return "me"
    return "people" if _PEOPLE.search(path) else "other"


def _kind_of(key: str, where: Where, context: str) -> Kind | None:
    """What the string under ``key`` is, when it is personal data in an answer of ``where``;
    ``context`` is the key of the object or list that holds it."""
    if key in _USER_NAMES or key.endswith("_by_name"):
        return "person"
    if where == "other":
        return None
    if key == "email" or key.endswith("_email"):
        return "email"
    if key in ("phone", "phone_formatted") or key.endswith("_phone"):
        return "phone"
    if key == "number" and context in _PHONE_LISTS:
        return "phone"
    if key in _NAMES or key.endswith("_name"):
        organization = key == "organization_name" or context == "organizations"
        return "organization" if organization else "person"
    if where == "me" and (key == "image" or key.endswith("image_url")):
        return "image"
    return None


class _Unusable(ValueError):
    """A body that does not parse to values it can be written back as."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Unusable("a key twice")
    return found


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Unusable(f"{text} is past a float's range")
    return number


def _refused(text: str) -> Any:
    raise _Unusable(text)


def _loaded(text: str) -> Any:
    """``text`` parsed, or :class:`_Unusable` (or ``ValueError``) when writing the values
    back would not give text that parses to them."""
    return json.loads(text, object_pairs_hook=_unique, parse_float=_finite, parse_constant=_refused)


def _dumped(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (from an escape) can only be written escaped.
        text = json.dumps(value, separators=(",", ":"))
    return text


class PersonalData:
    """Scrubs personal data from answers (see the module's docstring). Thread-safe: the
    workers of a recording share one.

    :meth:`sent` notes what the run sent, which is its own; so is any value that holds
    ``token``, the run's. :attr:`replaced` lists every value replaced so far, for texts
    that may quote one (:meth:`text`).
    """

    def __init__(self, *, token: str | None = None) -> None:
        self._token = token or None
        self._sent: set[str] = set()
        self._replaced: dict[str, str] = {}
        self._lock = threading.Lock()

    def sent(self, body: bytes | str | None, path: str | None = None) -> None:
        """Note the strings of a request body (JSON) the run sent: they are never scrubbed.
        With the ``path`` it went to, only a body sent to ``lead/`` or ``contact/`` is
        noted: the names the run gives there are the only ones such answers hold."""
        if not body or (path is not None and _where(path) != "people"):
            return
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            return
        try:
            values = set(json_strings(value))
        except RecursionError:
            return  # nested past what a payload of the run's is
        with self._lock:
            self._sent.update(values)

    @property
    def replaced(self) -> dict[str, str]:
        """Each value replaced so far, and its stand-in."""
        with self._lock:
            return dict(self._replaced)

    def answer(self, path: str, body: bytes) -> bytes:
        """``body``, the answer to ``path``, with its personal data replaced (``body``
        itself when it holds none)."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raw = body.decode("utf-8", "surrogateescape")
            flat = self._flat(raw, _where(path))
            return body if flat == raw else flat.encode("utf-8", "surrogateescape")
        scrubbed = self.body(path, text)
        return body if scrubbed == text else scrubbed.encode("utf-8")

    def body(self, path: str, text: str) -> str:
        """``text``, the answer to ``path``, with its personal data replaced (``text``
        itself when it holds none)."""
        where = _where(path)
        try:
            value = _loaded(text)
        except (ValueError, RecursionError):
            return self._flat(text, where)
        changed = [False]
        scrubbed = self._walk(value, where, "", changed)
        return _dumped(scrubbed) if changed[0] else text

    def text(self, text: str) -> str:
        """``text`` (a message that may quote an answer) with each value replaced so far
        replaced where it stands as a word of its own (one character alone is left)."""
        for original, replacement in sorted(self.replaced.items(), key=lambda i: -len(i[0])):
            if len(original.strip()) > 1:
                # Replaced through a function: the stand-in is no template.
                pattern = re.compile(rf"(?<!\w){re.escape(original)}(?!\w)")
                text = pattern.sub(functools.partial(_as_is, replacement), text)
        return text

    def _replace(self, kind: Kind, value: str, where: Where) -> str:
        if not value.strip() or _STAND_IN.fullmatch(value):
            return value
        if where == "people":
            with self._lock:
                sent = value in self._sent
            if sent or (self._token is not None and self._token in value):
                return value  # the run's own lead or contact
        replacement = stand_in(kind, value)
        with self._lock:
            self._replaced[value] = replacement
        return replacement

    def _walk(self, value: Any, where: Where, context: str, changed: list[bool]) -> Any:
        if isinstance(value, list):
            return [self._item(item, where, context, changed) for item in value]
        if not isinstance(value, dict):
            return value
        result: dict[str, Any] = {}
        for key, child in value.items():
            kind = _kind_of(key, where, context)
            if kind is not None and isinstance(child, str):
                result[key] = self._replace(kind, child, where)
                changed[0] = changed[0] or result[key] != child
            elif key == "custom" or key.startswith("custom."):
                # Custom field values: what the run sent, or data its checks hold it to.
                result[key] = child
            else:
                result[key] = self._walk(child, where, key, changed)
        return result

    def _item(self, item: Any, where: Where, context: str, changed: list[bool]) -> Any:
        """One item of a list under ``context``: a list of bare emails or numbers is
        personal data item by item."""
        kind: Kind | None = None
        if where != "other" and isinstance(item, str):
            kind = "email" if context in _EMAIL_LISTS else None
            kind = "phone" if context in _PHONE_LISTS else kind
        if kind is None or not isinstance(item, str):
            return self._walk(item, where, context, changed)
        replaced = self._replace(kind, item, where)
        changed[0] = changed[0] or replaced != item
        return replaced

    def _flat(self, text: str, where: Where) -> str:
        """``text`` that does not parse (a body cut past its bound): each ``"key": "value"``
        pair of a personal key replaced, by the same rules (what holds a value cannot be
        told, so a name in an organization's list is a person's here)."""

        def swap(match: re.Match[str]) -> str:
            kind = _kind_of(match.group(1), where, "")
            try:
                value = json.loads(f'"{match.group(3)}"')
            except ValueError:
                return match.group(0)
            if kind is None or not isinstance(value, str):
                return match.group(0)
            replaced = self._replace(kind, value, where)
            if replaced == value:
                return match.group(0)
            return f'"{match.group(1)}"{match.group(2)}{json.dumps(replaced)}'

        return _PAIR.sub(swap, text)


def _as_is(text: str, _match: re.Match[str]) -> str:
    return text
