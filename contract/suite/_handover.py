"""One contract run per pytest session, handed over to every pytest-xdist worker.

Each xdist worker is a process of its own with its own session fixtures, so a session
fixture alone would run the contract once per worker and multiply the traffic to the
target. The controller gives its workers one shared directory; the first worker to need
the run claims it by creating ``run.lock`` with ``O_EXCL``, runs the contract and writes
its events to ``run.json``; the others wait for that file and rebuild the report from it.

What happens on failure:

- the run raises (a :class:`~contract.errors.ContractError`, no verdict, a bug): the runner
  writes the cause instead of the events, and every waiting worker ends the same way;
- the runner dies (killed, crashed): it is not alive any more, or its heartbeat (the lock
  file's mtime, touched every second while it runs) is older than ``stale_after`` seconds;
  the waiters then stop with an error naming the runner, and never start a second run;
- the directory is not visible (workers on another host): an error says so.

The events are serialised here, field by field, rather than through the JSON report: the
report's format is for people and tools, this one only has to give back equal events.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contract.events import Event

__all__ = ["RunAborted", "decode_events", "encode_events", "run_once"]

FORMAT = 1
LOCK = "run.lock"
RESULT = "run.json"


class RunAborted(Exception):
    """The run gave no events: ``message`` says why (one line, without the tool's prefix).

    ``returncode`` is the exit code the session should end with (2 for bad input or
    configuration, 3 for the target or the infrastructure), or None when the cause is an
    unexpected error whose traceback the runner's own test item shows.
    """

    def __init__(self, message: str, returncode: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.returncode = returncode


# -- the events as JSON ----------------------------------------------------------------
#
# JSON has no tuples, datetimes or classes, and the events have all three (and violations
# carry arbitrary JSON-ready bodies). Such values become one-key objects whose key starts
# with "$"; a plain dict that has such a key itself is escaped as "$dict", so decoding is
# never ambiguous.

_TAGS = ("$tuple", "$set", "$frozenset", "$datetime", "$dict", "$dataclass")


def _classes() -> dict[str, type[Any]]:
    from contract import events
    from contract.checks import CheckTally
    from contract.errors import ContractViolation

    # The summary's per-check tally travels with the events.
    found: dict[str, type[Any]] = {_class_name(CheckTally): CheckTally}
    for name in events.__all__:
        candidate = getattr(events, name)
        if isinstance(candidate, type) and dataclasses.is_dataclass(candidate):
            found[_class_name(candidate)] = candidate
    pending: list[type[Any]] = [ContractViolation]
    while pending:
        cls = pending.pop()
        found[_class_name(cls)] = cls
        pending.extend(cls.__subclasses__())
    return found


def _class_name(cls: type[Any]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _encode(value: Any, classes: dict[str, type[Any]]) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_encode(v, classes) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v, classes) for v in value]}
    if isinstance(value, frozenset | set):
        tag = "$frozenset" if isinstance(value, frozenset) else "$set"
        return {tag: [_encode(v, classes) for v in value]}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v, classes) for k, v in value.items()}
        return {"$dict": [[_encode(k, classes), _encode(v, classes)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = _class_name(type(value))
        if name not in classes:
            raise TypeError(f"cannot hand over a {name}: not an event or a violation")
        fields = {
            f.name: _encode(getattr(value, f.name), classes)
            for f in dataclasses.fields(value)
            if f.init
        }
        return {"$dataclass": [name, fields]}
    raise TypeError(f"cannot hand over a value of type {type(value).__qualname__}: {value!r}")


def _decode(value: Any, classes: dict[str, type[Any]]) -> Any:
    if isinstance(value, list):
        return [_decode(v, classes) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and (tag := next(iter(value))) in _TAGS:
        inner = value[tag]
        if tag == "$tuple":
            return tuple(_decode(v, classes) for v in inner)
        if tag == "$set":
            return {_decode(v, classes) for v in inner}
        if tag == "$frozenset":
            return frozenset(_decode(v, classes) for v in inner)
        if tag == "$datetime":
            return datetime.fromisoformat(inner)
        if tag == "$dict":
            return {_decode(k, classes): _decode(v, classes) for k, v in inner}
        name, fields = inner
        return classes[name](**{k: _decode(v, classes) for k, v in fields.items()})
    return {k: _decode(v, classes) for k, v in value.items()}


def encode_events(events: Iterable[Event]) -> list[Any]:
    """The events as JSON-ready data that :func:`decode_events` turns back into equal ones
    (same classes, same field values, tuples and datetimes included)."""
    classes = _classes()
    return [_encode(event, classes) for event in events]


def decode_events(data: Sequence[Any]) -> list[Event]:
    """The events :func:`encode_events` encoded."""
    classes = _classes()
    return [_decode(item, classes) for item in data]


# -- the run, once for the session -----------------------------------------------------


def run_once(
    directory: Path,
    worker: str,
    produce: Callable[[], Sequence[Event]],
    *,
    stale_after: float = 30.0,
    poll: float = 0.2,
) -> list[Event]:
    """The session's events: ``produce()``'s if this worker is the first to ask, else those
    the first worker wrote into ``directory``, waited for.

    ``worker`` names this worker in messages. Raises :class:`RunAborted` when the run gave
    no events, here or in the worker that ran it, or when that worker died.
    """
    lock = directory / LOCK
    try:
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return _wait(directory, worker, stale_after=stale_after, poll=poll)
    except FileNotFoundError:
        raise RunAborted(
            f"{worker} cannot see {directory}, the directory where pytest-xdist workers "
            "hand over the one contract run of the session: run the workers on this "
            "machine (-n N)",
            2,
        ) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump({"worker": worker, "pid": os.getpid(), "host": socket.gethostname()}, file)
    return _produce(directory, worker, produce)


def _produce(directory: Path, worker: str, produce: Callable[[], Sequence[Event]]) -> list[Event]:
    stop = threading.Event()
    heartbeat = threading.Thread(
        target=_beat, args=(directory / LOCK, stop), name="close-contract-heartbeat", daemon=True
    )
    heartbeat.start()
    try:
        events = list(produce())
        _write(directory, {"format": FORMAT, "events": encode_events(events)})
        return events
    except RunAborted as exc:
        _write(directory, {"aborted": {"message": exc.message, "returncode": exc.returncode}})
        raise
    except BaseException as exc:
        # The waiting workers must not hang on an error only this worker's item shows.
        cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        message = f"the contract run in {worker} failed with {cause}"
        _write(directory, {"aborted": {"message": message, "returncode": None}})
        raise
    finally:
        stop.set()
        heartbeat.join()


def _beat(lock: Path, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        try:
            os.utime(lock)
        except OSError:  # the controller removed the directory: the session is over
            return


def _write(directory: Path, payload: dict[str, Any]) -> None:
    # Written aside and renamed, so a waiter never reads half a file.
    partial = directory / f"{RESULT}.partial"
    partial.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(partial, directory / RESULT)


def _wait(directory: Path, worker: str, *, stale_after: float, poll: float) -> list[Event]:
    lock, result = directory / LOCK, directory / RESULT
    while True:
        if result.exists():
            return _read(result)
        owner = _owner(lock)
        name = str(owner.get("worker", "the worker that claimed the run"))
        pid = owner.get("pid")
        if (
            isinstance(pid, int)
            and owner.get("host") == socket.gethostname()
            and not _alive(pid)
            and not result.exists()  # it may have written the result, then ended
        ):
            raise RunAborted(
                f"{name} (pid {pid}) was running the contract for {worker} and the other "
                "workers, and ended without a result: its crash is reported above",
                3,
            )
        try:
            silence = time.time() - lock.stat().st_mtime
        except FileNotFoundError:  # the session's directory is gone: the session is over
            raise RunAborted(f"{worker} lost the session directory {directory}", 3) from None
        if silence > stale_after and not result.exists():
            raise RunAborted(
                f"{name} has given no sign of life for {silence:.0f} s while running the "
                f"contract (the limit is {stale_after:g} s): it hangs or died",
                3,
            )
        time.sleep(poll)


def _read(result: Path) -> list[Event]:
    payload = json.loads(result.read_text(encoding="utf-8"))
    aborted = payload.get("aborted")
    if aborted is not None:
        raise RunAborted(aborted["message"], aborted["returncode"])
    if payload.get("format") != FORMAT:
        raise RunAborted(f"{result} holds events of format {payload.get('format')!r}", 3)
    return decode_events(payload["events"])


def _owner(lock: Path) -> dict[str, Any]:
    # Empty for the instant between the runner's O_EXCL create and its write.
    try:
        owner = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A worker that died stays a zombie until the controller reaps it.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]
