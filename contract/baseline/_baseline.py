"""Baselines: what a target actually did, pinned so a later run can spot regressions.

The documented contract allows a set of answers where Close documents none; a baseline
pins the answer this target gave: the exact statuses per case kind, the response shape
per operation and status, and the custom field definitions per type. Everything is keyed
by what is stable across organizations and deployments (type and field names, see
``PortableNames``), never by ids. ``BaselineRecorder`` collects them during a run,
``Baseline`` is the file (``close-contract baseline --out FILE``, or ``baseline.json`` in
a cassette directory), and ``compare_baselines`` / ``compare_run`` turn differences into
``Regression`` violations (``close-contract diff OLD NEW``).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from contract._version import __version__
from contract.baseline._echoes import ECHOES
from contract.baseline._files import read_file_bytes
from contract.baseline._lengths import lengths_from
from contract.baseline._names import DeclaredField
from contract.baseline._shapes import Shape, normalize_shape, validate_shape
from contract.errors import CassetteError, ConfigurationError

__all__ = [
    "BASELINE_FILE",
    "Baseline",
    "ENDPOINT",
    "FORMAT_VERSION",
    "NON_JSON",
    "baseline_file",
    "load_baseline",
    "operation_key",
    "operation_type",
    "template_path",
    "write_baseline",
]

FORMAT_VERSION: Final = 3
"""The baseline file format this toolkit reads and writes.

3: sample counts in every shape, value sets and "integer only" for server-made values,
the media types, documented headers and echoes of sent values per operation, the choices
of choices fields. 2 keyed custom fields by name but kept none of these; 1 keyed them by
the recording organization's ids. Neither is read: see ``Baseline.from_json``.
"""

ENDPOINT: Final = "custom_object"
"""The endpoint family every baseline of this toolkit describes."""

BASELINE_FILE: Final = "baseline.json"
"""The baseline's file name inside a cassette directory."""

_REQUIRED = ("version", "endpoint", "operations", "statuses")
_RERECORD = "record a new one with `close-contract baseline --out FILE`"
_DECLARED_KEYS = {"type": str, "multiple": bool, "required": bool}
# What older formats lacked, said in the one line that refuses them.
_OLDER = {
    1: "keyed by ids",
    2: "without media types, headers, value sets or sample counts",
}


