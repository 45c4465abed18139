"""Answer times per operation: a latency baseline beside the shape baseline, and how a
later run's answer times compare with it.

A shape baseline pins what a target answers; this pins how long it takes. The two are kept
apart, in two files, because one is deterministic and the other never is: a faithful
server's shapes compare with no difference whatever the seed, while its answer times vary
with the machine, the network and the load. So a latency file never makes a shape baseline
differ, and a slowdown is reported on its own, never as a contract violation or a shape
regression (it fails a run only when the user asks).

What is kept, per operation (:data:`OPERATIONS`, the engine's names): how many answers it
timed (``count``) and their 50th and 95th percentiles in milliseconds. Percentiles are
kept only from :data:`MIN_SAMPLES` answers or more: fewer say little about a 95th
percentile, so such an operation keeps its count alone and is "not compared".

A later run's operation is *slower* when its p95 grew past both ``factor`` times the
baseline's and the baseline's plus ``floor_ms``: the factor ignores the noise of a slow
network (300 ms becoming 350 ms), the floor the noise of a fast one (2 ms becoming 6 ms).
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from contract._version import __version__
from contract.baseline._baseline import (
    BASELINE_FILE,
    ENDPOINT,
    baseline_file,
    template_path,
    write_shared,
)
from contract.baseline._files import read_file_bytes
from contract.errors import CassetteError

__all__ = [
    "DEFAULT_LATENCY_FACTOR",
    "DEFAULT_LATENCY_FLOOR_MS",
    "LATENCY_FILE",
    "LATENCY_FORMAT",
    "LATENCY_SUFFIX",
    "MIN_SAMPLES",
    "OPERATIONS",
    "LatencyBaseline",
    "LatencyChange",
    "LatencySampler",
    "Percentiles",
    "compare_latency",
    "is_slower",
    "latency_file",
    "load_latency",
    "operation_of",
    "percentile",
    "write_latency",
]

OPERATIONS: Final = ("create", "retrieve", "list", "update", "delete")
"""The operations whose answer times are kept, by the names the engine's checks use."""

MIN_SAMPLES: Final = 30
"""The fewest answers of an operation whose percentiles are kept or compared."""

LATENCY_FORMAT: Final = 1
"""The latency file format this toolkit reads and writes."""

LATENCY_SUFFIX: Final = ".latency.json"
"""What replaces a baseline file's ``.json`` in the name of the latency file beside it."""

LATENCY_FILE: Final = BASELINE_FILE.removesuffix(".json") + LATENCY_SUFFIX
"""The latency file's name inside a cassette directory, beside ``baseline.json``."""

DEFAULT_LATENCY_FACTOR: Final = 2.0
"""How many times the baseline's p95 an operation's p95 must pass to count as slower."""

DEFAULT_LATENCY_FLOOR_MS: Final = 100.0
"""How many milliseconds an operation's p95 must grow by, too, to count as slower."""

_KIND = "latency"
_RERECORD = "record it again with close-contract baseline --out FILE or run --record DIR"
# (method, path template) -> operation, for the custom object endpoints only: discovery,
# leads and me/ are how the run gets there, not the contract under test.
_ROUTES: Final = {
    ("POST", "custom_object/"): "create",
    ("GET", "custom_object/"): "list",
    ("GET", "custom_object/{id}/"): "retrieve",
    ("PUT", "custom_object/{id}/"): "update",
    ("DELETE", "custom_object/{id}/"): "delete",
}


def operation_of(method: str, path: str) -> str | None:
    """The operation a request to ``path`` with ``method`` is (``"update"`` for ``PUT
    custom_object/custobj_…/``), or ``None`` for any other endpoint or method."""
    return _ROUTES.get((method.upper(), template_path(path)))


