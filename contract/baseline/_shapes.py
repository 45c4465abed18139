"""Response shapes: what a JSON body looks like, independent of its values.

A shape records keys, JSON types, string formats, nullability and how many values it
describes, and nothing that varies from one response to the next (names, ids,
timestamps). Shapes are plain JSON-ready dicts, so a baseline file stores them as they
are::

    {"type": "object", "count": 12, "optional": [],
     "keys": {"id": {"type": "string", "format": "id:custobj_", "count": 12}}}

``count`` is how many values a node describes: for an object's key, in how many of the
object's ``count`` answers it was present. Two annotations describe the values themselves,
and a recorder keeps them only where the server makes the value (see
``BaselineRecorder``): ``"integer": true`` on a number that only ever held integers, and
``"values": [...]`` on a string without a format that held at most
:data:`MAX_VALUES` distinct values (``"many": true`` once it held more).

``shape_of`` shapes one observation, ``merge`` unions observations (it is commutative and
associative, so the order of responses never matters; counts add up), and ``compare``
lists how a newer shape differs from an older one, each difference with a severity:
``breaking`` when a client written against the old shape may fail, ``additive`` when it
only gains something. Decisions that rest on presence ("always", "sometimes", "gone") are
taken only where the counts of both sides say so (:data:`FLAP_CHANCE`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

__all__ = [
    "MAX_VALUES",
    "FLAP_CHANCE",
    "MIN_VALUE_SAMPLES",
    "Difference",
    "DifferenceKind",
    "FoldKeys",
    "Shape",
    "ShapeScope",
    "ShapeSeverity",
    "compare",
    "fold_field_errors",
    "format_of",
    "member_path",
    "merge",
    "normalize_shape",
    "presence_change",
    "shape_of",
    "steady_chance",
    "summarize",
    "validate_shape",
]

Shape: TypeAlias = dict[str, Any]
"""A JSON-ready description of a JSON value (see the module docstring)."""

FoldKeys: TypeAlias = Callable[[str], str | None]
"""Given the JSON path of an object, the one key its members fold into, or None."""

DifferenceKind: TypeAlias = Literal[
    "removed_key",
    "optional_key_removed",
    "added_key",
    "type_change",
    "became_non_integer",
    "format_change",
    "nullability_change",
    "became_optional",
    "became_required",
    "value_added",
]
"""What changed between two shapes."""

ShapeSeverity: TypeAlias = Literal["breaking", "additive"]
"""``breaking``: old clients may fail; ``additive``: the response only gained something."""

FLAP_CHANCE: Final = 0.01
"""The most chance a steady presence may have of explaining a change: a key (or header)
counts as removed, added, become optional or become required only when a presence rate
that did not change, whatever it is, would show counts this far apart less often than
this (see :func:`steady_chance`). Both sides must hold enough samples for that."""

MIN_VALUE_SAMPLES: Final = 30
"""How many values a server-made string or number must have been seen with before its
value set or its "integer only" is pinned."""

MAX_VALUES: Final = 5
"""The most distinct values a value set holds: a string with more is data, not a set."""

# A string longer than this is prose or data, never a member of a value set.
_MAX_VALUE_LENGTH: Final = 64

_SEVERITY: dict[str, ShapeSeverity] = {
    "removed_key": "breaking",
    "optional_key_removed": "breaking",
    "added_key": "additive",
    "type_change": "breaking",
    "became_non_integer": "breaking",
    "format_change": "breaking",
    "nullability_change": "breaking",
    "became_optional": "breaking",
    "became_required": "additive",
    "value_added": "breaking",
}

# "empty" and "non-json" describe whole bodies that are not JSON documents; they only
# ever appear at the top of an operation's shape. "integer" is read as a number that only
# held integers (see normalize_shape), so an edited baseline may say it plainly.
_TYPES = frozenset({"object", "array", "string", "number", "boolean", "null", "empty", "non-json"})
_ANNOTATIONS = ("values", "many", "integer")

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
    types, formats (``None`` = no recognisable format), the words ``"nullable"`` /
    ``"non-nullable"``, ``"required"`` / ``"optional"`` and ``"integer"`` / ``"number"``,
    or for ``value_added`` the old value set and the values never seen before (``"many"``
    when there were too many to list).
    """

    path: str
    kind: DifferenceKind
    old: Any
    new: Any
    severity: ShapeSeverity


