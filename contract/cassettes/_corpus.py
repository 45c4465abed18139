"""The corpus of a recording: the cases each batch executed, in order, and what it ran
against. A replay re-executes these cases, so it never asks Hypothesis for anything and
does not depend on the Hypothesis version. Every stored case is checked when loaded."""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contract._version import __version__
from contract.baseline import read_file_bytes
from contract.errors import CassetteError
from contract.ids import is_id
from strategies import Case

__all__ = ["CASSETTE_FILE", "CORPUS_FILE", "CORPUS_FORMAT", "Corpus", "Drawn", "load_corpus"]

CASSETTE_FILE = "cassette.yaml"
CORPUS_FILE = "corpus.json"
# 2: cases run breadth first and every request of a case carries its case tag.
# 3: a stateful sequence is stored with its run number, the tag its requests carry.
# 4: the stateful phase has leads of its own, made in the setup.
CORPUS_FORMAT = 4
RECORD_AGAIN = "record it again with close-contract run --record DIR"
# Batches whose entries are pairs of cases (the valid phase: a create, then an update).
_PAIRED = ("valid:",)

Drawn = Case | tuple[Case, Case]
"""What one execution of a batch draws: a case, or a pair (a create and its update)."""


# Batches whose entries are already JSON: the stateful phase's steps of one sequence.
_STEPS = ("stateful:",)


def _encode(drawn: Drawn) -> Any:
    if isinstance(drawn, tuple):
        return [c.to_dict() for c in drawn]
    if isinstance(drawn, Case):
        return drawn.to_dict()
    return drawn  # steps: JSON already


def _decode(data: Any) -> Drawn:
    if isinstance(data, list):
        first, second = (Case.from_dict(d) for d in data)
        return first, second
    return Case.from_dict(data)


@dataclass
class Corpus:
    """The cases of a run by batch key, in execution order, and what it ran against."""

    seed: int
    base_url: str
    has_other_key: bool
    batches: dict[str, list[Any]] = field(default_factory=dict)
    toolkit_version: str = __version__
    format: int = CORPUS_FORMAT
    # The recorded run's token (see Session.run_token): a replay sends the same names.
    run_token: str = ""
    # The other organization's lead the run named (--other-lead-id, or the embedded
    # emulator's): a replay reads and names the same one.
    other_lead_id: str | None = None

    def add(self, key: str, drawn: Drawn) -> None:
        """Write down that batch ``key`` executed ``drawn`` next."""
        self.batches.setdefault(key, []).append(_encode(drawn))

    def cases(self, key: str) -> list[Drawn]:
        """What batch ``key`` executed, in order (none when the recording had none)."""
        if key.startswith(_STEPS):
            return list(self.batches.get(key, []))
        return [_decode(data) for data in self.batches.get(key, [])]

    def to_json(self) -> str:
        """Stable JSON text of the corpus."""
        return json.dumps(
            {
                "format": self.format,
                "toolkit_version": self.toolkit_version,
                "seed": self.seed,
                "base_url": self.base_url,
                "has_other_key": self.has_other_key,
                "run_token": self.run_token,
                "other_lead_id": self.other_lead_id,
                "batches": self.batches,
            },
            indent=1,
            ensure_ascii=False,
        )


