"""Close-style object ids and timestamps.

Close ids are a prefix followed by base62 characters: 43 of them for most objects
(`lead_`, `cont_`, `user_`, `orga_`, `custobj_`, `cf_`) and 22 for types (`cotype_`).
The emulator draws them from a seeded `random.Random` so that two fresh emulators
with the same seed hand out the same ids in the same order.
"""

from __future__ import annotations

import random
import re
import threading
from datetime import UTC, datetime, timedelta

__all__ = [
    "BASE62",
    "ID_LENGTHS",
    "Clock",
    "IdGenerator",
    "format_timestamp",
    "looks_like_id",
]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

#: Number of base62 characters after each prefix, as seen in Close's examples.
ID_LENGTHS: dict[str, int] = {
    "orga_": 43,
    "user_": 43,
    "lead_": 43,
    "cont_": 43,
    "custobj_": 43,
    "cf_": 43,
    "cotype_": 22,
    # Only used by the `wrong_id_prefix` fault: same body, a prefix Close never uses.
    "co_": 43,
}

_BODY = re.compile(r"[0-9A-Za-z]+")


def looks_like_id(value: object, prefix: str) -> bool:
    """True when `value` is a string shaped like a Close id with `prefix`."""
    if not isinstance(value, str) or not value.startswith(prefix):
        return False
    body = value[len(prefix) :]
    return len(body) == ID_LENGTHS[prefix] and _BODY.fullmatch(body) is not None


class IdGenerator:
    """Deterministic id source; safe to share between threads."""

    def __init__(self, seed: int, epoch: int = 0) -> None:
        # A database reopened from a file continues in a new epoch so that the ids
        # it hands out never repeat the ones already stored by an earlier run.
        self._random = random.Random(seed if epoch == 0 else f"{seed}/{epoch}")
        self._lock = threading.Lock()

    def new(self, prefix: str) -> str:
        """Return a fresh id such as `custobj_` + 43 base62 characters."""
        length = ID_LENGTHS[prefix]
        with self._lock:
            body = "".join(self._random.choice(BASE62) for _ in range(length))
        return prefix + body


def format_timestamp(moment: datetime) -> str:
    """Render like Close: `2020-08-04T16:45:35.367000+00:00` (UTC, microseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Clock:
    """UTC wall clock whose readings strictly increase.

    Two writes in the same microsecond would otherwise share a timestamp, and a client
    comparing `date_updated` before and after an update could not see the change.
    """

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current time, later than any earlier reading."""
        with self._lock:
            current = datetime.now(UTC)
            if current <= self._last:
                current = self._last + timedelta(microseconds=1)
            self._last = current
            return current

    def now_text(self) -> str:
        """The current time formatted with `format_timestamp`."""
        return format_timestamp(self.now())