@dataclass(frozen=True, slots=True)
class ShapeScope:
    """What ``compare`` must know beyond two shapes.

    ``partial``: the new shape is a subset of observations (a run, fewer examples), so a
    key present every time is not ``became_required``. ``data_paths``: paths of keys
    whose presence follows what a case sent (custom fields that are not required): their
    coming and going says nothing about the API. ``choices``: the values a path may hold
    by its field definition (a choices field), compared instead of an observed value set.
    """

    partial: bool = False
    data_paths: frozenset[str] = frozenset()
    choices: Mapping[str, frozenset[str]] = field(default_factory=dict)


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
    """The shape of one parsed JSON value (every ``count`` is 1 or an array's length).

    ``fold_keys`` decides, for each object's JSON path, whether the object is a map whose
    keys are data: it returns the key every member folds into (the map's values are
    merged under it) or None to shape each key on its own. Pass ``None`` to fold nothing.
    Custom field keys stay individual: a baseline recorder renames them to
    ``custom.<field name>`` before shaping (see ``PortableNames``), which is stable across
    organizations.
    """
    return _shape(value, "$", fold_keys, True)


def _shape(value: Any, path: str, fold: FoldKeys | None, values: bool) -> Shape:
    # ``values``: whether to keep what the values were; never inside a map, whose
    # entries are data (a validation error's messages).
    if value is None:
        return {"type": "null", "count": 1}
    # bool before number: in Python a bool is an int.
    if isinstance(value, bool):
        return {"type": "boolean", "count": 1}
    if isinstance(value, int | float):
        if not values:
            return {"type": "number", "count": 1}
        integral = isinstance(value, int) or value.is_integer()
        return {"type": "number", "count": 1, "integer": integral}
    if isinstance(value, str):
        fmt = format_of(value)
        if fmt is not None:
            return {"type": "string", "format": fmt, "count": 1}
        if not values:
            return {"type": "string", "count": 1}
        if len(value) > _MAX_VALUE_LENGTH:
            return {"type": "string", "count": 1, "many": True}
        return {"type": "string", "count": 1, "values": [value]}
    if isinstance(value, Mapping):
        folded = fold(path) if fold is not None else None
        if folded is not None:
            entry_path = member_path(path, folded)
            entry: Shape | None = None
            for item in value.values():
                seen = _shape(item, entry_path, fold, False)
                entry = seen if entry is None else merge(entry, seen)
            keys = {} if entry is None else {folded: entry}
            return {"type": "object", "count": 1, "keys": keys, "map": True}
        keys = {
            str(k): _shape(v, member_path(path, str(k)), fold, values) for k, v in value.items()
        }
        return {"type": "object", "count": 1, "keys": keys, "optional": []}
    if isinstance(value, list | tuple):
        items: Shape | None = None
        for item in value:
            seen = _shape(item, f"{path}[*]", fold, values)
            items = seen if items is None else merge(items, seen)
        return {"type": "array", "count": 1, "items": items}
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
    keys seen on one side only become optional, array items merge, a string format
    survives only when both sides agree on it, counts add up, value sets union (beyond
    :data:`MAX_VALUES` values they become ``many``) and a number stays ``integer`` only
    when both sides only held integers. A side without a count (an edited baseline)
    leaves the result without one.
    """
    ta, tb = _types(a), _types(b)
    types = ta | tb
    result: Shape = {"type": _type_value(types)}
    if "count" in a and "count" in b:
        result["count"] = a["count"] + b["count"]
    if types == {"null"}:
        return result
    if "null" in types:
        result["nullable"] = True
    if "string" in types:
        sa, sb = (a if "string" in ta else None), (b if "string" in tb else None)
        fmt = _merge_format(sa, sb)
        if fmt is not None:
            result["format"] = fmt
        result.update(_merge_values(sa, sb))
    if "number" in types:
        na, nb = (a if "number" in ta else None), (b if "number" in tb else None)
        result.update(_merge_integer(na, nb))
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


def _value_state(side: Shape) -> frozenset[str] | Literal["many", "unknown"]:
    # A value set, "many" (more values were seen than a set holds), or "unknown" (none
    # were kept: a format, an edited baseline, a value the recorder does not pin).
    if side.get("many"):
        return "many"
    values = side.get("values")
    return frozenset(values) if isinstance(values, list) else "unknown"


def _merge_values(a: Shape | None, b: Shape | None) -> Shape:
    states = [_value_state(side) for side in (a, b) if side is not None]
    if "unknown" in states:
        return {}
    if "many" in states:
        return {"many": True}
    union: frozenset[str] = frozenset().union(*(s for s in states if isinstance(s, frozenset)))
    if len(union) > MAX_VALUES:
        return {"many": True}
    return {"values": sorted(union)}


def _merge_integer(a: Shape | None, b: Shape | None) -> Shape:
    flags = [side.get("integer") for side in (a, b) if side is not None]
    if any(flag is None for flag in flags):
        return {}
    return {"integer": all(flags)}


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


def compare(
    old: Shape,
    new: Shape,
    path: str = "$",
    *,
    partial: bool = False,
    scope: ShapeScope | None = None,
) -> list[Difference]:
    """Every way ``new`` differs from ``old``, depth first, keys in sorted order.

    Narrowing is not a difference: a nullable value now never null, a union type now
    one of its members, a string gaining a format, a value set that shrank. With
    ``partial=True`` ``new`` is a subset of observations (a run still in progress, fewer
    examples), so a key that happens to be present in all of them is not reported as
    ``became_required``. Presence is judged only where the counts of both sides say it
    changed (see :func:`presence_change`). ``scope`` (see :class:`ShapeScope`) names keys
    whose presence is data and the choices a path may hold.
    """
    context = scope or ShapeScope()
    if partial and not context.partial:
        context = ShapeScope(True, context.data_paths, context.choices)
    found: list[Difference] = []
    _compare(old, new, path, context, found)
    return found


def _difference(path: str, kind: DifferenceKind, old: Any, new: Any) -> Difference:
    return Difference(path=path, kind=kind, old=old, new=new, severity=_SEVERITY[kind])


def _outward(n: int, start: int, step: int, log_q: float, log_p: float) -> float:
    """The sum of Binomial(n, q) probabilities from ``start`` away from the mean (``step``
    +1 or -1), where they only shrink: it stops once they no longer count."""
    lg, total, j = math.lgamma, 0.0, start
    while 0 <= j <= n:
        term = math.exp(lg(n + 1) - lg(j + 1) - lg(n - j + 1) + j * log_q + (n - j) * log_p)
        total += term
        if term <= total * 1e-16:
            break
        j += step
    return min(total, 1.0)


def _binomial_tail(n: int, k: int, q: float, *, at_least: bool) -> float:
    """P(X >= k) (or P(X <= k)) for X ~ Binomial(n, q): the tail beyond ``k`` is summed
    outward, a tail that holds the mean as one minus the other side's."""
    if (at_least and k <= 0) or (not at_least and k >= n):
        return 1.0
    log_q, log_p, mean = math.log(q), math.log1p(-q), n * q
    if at_least:
        if k >= mean:
            return _outward(n, k, 1, log_q, log_p)
        return max(0.0, 1.0 - _outward(n, k - 1, -1, log_q, log_p))
    if k <= mean:
        return _outward(n, k, -1, log_q, log_p)
    return max(0.0, 1.0 - _outward(n, k + 1, 1, log_q, log_p))