class _NonJson:
    """The type of ``NON_JSON``: a body that is present but not JSON."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NON_JSON"


NON_JSON: Final = _NonJson()
"""Pass as ``body`` to ``BaselineRecorder.observe`` for a body that is not JSON."""

# Close ids: a resource prefix, an underscore and a long base62 string.
_ID_SEGMENT = re.compile(r"[A-Za-z]+_[A-Za-z0-9]{10,}", re.ASCII)
# Prefixes Close uses; lets a short or made-up id in a probe ("custobj_abc") template too.
_ID_PREFIXES = frozenset(
    {"acti", "cf", "cont", "cotype", "custobj", "emailthread", "lead", "orga", "user"}
)
# Collections whose next path segment is an instance id, whatever it looks like, so a
# probe with a malformed id lands on the same operation as a real one.
_COLLECTIONS = frozenset({"contact", "custom_field", "custom_object", "custom_object_type", "lead"})
_API_PREFIX = re.compile(r"api/v\d+/")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline:
    """What one run of one target did: statuses per case kind, shapes per operation.

    ``operations`` is keyed ``"<METHOD> <path template> <status>"`` (e.g.
    ``"GET custom_object/{id}/ 404"``), with `` [<type>]`` appended when the body is an
    instance or a list of instances of one type (``"GET custom_object/{id}/ 200
    [Subscription]"``, see :func:`operation_key`); custom field keys in the shapes are
    ``custom.<field name>``. ``statuses`` is keyed by case kind (e.g. ``"valid:create"``,
    ``"invalid:unknown_custom_field"``, ``"probe:unknown_id:GET"``) with the sorted unique
    statuses seen. ``types`` holds each type's field definitions by type and field key
    (``{"Subscription": {"custom.Seats": {"type": "number", "multiple": false,
    "required": false}}}``, choices fields with their ``"choices"``). ``target`` is free
    text without credentials.

    Per operation key, as ``operations``: ``media_types`` counts the media types of the
    answers that had a body (``{"application/json": 12}``); ``headers`` holds the shape
    of each documented header (``RateLimit`` parsed into its fields), whose ``count`` says
    on how many answers it was; ``echoes`` counts, per sent key, how the values sent came
    back (``{"custom.Seats": {"same": 9}}``, see ``ECHOES``).

    ``lengths`` holds, per type and name or text key, the longest value the length
    ladder saw accepted and answered exactly (``{"Subscription": {"name": 65536}}``; 0:
    its first length was refused). A file without it (written before it existed) loads
    with none.
    """

    target: str
    operations: dict[str, Shape] = field(default_factory=dict)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    types: dict[str, dict[str, DeclaredField]] = field(default_factory=dict)
    media_types: dict[str, dict[str, int]] = field(default_factory=dict)
    headers: dict[str, dict[str, Shape]] = field(default_factory=dict)
    echoes: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    lengths: dict[str, dict[str, int]] = field(default_factory=dict)
    created: str = field(default_factory=_now)
    version: int = FORMAT_VERSION
    toolkit_version: str = __version__
    endpoint: str = ENDPOINT

    def to_dict(self) -> dict[str, Any]:
        """The baseline as a JSON-ready dict (the file's content)."""
        return {
            "version": self.version,
            "toolkit_version": self.toolkit_version,
            "endpoint": self.endpoint,
            "target": self.target,
            "created": self.created,
            "operations": self.operations,
            "statuses": {kind: sorted(set(codes)) for kind, codes in self.statuses.items()},
            "types": self.types,
            "media_types": self.media_types,
            "headers": self.headers,
            "echoes": self.echoes,
            "lengths": self.lengths,
        }

    def to_json(self) -> str:
        """Stable text: sorted keys, two-space indent, trailing newline (diffs well in git)."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str) -> Baseline:
        """Parse a baseline file's text; ``source`` names the file in error messages.

        Raises ``CassetteError`` when the text is not JSON, not a baseline, of another
        format version or of another endpoint. A baseline of an older format is refused
        rather than converted: format 1 keys custom fields by the ids of the organization
        it was recorded on, and neither 1 nor 2 holds the sample counts, media types,
        headers and echoes a comparison now rests on, which only a new recording has.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CassetteError(
                f"{source}: not a baseline: invalid JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        except RecursionError:
            raise CassetteError(f"{source}: not a baseline: nested too deeply") from None
        if not isinstance(data, dict):
            raise CassetteError(
                f"{source}: not a baseline: expected a JSON object, got {type(data).__name__}"
            )
        # Checked before the other keys: another version may legitimately lack them.
        version = data.get("version")
        if type(version) is int and version in _OLDER:
            raise CassetteError(
                f"{source}: recorded by an older version (baseline format {version}, "
                f"{_OLDER[version]}; this close-contract reads format {FORMAT_VERSION}): "
                "record it again with close-contract baseline --out FILE"
            )
        if "version" in data and (type(version) is not int or version != FORMAT_VERSION):
            raise CassetteError(
                f"{source}: baseline format version {version!r} is not supported (this "
                f"close-contract reads version {FORMAT_VERSION}); {_RERECORD}"
            )
        missing = [key for key in _REQUIRED if key not in data]
        if missing:
            raise CassetteError(
                f"{source}: not a baseline: missing {', '.join(map(repr, missing))}; {_RERECORD}"
            )
        if data["endpoint"] != ENDPOINT:
            raise CassetteError(
                f"{source}: baseline is for endpoint {data['endpoint']!r}, not {ENDPOINT!r}"
            )
        text_fields = {
            name: data.get(name, "") for name in ("target", "created", "toolkit_version")
        }
        for name, value in text_fields.items():
            if not isinstance(value, str):
                raise CassetteError(f"{source}: malformed baseline: {name!r} must be a string")
        return cls(
            version=FORMAT_VERSION,
            endpoint=ENDPOINT,
            operations=_shapes_from(data["operations"], source, "operations"),
            statuses=_statuses_from(data["statuses"], source),
            types=_types_from(data.get("types", {}), source),
            media_types=_counts_from(data.get("media_types", {}), source, "media_types"),
            headers=_headers_from(data.get("headers", {}), source),
            echoes=_echoes_from(data.get("echoes", {}), source),
            lengths=lengths_from(data.get("lengths", {}), source),
            **text_fields,
        )


def _shapes_from(value: Any, source: str, where: str) -> dict[str, Shape]:
    if not isinstance(value, dict):
        raise CassetteError(f"{source}: malformed baseline: {where!r} must be an object")
    shapes: dict[str, Shape] = {}
    for key, shape in value.items():
        try:
            shapes[key] = normalize_shape(shape)
            validate_shape(shapes[key])
        except ValueError as exc:
            raise CassetteError(f"{source}: malformed baseline: {where}[{key!r}] {exc}") from None
        except RecursionError:
            raise CassetteError(
                f"{source}: malformed baseline: {where}[{key!r}] is nested too deeply"
            ) from None
    return shapes


def _counts_from(value: Any, source: str, where: str) -> dict[str, dict[str, int]]:
    if not isinstance(value, dict):
        raise CassetteError(f"{source}: malformed baseline: {where!r} must be an object")
    for key, counts in value.items():
        if not (
            isinstance(counts, dict) and all(type(n) is int and n >= 0 for n in counts.values())
        ):
            raise CassetteError(
                f"{source}: malformed baseline: {where}[{key!r}] must map names to counts, "
                f"got {counts!r}"
            )
    return value


def _headers_from(value: Any, source: str) -> dict[str, dict[str, Shape]]:
    if not isinstance(value, dict):
        raise CassetteError(f"{source}: malformed baseline: 'headers' must be an object")
    return {
        operation: _shapes_from(headers, source, f"headers[{operation!r}]")
        for operation, headers in value.items()
    }


def _echoes_from(value: Any, source: str) -> dict[str, dict[str, dict[str, int]]]:
    if not isinstance(value, dict):
        raise CassetteError(f"{source}: malformed baseline: 'echoes' must be an object")
    echoes: dict[str, dict[str, dict[str, int]]] = {}
    for operation, keys in value.items():
        echoes[operation] = _counts_from(keys, source, f"echoes[{operation!r}]")
        for key, outcomes in keys.items():
            unknown = sorted(set(outcomes) - set(ECHOES))
            if unknown:
                raise CassetteError(
                    f"{source}: malformed baseline: echoes[{operation!r}][{key!r}] has "
                    f"{unknown[0]!r}; the ways a value comes back are {', '.join(ECHOES)}"
                )
    return echoes


def _statuses_from(value: Any, source: str) -> dict[str, list[int]]:
    if not isinstance(value, dict):
        raise CassetteError(f"{source}: malformed baseline: 'statuses' must be an object")
    statuses: dict[str, list[int]] = {}
    for kind, codes in value.items():
        if not isinstance(codes, list) or not all(type(c) is int for c in codes):
            raise CassetteError(
                f"{source}: malformed baseline: statuses[{kind!r}] must be a list of "
                f"integers, got {codes!r}"
            )
        statuses[kind] = sorted(set(codes))
    return statuses


def _types_from(value: Any, source: str) -> dict[str, dict[str, DeclaredField]]:
    if not isinstance(value, dict):
        raise CassetteError(f"{source}: malformed baseline: 'types' must be an object")
    types: dict[str, dict[str, DeclaredField]] = {}
    for type_key, fields in value.items():
        if not isinstance(fields, dict):
            raise CassetteError(
                f"{source}: malformed baseline: types[{type_key!r}] must be an object"
            )
        for key, declared in fields.items():
            choices = declared.get("choices", []) if isinstance(declared, dict) else None
            if not (
                isinstance(declared, dict)
                and declared.keys() - {"choices"} == _DECLARED_KEYS.keys()
                and all(type(declared[k]) is t for k, t in _DECLARED_KEYS.items())
                and isinstance(choices, list)
                and all(isinstance(c, str) for c in choices)
            ):
                raise CassetteError(
                    f"{source}: malformed baseline: types[{type_key!r}][{key!r}] must be "
                    '{"type": string, "multiple": boolean, "required": boolean} and, for '
                    'a choices field, "choices": [string, ...]'
                )
        types[type_key] = fields
    return types


def baseline_file(path: str | os.PathLike[str]) -> Path:
    """The file a baseline at ``path`` lives in: ``path/baseline.json`` for a directory."""
    file = Path(path)
    return file / BASELINE_FILE if file.is_dir() else file


def load_baseline(path: str | os.PathLike[str]) -> Baseline:
    """Read a baseline file, or ``<dir>/baseline.json`` when ``path`` is a directory.

    Raises ``CassetteError`` (one line naming the file) when it is missing or unusable;
    as for a cassette, only a regular file of a bounded size is read (a link to a device
    or a named pipe is refused, never read or waited on).
    """
    file = baseline_file(path)
    try:
        text = read_file_bytes(file).decode("utf-8")
    except FileNotFoundError:
        raise CassetteError(f"{file}: no such baseline file; {_RERECORD}") from None
    except UnicodeDecodeError:
        raise CassetteError(f"{file}: not a baseline: not UTF-8 text") from None
    except OSError as exc:
        raise CassetteError(f"{file}: cannot read baseline: {exc.strerror or exc}") from None
    return Baseline.from_json(text, source=str(file))


def write_baseline(path: str | os.PathLike[str], baseline: Baseline) -> Path:
    """Write ``baseline`` to ``path`` (``<dir>/baseline.json`` for a directory).

    The file is replaced atomically, so an interrupted run never leaves half a baseline.
    Returns the file written; raises ``ConfigurationError`` when it cannot be written.
    """
    return write_shared(baseline_file(path), baseline.to_json(), "baseline")


def write_shared(file: Path, text: str, what: str) -> Path:
    """Replace ``file`` with ``text`` atomically, readable by all (a baseline is shared and
    committed); an unwritable path is a ``ConfigurationError`` naming ``what``."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            # mkstemp makes the file private.
            os.chmod(tmp, 0o644)
            os.replace(tmp, file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigurationError(
            f"{file}: cannot write {what}: {exc.strerror or exc}; choose a writable path"
        ) from None
    return file


def _is_id(segment: str, previous: str | None) -> bool:
    if segment == "{id}" or _ID_SEGMENT.fullmatch(segment):
        return True
    prefix, underscore, rest = segment.partition("_")
    if underscore and rest and prefix in _ID_PREFIXES:
        return True
    return bool(segment) and previous in _COLLECTIONS and segment not in _COLLECTIONS


def template_path(path: str) -> str:
    """The path template of a request path: id segments become ``{id}``.

    ``"custom_object/custobj_abc/"`` -> ``"custom_object/{id}/"``. A full URL, a leading
    ``/``, an ``api/v1/`` prefix and the query string are dropped.
    """
    text = urlsplit(path).path.lstrip("/")
    text = _API_PREFIX.sub("", text, count=1) if _API_PREFIX.match(text) else text
    segments = text.split("/")
    templated = [
        "{id}" if _is_id(seg, segments[i - 1] if i else None) else seg
        for i, seg in enumerate(segments)
    ]
    return "/".join(templated)


def operation_key(method: str, path: str, status: int, type_key: str | None = None) -> str:
    """The key of an operation in ``Baseline.operations``: ``"GET custom_object/{id}/ 404"``.

    ``type_key`` (a type's portable name) qualifies an operation whose body is of one
    type: ``"GET custom_object/{id}/ 200 [Subscription]"``. The qualifier comes last and
    runs to the end of the key, so any character in a type name is unambiguous.
    """
    return qualified(f"{method.upper()} {template_path(path)} {status}", type_key)


def qualified(key: str, type_key: str | None) -> str:
    return key if type_key is None else f"{key} [{type_key}]"


def operation_type(key: str) -> str | None:
    """The type key an operation key is qualified with (see :func:`operation_key`)."""
    parts = key.split(" ", 3)
    if len(parts) < 4 or not (parts[3].startswith("[") and parts[3].endswith("]")):
        return None
    return parts[3][1:-1]
