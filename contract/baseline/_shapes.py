"""Response shapes: what a JSON body looks like, independent of its values.

A shape records keys, JSON types, string formats and nullability, and nothing that varies
from one response to the next (names, ids, timestamps). Shapes are plain JSON-ready dicts,
so a baseline file stores them as they are::

    {"type": "object", "keys": {"id": {"type": "string", "format": "id:custobj_"}},
     "optional": []}

``shape_of`` shapes one observation, ``merge`` unions observations (it is commutative and
associative, so the order of responses never matters), and ``compare`` lists how a newer
shape differs from an older one, each difference with a severity: ``breaking`` when a
client written against the old shape may fail, ``additive`` when it only gains something.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

__all__ = [
    "Difference",
    "DifferenceKind",
    "FoldKeys",
    "Shape",
    "ShapeSeverity",
    "compare",
    "fold_field_errors",
    "format_of",
    "member_path",
    "merge",
    "shape_of",
    "summarize",
    "validate_shape",
]

Shape: TypeAlias = dict[str, Any]
"""A JSON-ready description of a JSON value (see the module docstring)."""

FoldKeys: TypeAlias = Callable[[str], str | None]
"""Given the JSON path of an object, the one key its members fold into, or None."""

DifferenceKind: TypeAlias = Literal[
    "removed_key",
    "added_key",
    "type_change",
    "format_change",
    "nullability_change",
    "became_optional",
    "became_required",
]
"""What changed between two shapes."""

ShapeSeverity: TypeAlias = Literal["breaking", "additive"]
"""``breaking``: old clients may fail; ``additive``: the response only gained something."""

_SEVERITY: dict[str, ShapeSeverity] = {
    "removed_key": "breaking",
    "added_key": "additive",
    "type_change": "breaking",
    "format_change": "breaking",
    "nullability_change": "breaking",
    "became_optional": "breaking",
    "became_required": "additive",
}

# "empty" and "non-json" describe whole bodies that are not JSON documents; they only
# ever appear at the top of an operation's shape.
_TYPES = frozenset({"object", "array", "string", "number", "boolean", "null", "empty", "non-json"})

# Close ids are a lowercase resource prefix, an underscore and a long base62 string; the
# prefix is what a client relies on, the rest is data.
_ID = re.compile(r"([A-Za-z]+_)[A-Za-z0-9]{10,}", re.ASCII)
_DATE = r"\d{4}-\d{2}-\d{2}"
_DATETIME = _DATE + r"[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
_DATETIME_OFFSET = re.compile(_DATETIME + r"(?:[Zz]|[+-]\d{2}:?\d{2})", re.ASCII)
_DATETIME_NAIVE = re.compile(_DATETIME, re.ASCII)
_DATE_ONLY = re.compile(_DATE, re.ASCII)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


@dataclass(frozen=True, slots=True)
class Difference:
    """One way a newer shape differs from an older one.

    ``path`` is a JSON path (``$.data[*].name``, ``$["custom.Seats"]``); ``old`` and ``new``
    are JSON-ready: shapes for removed and added keys (``None`` on the absent side),
    types, formats (``None`` = no recognisable format), or the words ``"nullable"`` /
    ``"non-nullable"`` and ``"required"`` / ``"optional"``.
    """

    path: str
    kind: DifferenceKind
    old: Any
    new: Any
    severity: ShapeSeverity


def member_path(parent: str, key: str) -> str:
    """The JSON path of ``key`` inside the object at ``parent``.

    Identifiers use dot notation (``$.lead_id``), other keys bracket notation
    (``$["custom.Seats"]``), and ``"*"`` (the folded entry of a map) the wildcard ``.*``.
    """
    if key == "*":
        return f"{parent}.*"
    if _IDENTIFIER.fullmatch(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def fold_field_errors(path: str) -> str | None:
    """The default key folding: validation-error maps fold their keys into ``"*"``.

    A ``field-errors`` object is keyed by the request keys that failed, which differ from
    case to case, so its keys are data rather than shape. Close nests errors for list
    fields as an ``errors`` object keyed by position (``{"0": {...}}``), which is data too.
    """
    if path.endswith('["field-errors"]') or path.endswith(".errors"):
        return "*"
    return None


def format_of(text: str) -> str | None:
    """The recognisable format of a string: ``id:<prefix>_``, a datetime or a date."""
    match = _ID.fullmatch(text)
    if match:
        return f"id:{match.group(1)}"
    if _DATETIME_OFFSET.fullmatch(text):
        return "datetime+offset"
    if _DATETIME_NAIVE.fullmatch(text):
        return "datetime-naive"
    if _DATE_ONLY.fullmatch(text):
        return "date"
    return None


def shape_of(value: Any, *, fold_keys: FoldKeys | None = fold_field_errors) -> Shape:
    """The shape of one parsed JSON value.

    ``fold_keys`` decides, for each object's JSON path, whether the object is a map whose
    keys are data: it returns the key every member folds into (the map's values are
    merged under it) or None to shape each key on its own. Pass ``None`` to fold nothing.
    Custom field keys stay individual: a baseline recorder renames them to
    ``custom.<field name>`` before shaping (see ``PortableNames``), which is stable across
    organizations.
    """
    return _shape(value, "$", fold_keys)


def _shape(value: Any, path: str, fold: FoldKeys | None) -> Shape:
    if value is None:
        return {"type": "null"}
    # bool before number: in Python a bool is an int.
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int | float):
        return {"type": "number"}
    if isinstance(value, str):
        fmt = format_of(value)
        return {"type": "string"} if fmt is None else {"type": "string", "format": fmt}
    if isinstance(value, Mapping):
        folded = fold(path) if fold is not None else None
        if folded is not None:
            entry_path = member_path(path, folded)
            entry: Shape | None = None
            for item in value.values():
                seen = _shape(item, entry_path, fold)
                entry = seen if entry is None else merge(entry, seen)
            return {"type": "object", "keys": {} if entry is None else {folded: entry}, "map": True}
        keys = {str(k): _shape(v, member_path(path, str(k)), fold) for k, v in value.items()}
        return {"type": "object", "keys": keys, "optional": []}
    if isinstance(value, list | tuple):
        items: Shape | None = None
        for item in value:
            seen = _shape(item, f"{path}[*]", fold)
            items = seen if items is None else merge(items, seen)
        return {"type": "array", "items": items}
    raise TypeError(f"not a JSON value at {path}: {type(value).__name__}")


def _types(shape: Shape) -> frozenset[str]:
    kind = shape["type"]
    types = {kind} if isinstance(kind, str) else set(kind)
    if shape.get("nullable"):
        types.add("null")
    return frozenset(types)


def _type_value(types: frozenset[str]) -> str | list[str]:
    """The ``type`` field for a set of types, ignoring null (which is ``nullable``)."""
    concrete = sorted(types - {"null"})
    if not concrete:
        return "null"
    return concrete[0] if len(concrete) == 1 else concrete


def merge(a: Shape, b: Shape) -> Shape:
    """The shape of every value seen in ``a`` or in ``b`` (commutative, associative).

    Types are unioned (a null next to other types becomes ``"nullable": true``), object
    keys seen on one side only become optional, array items merge, and a string format
    survives only when both sides agree on it.
    """
    ta, tb = _types(a), _types(b)
    types = ta | tb
    result: Shape = {"type": _type_value(types)}
    if types == {"null"}:
        return result
    if "null" in types:
        result["nullable"] = True
    if "string" in types:
        fmt = _merge_format(a if "string" in ta else None, b if "string" in tb else None)
        if fmt is not None:
            result["format"] = fmt
    if "array" in types:
        ia = a.get("items") if "array" in ta else None
        ib = b.get("items") if "array" in tb else None
        result["items"] = ia if ib is None else ib if ia is None else merge(ia, ib)
    if "object" in types:
        result.update(_merge_object(a if "object" in ta else None, b if "object" in tb else None))
    return result


def _merge_format(a: Shape | None, b: Shape | None) -> str | None:
    if a is None or b is None:
        side = a if b is None else b
        return None if side is None else side.get("format")
    fa, fb = a.get("format"), b.get("format")
    return fa if fa == fb else None


def _merge_object(a: Shape | None, b: Shape | None) -> Shape:
    if a is None or b is None:
        side = a if b is None else b
        assert side is not None
        if side.get("map"):
            return {"keys": dict(side.get("keys", {})), "map": True}
        return {"keys": dict(side.get("keys", {})), "optional": sorted(side.get("optional", []))}
    ka: dict[str, Shape] = a.get("keys", {})
    kb: dict[str, Shape] = b.get("keys", {})
    keys = {
        name: merge(ka[name], kb[name]) if name in ka and name in kb else ka.get(name) or kb[name]
        for name in sorted(ka.keys() | kb.keys())
    }
    # A map's keys are data, so "seen only sometimes" says nothing about it.
    if a.get("map") or b.get("map"):
        return {"keys": keys, "map": True}
    optional = set(a.get("optional", [])) | set(b.get("optional", [])) | (ka.keys() ^ kb.keys())
    return {"keys": keys, "optional": sorted(optional)}


def compare(old: Shape, new: Shape, path: str = "$", *, partial: bool = False) -> list[Difference]:
    """Every way ``new`` differs from ``old``, depth first, keys in sorted order.

    Narrowing is not a difference: a nullable value now never null, a union type now
    one of its members, a string gaining a format, an optional key now absent. With
    ``partial=True`` ``new`` is a subset of observations (a run still in progress, fewer
    examples), so a key that happens to be present in all of them is not reported as
    ``became_required``.
    """
    found: list[Difference] = []
    _compare(old, new, path, partial, found)
    return found


def _difference(path: str, kind: DifferenceKind, old: Any, new: Any) -> Difference:
    return Difference(path=path, kind=kind, old=old, new=new, severity=_SEVERITY[kind])


def _compare(old: Shape, new: Shape, path: str, partial: bool, found: list[Difference]) -> None:
    to, tn = _types(old), _types(new)
    if "null" in tn and "null" not in to:
        found.append(_difference(path, "nullability_change", "non-nullable", "nullable"))
    if (tn - {"null"}) - to:
        found.append(_difference(path, "type_change", _type_value(to), _type_value(tn)))
    common = to & tn
    if "string" in common:
        fo, fn = old.get("format"), new.get("format")
        if fo is not None and fn != fo:
            found.append(_difference(path, "format_change", fo, fn))
    if "array" in common:
        io, inew = old.get("items"), new.get("items")
        # An always-empty array on either side is no evidence about its items.
        if io is not None and inew is not None:
            _compare(io, inew, f"{path}[*]", partial, found)
    if "object" in common:
        _compare_objects(old, new, path, partial, found)


def _compare_objects(
    old: Shape, new: Shape, path: str, partial: bool, found: list[Difference]
) -> None:
    ko: dict[str, Shape] = old.get("keys", {})
    kn: dict[str, Shape] = new.get("keys", {})
    if old.get("map") and new.get("map"):
        for name in sorted(ko.keys() & kn.keys()):
            _compare(ko[name], kn[name], member_path(path, name), partial, found)
        return
    opt_old, opt_new = set(old.get("optional", [])), set(new.get("optional", []))
    for name in sorted(ko.keys() | kn.keys()):
        where = member_path(path, name)
        if name not in kn:
            # An optional key may simply not have come up this time.
            if name not in opt_old:
                found.append(_difference(where, "removed_key", ko[name], None))
            continue
        if name not in ko:
            found.append(_difference(where, "added_key", None, kn[name]))
            continue
        was_optional, is_optional = name in opt_old, name in opt_new
        if is_optional and not was_optional:
            found.append(_difference(where, "became_optional", "required", "optional"))
        elif was_optional and not is_optional and not partial:
            found.append(_difference(where, "became_required", "optional", "required"))
        _compare(ko[name], kn[name], where, partial, found)


def summarize(shape: Shape) -> str:
    """A short human reading of a shape: ``string[id:user_]``, ``number | null``, ``map``."""
    types = _types(shape)
    parts: list[str] = []
    for kind in sorted(types - {"null"}):
        if kind == "string" and shape.get("format"):
            parts.append(f"string[{shape['format']}]")
        elif kind == "object" and shape.get("map"):
            parts.append("map")
        else:
            parts.append(kind)
    if "null" in types:
        parts.append("null")
    return " | ".join(parts)


def validate_shape(value: Any, path: str = "$") -> None:
    """Raise ``ValueError`` naming the first place where ``value`` is not a shape."""
    if not isinstance(value, dict):
        raise ValueError(f"{path}: a shape must be an object, got {type(value).__name__}")
    kind = value.get("type")
    names = [kind] if isinstance(kind, str) else kind
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{path}: 'type' must be a type name or a list of them, got {kind!r}")
    unknown = sorted(set(names) - _TYPES)
    if unknown:
        raise ValueError(
            f"{path}: unknown type {unknown[0]!r} (known: {', '.join(sorted(_TYPES))})"
        )
    for flag in ("nullable", "map"):
        if flag in value and not isinstance(value[flag], bool):
            raise ValueError(f"{path}: {flag!r} must be true or false, got {value[flag]!r}")
    if "format" in value and not isinstance(value["format"], str):
        raise ValueError(f"{path}: 'format' must be a string, got {value['format']!r}")
    optional = value.get("optional", [])
    if not isinstance(optional, list) or not all(isinstance(n, str) for n in optional):
        raise ValueError(f"{path}: 'optional' must be a list of key names, got {optional!r}")
    keys = value.get("keys", {})
    if not isinstance(keys, dict):
        raise ValueError(f"{path}: 'keys' must be an object, got {type(keys).__name__}")
    for name, child in keys.items():
        validate_shape(child, member_path(path, name))
    items = value.get("items")
    if items is not None:
        validate_shape(items, f"{path}[*]")