def percentile(samples: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of ``samples``: the smallest sample that at least
    ``share`` (0 < share <= 1) of them do not exceed, so always one of the samples.

    ``percentile([1, 2, ..., 100], 0.95)`` is 95. Raises ``ValueError`` for no samples.
    """
    if not samples:
        raise ValueError("no samples")
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    ordered = sorted(samples)
    # A share that is a whole number of samples must not round up past it (0.95 * 100).
    rank = math.ceil(round(share * len(ordered), 9))
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True, slots=True)
class Percentiles:
    """One operation's answer times: how many were timed and, from :data:`MIN_SAMPLES`
    of them on, their 50th and 95th percentiles in milliseconds (``None`` below that)."""

    count: int
    p50_ms: float | None = None
    p95_ms: float | None = None

    @classmethod
    def of(cls, samples_ms: Sequence[float]) -> Percentiles:
        """The percentiles of answer times in milliseconds (kept from MIN_SAMPLES on)."""
        if len(samples_ms) < MIN_SAMPLES:
            return cls(len(samples_ms))
        return cls(
            len(samples_ms),
            round(percentile(samples_ms, 0.50), 2),
            round(percentile(samples_ms, 0.95), 2),
        )

    @property
    def comparable(self) -> bool:
        """Whether there were enough answers for a comparison."""
        return self.count >= MIN_SAMPLES and self.p95_ms is not None

    def to_dict(self) -> dict[str, Any]:
        """The operation's entry of a latency file (and of the JSON report)."""
        return {"count": self.count, "p50_ms": self.p50_ms, "p95_ms": self.p95_ms}


def is_slower(old_p95_ms: float, new_p95_ms: float, *, factor: float, floor_ms: float) -> bool:
    """Whether a p95 grew past both ``factor`` times its old value and by ``floor_ms``."""
    return new_p95_ms > old_p95_ms * factor and new_p95_ms - old_p95_ms > floor_ms


class LatencySampler:
    """Collects the answer time of each request of a run, by operation; safe to share
    between threads. The engine hands it the answers the run's own key got (never a
    replay's: those times are the recording's, not the target's)."""

    def __init__(self) -> None:
        self._samples: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def observe(self, method: str, path: str, elapsed: float) -> None:
        """Note that ``method path`` was answered in ``elapsed`` seconds (requests to
        other endpoints are ignored)."""
        operation = operation_of(method, path)
        if operation is None or not math.isfinite(elapsed) or elapsed < 0:
            return
        with self._lock:
            self._samples.setdefault(operation, []).append(elapsed * 1000)

    def samples(self, operation: str) -> tuple[float, ...]:
        """The answer times of ``operation`` so far, in milliseconds, in arrival order."""
        with self._lock:
            return tuple(self._samples.get(operation, ()))

    def percentiles(self) -> dict[str, Percentiles]:
        """Each operation the run timed, in :data:`OPERATIONS` order."""
        with self._lock:
            return {
                op: Percentiles.of(self._samples[op]) for op in OPERATIONS if op in self._samples
            }

    def build(self, target: str, *, workers: int | None = None) -> LatencyBaseline:
        """The latency baseline of what was observed; ``target`` is free text without
        credentials, ``workers`` how many cases ran at once (times vary with it)."""
        return LatencyBaseline(target=target, operations=self.percentiles(), workers=workers)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyBaseline:
    """The answer times one run of one target showed, per operation (see the module).

    ``workers`` is how many cases ran at once when it was recorded (``None``: not known):
    a comparison across different numbers may see a slowdown that is only the load.
    """

    target: str
    operations: dict[str, Percentiles] = field(default_factory=dict)
    workers: int | None = None
    created: str = field(default_factory=_now)
    version: int = LATENCY_FORMAT
    toolkit_version: str = __version__
    endpoint: str = ENDPOINT

    def to_dict(self) -> dict[str, Any]:
        """The file's content."""
        return {
            "kind": _KIND,
            "version": self.version,
            "toolkit_version": self.toolkit_version,
            "endpoint": self.endpoint,
            "target": self.target,
            "created": self.created,
            "workers": self.workers,
            "min_samples": MIN_SAMPLES,
            "operations": {op: p.to_dict() for op, p in self.operations.items()},
        }

    def to_json(self) -> str:
        """Stable text: sorted keys, two-space indent, trailing newline."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str) -> LatencyBaseline:
        """Parse a latency file's text; ``source`` names the file in error messages.

        Raises ``CassetteError`` (one line) for text that is not a latency file of this
        format and endpoint, or whose numbers are not counts and milliseconds.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CassetteError(
                f"{source}: not a latency baseline: invalid JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        except RecursionError:
            raise CassetteError(f"{source}: not a latency baseline: nested too deeply") from None
        if not isinstance(data, dict) or data.get("kind") != _KIND:
            raise CassetteError(
                f'{source}: not a latency baseline (no "kind": "latency"); {_RERECORD}'
            )
        if data.get("version") != LATENCY_FORMAT or type(data.get("version")) is not int:
            raise CassetteError(
                f"{source}: latency baseline format {data.get('version')!r} is not supported "
                f"(this close-contract reads format {LATENCY_FORMAT}); {_RERECORD}"
            )
        if data.get("endpoint", ENDPOINT) != ENDPOINT:
            raise CassetteError(
                f"{source}: latency baseline is for endpoint {data['endpoint']!r}, not {ENDPOINT!r}"
            )
        texts = {name: data.get(name, "") for name in ("target", "created", "toolkit_version")}
        for name, value in texts.items():
            if not isinstance(value, str):
                raise CassetteError(
                    f"{source}: malformed latency baseline: {name!r} must be a string"
                )
        workers = data.get("workers")
        if workers is not None and (type(workers) is not int or workers < 1):
            raise CassetteError(
                f"{source}: malformed latency baseline: 'workers' must be a positive integer "
                "or null"
            )
        return cls(
            operations=_operations_from(data.get("operations"), source),
            workers=workers,
            **texts,
        )


def _number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value) and value >= 0


def _operations_from(value: Any, source: str) -> dict[str, Percentiles]:
    if not isinstance(value, dict):
        raise CassetteError(f"{source}: malformed latency baseline: 'operations' must be an object")
    operations: dict[str, Percentiles] = {}
    for operation, entry in value.items():
        if operation not in OPERATIONS:
            raise CassetteError(
                f"{source}: malformed latency baseline: operations[{operation!r}] is not an "
                f"operation; they are {', '.join(OPERATIONS)}"
            )
        if not (
            isinstance(entry, dict)
            and type(entry.get("count")) is int
            and entry["count"] >= 0
            and all(entry.get(k) is None or _number(entry[k]) for k in ("p50_ms", "p95_ms"))
        ):
            raise CassetteError(
                f"{source}: malformed latency baseline: operations[{operation!r}] must be "
                '{"count": integer, "p50_ms": milliseconds or null, "p95_ms": milliseconds '
                "or null}"
            )
        # Percentiles from fewer answers than a comparison needs are not believed, whatever
        # the file says (one edited by hand, or written by a tool that kept them).
        comparable = entry["count"] >= MIN_SAMPLES and entry.get("p95_ms") is not None
        operations[operation] = Percentiles(
            entry["count"],
            float(entry["p50_ms"]) if comparable and entry.get("p50_ms") is not None else None,
            float(entry["p95_ms"]) if comparable else None,
        )
    return operations


def latency_file(path: str | os.PathLike[str]) -> Path:
    """The latency file beside the baseline at ``path``: ``baseline.json`` becomes
    ``baseline.latency.json`` (in a recording's directory too), ``prod.json``
    ``prod.latency.json``."""
    file = baseline_file(path)
    stem = file.name[: -len(".json")] if file.name.endswith(".json") else file.name
    return file.with_name(stem + LATENCY_SUFFIX)


def load_latency(path: str | os.PathLike[str]) -> LatencyBaseline | None:
    """The latency baseline beside the baseline at ``path``, or ``None`` when there is
    none (a baseline recorded before latency was kept, or from a replay).

    Raises ``CassetteError`` (one line naming the file) when it is there but unusable.
    """
    file = latency_file(path)
    try:
        text = read_file_bytes(file).decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise CassetteError(f"{file}: not a latency baseline: not UTF-8 text") from None
    except OSError as exc:
        raise CassetteError(
            f"{file}: cannot read latency baseline: {exc.strerror or exc}"
        ) from None
    return LatencyBaseline.from_json(text, source=str(file))


def write_latency(path: str | os.PathLike[str], latency: LatencyBaseline) -> Path:
    """Write ``latency`` beside the baseline at ``path`` (see :func:`latency_file`),
    atomically. Returns the file; raises ``ConfigurationError`` when it cannot be written."""
    return write_shared(latency_file(path), latency.to_json(), "latency baseline")


def _ms(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f} ms"


@dataclass(frozen=True, slots=True)
class LatencyChange:
    """How one operation's answer times compare with the baseline's: ``old`` and ``new``
    (``None`` where a side did not time it), whether its p95 grew past the factor and the
    floor (``slower``), or why it was not compared (``not_compared``)."""

    operation: str
    old: Percentiles | None
    new: Percentiles | None
    slower: bool = False
    not_compared: str | None = None

    @property
    def line(self) -> str:
        """One line: ``update: p95 312.4 ms, was 8.1 ms (x38.6, +304.3 ms)``, or
        ``update: not compared: 27 samples in this run, 30 needed``."""
        if self.not_compared is not None:
            return f"{self.operation}: not compared: {self.not_compared}"
        old = self.old or Percentiles(0)
        new = self.new or Percentiles(0)
        if old.p95_ms is None or new.p95_ms is None:
            return f"{self.operation}: not compared"
        grown = new.p95_ms - old.p95_ms
        ratio = f"x{new.p95_ms / old.p95_ms:.1f}, " if old.p95_ms > 0 else ""
        return (
            f"{self.operation}: p95 {_ms(new.p95_ms)}, was {_ms(old.p95_ms)} "
            f"({ratio}{grown:+.1f} ms; p50 {_ms(new.p50_ms)}, was {_ms(old.p50_ms)})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The operation's entry of the JSON report's ``latency.operations``."""
        return {
            "operation": self.operation,
            "old": None if self.old is None else self.old.to_dict(),
            "new": None if self.new is None else self.new.to_dict(),
            "slower": self.slower,
            "not_compared": self.not_compared,
        }


def _why_not(old: Percentiles | None, new: Percentiles | None) -> str | None:
    """Why an operation is not compared (too few samples on a side), or ``None``."""
    if old is None or not old.comparable:
        return f"{0 if old is None else old.count} samples in the baseline, {MIN_SAMPLES} needed"
    if new is None or not new.comparable:
        return f"{0 if new is None else new.count} samples in this run, {MIN_SAMPLES} needed"
    return None


def compare_latency(
    old: LatencyBaseline,
    new: Mapping[str, Percentiles],
    *,
    factor: float = DEFAULT_LATENCY_FACTOR,
    floor_ms: float = DEFAULT_LATENCY_FLOOR_MS,
) -> tuple[LatencyChange, ...]:
    """Each operation either side timed, in :data:`OPERATIONS` order: slower, as before,
    or not compared (fewer than :data:`MIN_SAMPLES` answers on a side)."""
    changes: list[LatencyChange] = []
    for operation in _ordered((*old.operations, *new)):
        before, after = old.operations.get(operation), new.get(operation)
        why = _why_not(before, after)
        if why is not None or before is None or after is None:
            changes.append(LatencyChange(operation, before, after, not_compared=why))
            continue
        if before.p95_ms is None or after.p95_ms is None:  # comparable says they are set
            continue
        slower = is_slower(before.p95_ms, after.p95_ms, factor=factor, floor_ms=floor_ms)
        changes.append(LatencyChange(operation, before, after, slower=slower))
    return tuple(changes)


def _ordered(operations: Iterable[str]) -> list[str]:
    seen = set(operations)
    return [op for op in OPERATIONS if op in seen]