_RATES: Final = tuple(i / 400 for i in range(1, 400))


def steady_chance(seen_old: int, count_old: int, seen_new: int, count_new: int) -> float:
    """The most likely a presence rate that did not change is to show counts this far
    apart: ``seen_old`` of ``count_old`` answers on the old side, ``seen_new`` of
    ``count_new`` on the new one.

    For every steady rate q, the chance that the old side shows at least as many (the
    new side at most as many) presences as it did, or the other way round; the largest
    over q. A key in all of 9 old answers and in none of 4 new ones: 0.0003. In all of 9
    and none of 1: 0.04, too likely to tell from a key that is simply there 90% of the
    time.
    """
    if count_old <= 0 or count_new <= 0:
        return 1.0
    fewer = seen_new * count_old < seen_old * count_new
    best = 0.0
    for q in _RATES:
        old = _binomial_tail(count_old, seen_old, q, at_least=fewer)
        new = _binomial_tail(count_new, seen_new, q, at_least=not fewer)
        best = max(best, old * new)
    return best


def presence_change(
    was: Shape | None,
    now: Shape | None,
    parents: tuple[Any, Any],
    always: tuple[bool, bool],
    *,
    partial: bool = False,
) -> DifferenceKind | None:
    """How a key's (or a header's) presence changed, if the counts say it did.

    ``was``/``now`` are its shapes (None where it is absent), whose ``count`` says in how
    many answers it was; ``parents`` how many answers each side holds; ``always`` whether
    it was in every answer on each side. A change is one only where a steady presence
    would explain the counts with less than :data:`FLAP_CHANCE`. Without counts (an
    edited baseline) the words are taken as they are, except that an optional key that
    did not come up is not removed. With ``partial`` a key now present every time is not
    ``became_required`` (a run may just have seen it every time).
    """
    if was is None and now is None:
        return None
    kind: DifferenceKind
    if now is None:
        kind = "removed_key" if always[0] else "optional_key_removed"
    elif was is None:
        kind = "added_key"
    elif always[0] and not always[1]:
        kind = "became_optional"
    elif not always[0] and always[1] and not partial:
        kind = "became_required"
    else:
        return None
    seen_old = 0 if was is None else was.get("count")
    seen_new = 0 if now is None else now.get("count")
    counts = [n for n in (seen_old, parents[0], seen_new, parents[1]) if isinstance(n, int)]
    if len(counts) < 4:
        return None if kind == "optional_key_removed" else kind
    if steady_chance(*counts) < FLAP_CHANCE:
        return kind
    return None