def load_corpus(directory: Path) -> Corpus:
    """Read ``DIR/corpus.json``; a missing, corrupt or incompatible one is a CassetteError.

    Every stored case is checked here, before anything runs, so a corpus that is not what
    the toolkit wrote fails with its file and the bad entry named, not half-way through.
    """
    path = directory / CORPUS_FILE
    if not directory.exists():
        raise CassetteError(f"cassette directory {directory} does not exist")
    if not directory.is_dir():
        raise CassetteError(
            f"{directory} is a file, not a cassette directory: pass the directory that holds "
            f"{CASSETTE_FILE} and {CORPUS_FILE} (made by close-contract run --record DIR)"
        )
    if not (directory / CASSETTE_FILE).is_file() or not path.is_file():
        raise CassetteError(
            f"{directory} is not a recording: it needs {CASSETTE_FILE} and {CORPUS_FILE} "
            "(make one with close-contract run --record DIR)"
        )
    text = read_text(path, "a valid corpus")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CassetteError(
            f"{path} is not a valid corpus: invalid JSON ({exc.msg} at line {exc.lineno}); "
            f"{RECORD_AGAIN}"
        ) from None
    except RecursionError:
        raise CassetteError(f"{path} is not a valid corpus: nested too deeply") from None
    return _corpus_from(data, path)


def read_text(path: Path, what: str) -> str:
    """The text of ``path``; ``what`` ends the sentence "PATH is not ..." in errors.

    Only a regular file of a bounded size is read (see :func:`read_file_bytes`): a link
    to a device or a named pipe is refused, never read or waited on.
    """
    try:
        return read_file_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        raise CassetteError(f"{path} is not {what}: not UTF-8 text; {RECORD_AGAIN}") from None
    except OSError as exc:
        raise CassetteError(
            f"cannot read {path}: {exc.strerror or exc}; check that it is a readable file"
        ) from None


