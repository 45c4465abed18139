"""What every report says about its run besides the cases: versions, time, target, options."""

from __future__ import annotations

import platform
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from contract._version import __version__
from contract.events import RunStarted
from contract.statuses import status_set

__all__ = ["Metadata", "elapsed_since", "option_text", "public_url", "statuses_label"]

_SUCCESS = frozenset(range(200, 300))


def statuses_label(statuses: Iterable[int]) -> str:
    """A set of statuses as people read it: ``2xx``, ``400 or 404``, ``2xx or 400``."""
    return status_set(statuses)


def public_url(url: str) -> str:
    """``url`` without user info, query or fragment: an API root needs none of them, and
    ``https://KEY:@host`` is a way of passing a key that a report must not keep."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address is bracketed in a URL
    try:
        port = parts.port
    except ValueError:  # not a number: nothing worth keeping
        port = None
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True, slots=True)
class Metadata:
    """The run a report describes: the software that ran it, when, against what, how.

    ``started`` is ``None`` when the run ended before its target was known (an error or
    Ctrl-C during setup); the report then says so through null target, seed and options.
    """

    started: RunStarted | None
    duration: float
    interrupted: bool

    @property
    def versions(self) -> dict[str, str]:
        """The toolkit's, Hypothesis's and Python's versions: what a rerun needs to match."""
        return {
            "close_contract": __version__,
            # Read from the installed metadata, so rendering a report (in a notebook, of
            # events loaded from elsewhere) never has to import Hypothesis.
            "hypothesis": _version_of("hypothesis"),
            "python": platform.python_version(),
        }

    @property
    def started_at(self) -> str | None:
        """When the run began, ISO 8601 in UTC with its offset (``…+00:00``)."""
        if self.started is None or self.started.started_at is None:
            return None
        return _utc(self.started.started_at).isoformat(timespec="milliseconds")

    @property
    def target(self) -> dict[str, Any] | None:
        """``kind`` (emulator, live, replay), ``description`` and ``base_url``."""
        if self.started is None:
            return None
        return {
            "kind": self.started.target_kind,
            "description": self.started.target,
            "base_url": public_url(self.started.base_url),
        }

    @property
    def options(self) -> dict[str, Any] | None:
        """The run's options (:class:`~contract.events.RunOptions`), when the engine said."""
        if self.started is None or self.started.options is None:
            return None
        return self.started.options.to_dict()

    def line(self) -> str:
        """One line for the top of a Markdown report."""
        v = self.versions
        parts = [f"close-contract {v['close_contract']}, Hypothesis {v['hypothesis']}"]
        if self.started_at is not None:
            parts.append(f"started {self.started_at}")
        parts.append(f"{self.duration:.1f} s")
        if self.started is not None:
            kind = self.started.target_kind or "target"
            parts.append(f"{kind} {public_url(self.started.base_url)} ({self.started.target})")
            parts.append(f"seed {self.started.seed}")
            parts.append(f"{len(self.started.types)} types")
        if self.interrupted:
            parts.append("interrupted")
        return " · ".join(parts)

    def properties(self) -> list[tuple[str, str]]:
        """Name/value pairs for a JUnit ``properties`` block."""
        v = self.versions
        pairs = [
            ("close_contract.version", v["close_contract"]),
            ("hypothesis.version", v["hypothesis"]),
            ("python.version", v["python"]),
        ]
        if self.started_at is not None:
            pairs.append(("started_at", self.started_at))
        if self.started is not None:
            pairs += [
                ("target", self.started.target),
                ("target.kind", self.started.target_kind or ""),
                ("base_url", public_url(self.started.base_url)),
                ("seed", str(self.started.seed)),
                ("types", " ".join(self.started.types)),
            ]
        options = self.options
        if options is not None:
            pairs += [(f"option.{name}", option_text(value)) for name, value in options.items()]
        pairs.append(("interrupted", "true" if self.interrupted else "false"))
        return pairs


def option_text(value: Any) -> str:
    """An option's value as text: lists space-separated, booleans lower-case, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)


def elapsed_since(started: RunStarted | None) -> float | None:
    """Seconds since ``started`` began, or ``None`` when its start time is unknown."""
    if started is None or started.started_at is None:
        return None
    return max((datetime.now(UTC) - _utc(started.started_at)).total_seconds(), 0.0)


def _utc(moment: datetime) -> datetime:
    # RunStarted.started_at is UTC; one built by hand without a zone is taken to be, so a
    # report always states its offset.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