def _compare(old: Shape, new: Shape, path: str, scope: ShapeScope, found: list[Difference]) -> None:
    to, tn = _types(old), _types(new)
    if "null" in tn and "null" not in to:
        found.append(_difference(path, "nullability_change", "non-nullable", "nullable"))
    if (tn - {"null"}) - to:
        found.append(_difference(path, "type_change", _type_value(to), _type_value(tn)))
    common = to & tn
    if "number" in common and old.get("integer") is True and new.get("integer") is False:
        found.append(_difference(path, "became_non_integer", "integer", "number"))
    if "string" in common:
        fo, fn = old.get("format"), new.get("format")
        if fo is not None and fn != fo:
            found.append(_difference(path, "format_change", fo, fn))
        _compare_values(old, new, path, scope, found)
    if "array" in common:
        io, inew = old.get("items"), new.get("items")
        # An always-empty array on either side is no evidence about its items.
        if io is not None and inew is not None:
            _compare(io, inew, f"{path}[*]", scope, found)
    if "object" in common:
        _compare_objects(old, new, path, scope, found)


def _compare_values(
    old: Shape, new: Shape, path: str, scope: ShapeScope, found: list[Difference]
) -> None:
    allowed = scope.choices.get(path)
    state = _value_state(new)
    if allowed is not None:
        # A choices field: what its definition lists, not what this run happened to send.
        if isinstance(state, frozenset) and state - allowed:
            found.append(_difference(path, "value_added", sorted(allowed), sorted(state - allowed)))
        return
    before = _value_state(old)
    if not isinstance(before, frozenset) or path in scope.data_paths:
        return
    if state == "many":
        found.append(_difference(path, "value_added", sorted(before), "many"))
    elif isinstance(state, frozenset) and state - before:
        found.append(_difference(path, "value_added", sorted(before), sorted(state - before)))