def kind_of(value: Any) -> str:
    """What a decoded JSON or YAML value is, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str | bytes):
        return f"a string ({_short(value)})"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}"
    if isinstance(value, Mapping):
        return f"a mapping of {', '.join(map(repr, list(value)[:3])) or 'nothing'}"
    return type(value).__name__


def _short(value: str | bytes) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _corpus_from(data: Any, path: Path) -> Corpus:
    def bad(problem: str) -> CassetteError:
        return CassetteError(f"{path} is not a valid corpus: {problem}; {RECORD_AGAIN}")

    if not isinstance(data, dict):
        raise bad(f"expected a JSON object, got {kind_of(data)}")
    missing = [
        key
        for key in ("format", "toolkit_version", "seed", "base_url", "has_other_key", "batches")
        if key not in data
    ]
    if missing:
        raise bad(f"missing {', '.join(map(repr, missing))}")
    fmt, version = data["format"], data["toolkit_version"]
    if type(fmt) is not int or not isinstance(version, str):
        raise bad("'format' must be an integer and 'toolkit_version' a string")
    major = __version__.split(".")[0]
    if fmt != CORPUS_FORMAT or version.split(".")[0] != major:
        raise CassetteError(
            f"{path} was recorded by close-contract {version} (corpus format {fmt}); this "
            f"is {__version__} (format {CORPUS_FORMAT}): record it again"
        )
    seed, base_url, other, batches = (
        data[k] for k in ("seed", "base_url", "has_other_key", "batches")
    )
    if type(seed) is not int:
        raise bad(f"'seed' must be an integer, got {kind_of(seed)}")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise bad(f"'base_url' must be an http(s) URL, got {kind_of(base_url)}")
    if not isinstance(other, bool):
        raise bad(f"'has_other_key' must be true or false, got {kind_of(other)}")
    if not isinstance(batches, dict):
        raise bad(f"'batches' must be an object, got {kind_of(batches)}")
    # Recordings made before the token existed have none, and their runs sent none.
    token = data.get("run_token", "")
    if not isinstance(token, str):
        raise bad(f"'run_token' must be a string, got {kind_of(token)}")
    # Recordings made before it existed named no lead of the other organization.
    other_lead = data.get("other_lead_id")
    if other_lead is not None and not is_id("lead", other_lead):
        raise bad(f"'other_lead_id' must be a lead id or null, got {kind_of(other_lead)}")
    for key, entries in batches.items():
        if not isinstance(entries, list):
            raise bad(f"batches[{key!r}] must be a list of cases, got {kind_of(entries)}")
        paired = key.startswith(_PAIRED)
        for position, entry in enumerate(entries):
            problem = (
                _steps_problem(entry) if key.startswith(_STEPS) else _entry_problem(entry, paired)
            )
            if problem:
                raise bad(f"batches[{key!r}][{position}] {problem}")
    return Corpus(
        seed=seed,
        base_url=base_url,
        has_other_key=other,
        batches=batches,
        toolkit_version=version,
        format=fmt,
        run_token=token,
        other_lead_id=other_lead,
    )


# The keys Case.to_dict writes, and the JSON types each may hold.
_CASE_KEYS: dict[str, tuple[type, ...]] = {
    "payload": (dict, list, str, int, float, bool, type(None)),
    "mutation": (str, type(None)),
    "reason": (str,),
    "expected_statuses": (list,),
    "target": (str, type(None)),
    "body": (str, type(None)),
    "body_encoding": (str, type(None)),
    "content_type": (str, type(None)),
    "headers": (list,),
    "send_credentials": (bool,),
    "schema_valid": (bool,),
}


def _entry_problem(entry: Any, paired: bool) -> str | None:
    """Why ``entry`` is not a stored case (or pair of cases), or None when it is one."""
    if paired:
        if not isinstance(entry, list) or len(entry) != 2:
            return f"must be a pair of cases (a create and an update), got {kind_of(entry)}"
        for half, case in zip(("[0]", "[1]"), entry, strict=True):
            problem = _case_problem(case)
            if problem:
                return f"{half} {problem}"
            # The update is built from the second payload's name and custom values.
            if not isinstance(case["payload"], dict) or "name" not in case["payload"]:
                return f"{half} is a valid case whose 'payload' is not an object with a 'name'"
        return None
    return _case_problem(entry)


def _steps_problem(entry: Any) -> str | None:
    """Why ``entry`` is not one stored sequence of steps, or None when it is one."""
    shape = "must be {'run': number, 'steps': [{'rule': name, 'args': {...}}, ...]}"
    if not isinstance(entry, dict) or set(entry) != {"run", "steps"}:
        return shape
    run, steps = entry["run"], entry["steps"]
    if isinstance(run, bool) or not isinstance(run, int) or run < 0:
        return shape
    if not isinstance(steps, list) or not all(
        isinstance(step, dict)
        and isinstance(step.get("rule"), str)
        and isinstance(step.get("args"), dict)
        for step in steps
    ):
        return shape
    return None


def fields_problem(data: Mapping[str, Any], fields: Mapping[str, tuple[type, ...]]) -> str | None:
    """What is wrong with ``data``'s ``fields`` (missing, or of another JSON type), if any."""
    missing = [key for key in fields if key not in data]
    if missing:
        return f"lacks {', '.join(map(repr, missing))}"
    for key, types in fields.items():
        if not isinstance(data[key], types):
            return f"{key!r} cannot be {kind_of(data[key])}"
    return None


def _case_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return f"must be a case (an object), got {kind_of(data)}"
    problem = fields_problem(data, _CASE_KEYS)
    if problem:
        return problem
    statuses = data["expected_statuses"]
    if not statuses or not all(type(s) is int and 100 <= s <= 599 for s in statuses):
        return f"'expected_statuses' must list HTTP statuses, got {statuses!r}"
    if not all(
        isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h)
        for h in data["headers"]
    ):
        return "'headers' must be a list of [name, value] strings"
    if data["mutation"] is None and not isinstance(data["payload"], dict):
        payload = kind_of(data["payload"])
        return f"is a valid case (no mutation), so its 'payload' must be an object, got {payload}"
    if data["body"] is not None and data["body_encoding"] not in ("utf-8", "base64"):
        return f"'body_encoding' must be 'utf-8' or 'base64', got {data['body_encoding']!r}"
    try:
        Case.from_dict(data)
    except (ValueError, TypeError, binascii.Error) as exc:
        return f"cannot be read: {exc}"
    return None