def _compare_objects(
    old: Shape, new: Shape, path: str, scope: ShapeScope, found: list[Difference]
) -> None:
    ko: dict[str, Shape] = old.get("keys", {})
    kn: dict[str, Shape] = new.get("keys", {})
    if old.get("map") and new.get("map"):
        for name in sorted(ko.keys() & kn.keys()):
            _compare(ko[name], kn[name], member_path(path, name), scope, found)
        return
    opt_old, opt_new = set(old.get("optional", [])), set(new.get("optional", []))
    parents = (old.get("count"), new.get("count"))
    for name in sorted(ko.keys() | kn.keys()):
        where = member_path(path, name)
        was, now = ko.get(name), kn.get(name)
        if where not in scope.data_paths:
            always = (name not in opt_old, name not in opt_new)
            kind = presence_change(was, now, parents, always, partial=scope.partial)
            if kind is not None:
                found.append(_difference(where, kind, *_presence_words(kind, was, now)))
        if was is not None and now is not None:
            _compare(was, now, where, scope, found)


def _presence_words(kind: DifferenceKind, was: Shape | None, now: Shape | None) -> tuple[Any, Any]:
    if kind == "became_optional":
        return "required", "optional"
    if kind == "became_required":
        return "optional", "required"
    return was, now


def summarize(shape: Shape) -> str:
    """A short human reading of a shape: ``string[id:user_]``, ``integer | null``, ``map``,
    ``string{a|b}`` (a value set)."""
    types = _types(shape)
    parts: list[str] = []
    for kind in sorted(types - {"null"}):
        if kind == "string" and shape.get("format"):
            parts.append(f"string[{shape['format']}]")
        elif kind == "string" and isinstance(shape.get("values"), list):
            parts.append("string{" + "|".join(shape["values"]) + "}")
        elif kind == "number" and shape.get("integer") is True:
            parts.append("integer")
        elif kind == "object" and shape.get("map"):
            parts.append("map")
        else:
            parts.append(kind)
    if "null" in types:
        parts.append("null")
    return " | ".join(parts)


def normalize_shape(value: Any) -> Any:
    """An edited shape made regular: ``"type": "integer"`` reads as a number that only
    held integers. Anything that is not a shape is returned as it is (validation says
    what is wrong with it)."""
    if not isinstance(value, dict):
        return value
    result = dict(value)
    kind = result.get("type")
    names = [kind] if isinstance(kind, str) else kind
    if isinstance(names, list) and "integer" in names:
        rest = [n for n in names if n != "integer"]
        if "number" not in rest:
            rest.append("number")
        result["type"] = rest[0] if len(rest) == 1 else sorted(rest)
        result.setdefault("integer", True)
    if isinstance(result.get("items"), dict):
        result["items"] = normalize_shape(result["items"])
    if isinstance(result.get("keys"), dict):
        result["keys"] = {name: normalize_shape(child) for name, child in result["keys"].items()}
    return result


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
            f"{path}: unknown type {unknown[0]!r} (known: {', '.join(sorted(_TYPES))}; "
            'an integer is a number with "integer": true)'
        )
    for flag in ("nullable", "map", "many", "integer"):
        if flag in value and not isinstance(value[flag], bool):
            raise ValueError(f"{path}: {flag!r} must be true or false, got {value[flag]!r}")
    if "format" in value and not isinstance(value["format"], str):
        raise ValueError(f"{path}: 'format' must be a string, got {value['format']!r}")
    count = value.get("count", 0)
    if type(count) is not int or count < 0:
        raise ValueError(f"{path}: 'count' must be a whole number, got {count!r}")
    values = value.get("values", [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{path}: 'values' must be a list of strings, got {values!r}")
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
