"""Portable names: what a baseline calls custom object types and fields instead of ids.

Ids differ between organizations and deployments (production and a candidate, an org
and its sandbox), names and field types do not. A baseline therefore keys a custom field
``custom.<field name>`` instead of ``custom.cf_<id>`` and a type-specific operation by
the type's name, so a baseline recorded on one organization compares cleanly with
another that has the same types.

A name is used as it is when it is unambiguous. Otherwise the key is made deterministic
with the id, the one thing that tells such fields apart:

- an empty (or missing) name: the id itself (``cf_…`` / ``cotype_…``);
- a name shared by several fields of one type (or several types): ``<name>#<id>``;
- a name containing ``#`` or starting with the id prefix (``cf_``, ``cotype_``):
  ``<name>#<id>``, so a name can never pass for an id or for another field's suffixed
  key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

__all__ = [
    "CUSTOM_PREFIX",
    "DeclaredField",
    "NamedType",
    "PortableNames",
    "TypeDefinition",
    "portable_keys",
]

CUSTOM_PREFIX: Final = "custom."
"""The prefix of every custom field key in an instance (``custom.cf_…``)."""

_SUFFIX: Final = "#"
_TYPE_KEY: Final = "custom_object_type_id"

DeclaredField = dict[str, Any]
"""What a baseline records of a field's definition: ``{"type", "multiple", "required"}``,
and ``"choices"`` (sorted) for a choices field."""


class TypeDefinition(Protocol):
    """A discovered custom object type (``contract.discovery.TypeContract`` is one)."""

    @property
    def type_id(self) -> str:
        """The type's id (``cotype_…``)."""
        ...

    @property
    def name(self) -> str:
        """The type's name (the id when the type has none)."""
        ...

    @property
    def fields(self) -> Sequence[Mapping[str, Any]]:
        """The type's own custom field definitions (``id``, ``name``, ``type``, …)."""
        ...


def portable_keys(entries: Iterable[tuple[str, Any]], id_prefix: str) -> dict[str, str]:
    """A unique, deterministic key for each ``(id, name)``: the name where unambiguous.

    The rules are in the module docstring; ``id_prefix`` is the prefix of the ids
    (``"cf_"``, ``"cotype_"``). Ids must be unique. The result does not depend on the
    order of ``entries``.
    """
    pairs = sorted(dict(entries).items(), key=lambda pair: pair[0])
    named = {
        identifier: name
        for identifier, name in pairs
        if isinstance(name, str) and name.strip() and name != identifier
    }
    counts = Counter(named.values())
    keys: dict[str, str] = {}
    for identifier, _ in pairs:
        name = named.get(identifier)
        if name is None:
            keys[identifier] = identifier
        elif counts[name] > 1 or _SUFFIX in name or name.startswith(id_prefix):
            keys[identifier] = f"{name}{_SUFFIX}{identifier}"
        else:
            keys[identifier] = name
    return _deduplicated(keys)


def _deduplicated(keys: dict[str, str]) -> dict[str, str]:
    # The rules above cannot collide for ids of the documented form; an id that itself
    # holds "#" or looks like another entry's name could, so colliding keys take their
    # id as a suffix until none collide (each round lengthens only colliding keys).
    for _ in range(len(keys) + 1):
        counts = Counter(keys.values())
        if all(n == 1 for n in counts.values()):
            return keys
        keys = {
            identifier: f"{key}{_SUFFIX}{identifier}" if counts[key] > 1 else key
            for identifier, key in keys.items()
        }
    raise ValueError("custom field or type ids are not unique")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class NamedType:
    """One type under its portable name: its key, its fields' keys and definitions."""

    key: str
    fields: Mapping[str, str]
    """``custom.cf_…`` → ``custom.<field key>``."""
    declared: Mapping[str, DeclaredField]
    """``custom.<field key>`` → the field's definition as a baseline records it."""

    def rename(self, instance: Mapping[str, Any]) -> dict[str, Any]:
        """``instance`` with its custom field keys under their portable names.

        Keys of fields this type does not define stay as they are: the target answered
        them, so the baseline shows them (a portable name never starts with ``cf_``, so
        such a key cannot clash with one).
        """
        return {self.fields.get(key, key): value for key, value in instance.items()}

    @property
    def optional_keys(self) -> frozenset[str]:
        """Custom keys of fields that are not required.

        Whether such a key is in an answer depends on what the case sent, so its
        presence says nothing about the API: a baseline always records it as optional.
        """
        return frozenset(key for key, field in self.declared.items() if not field["required"])


def _declared(field: Mapping[str, Any]) -> DeclaredField:
    declared: DeclaredField = {
        "type": str(field.get("type")),
        "multiple": bool(field.get("accepts_multiple_values")),
        "required": bool(field.get("required")),
    }
    choices = field.get("choices")
    if declared["type"] == "choices" and isinstance(choices, list):
        # The choice set is the field's value set: what its answers may hold.
        declared["choices"] = sorted({c for c in choices if isinstance(c, str)})
    return declared


class PortableNames:
    """The portable names of an organization's custom object types and their fields.

    Built from the discovered types (``PortableNames(organization.types)``); a baseline
    recorder uses it to key shapes by names instead of ids.
    """

    def __init__(self, types: Iterable[TypeDefinition] = ()) -> None:
        chosen = list(types)
        type_keys = portable_keys(((t.type_id, t.name) for t in chosen), "cotype_")
        self._types: dict[str, NamedType] = {}
        for definition in chosen:
            fields = [f for f in definition.fields if isinstance(f.get("id"), str)]
            field_keys = portable_keys(((str(f["id"]), f.get("name")) for f in fields), "cf_")
            renamed = {
                f"{CUSTOM_PREFIX}{f['id']}": f"{CUSTOM_PREFIX}{field_keys[str(f['id'])]}"
                for f in fields
            }
            declared = {renamed[f"{CUSTOM_PREFIX}{f['id']}"]: _declared(f) for f in fields}
            self._types[definition.type_id] = NamedType(
                key=type_keys[definition.type_id],
                fields=renamed,
                declared=dict(sorted(declared.items())),
            )

    def named(self, type_id: object) -> NamedType | None:
        """The type with this id, or None for an id not among the discovered types."""
        return self._types.get(type_id) if isinstance(type_id, str) else None

    @property
    def declared(self) -> dict[str, dict[str, DeclaredField]]:
        """Every type's field definitions, by type key and field key (for a baseline)."""
        return {
            named.key: {key: dict(field) for key, field in named.declared.items()}
            for named in sorted(self._types.values(), key=lambda n: n.key)
        }

    def views(self, body: Any) -> list[tuple[NamedType | None, Any]]:
        """``body`` as one view per type it shows, each with portable custom keys.

        An instance is one view of its type. A list (``{"data": [...], ...}``) is one
        view per type of its items, each holding that type's items only, because items
        of different types have different custom keys: merged, every one of them would
        look optional. Anything else, an item of an unknown type or an empty list is
        one view without a type, as it is.
        """
        if not isinstance(body, Mapping):
            return [(None, body)]
        named = self.named(body.get(_TYPE_KEY))
        if named is not None:
            return [(named, named.rename(body))]
        data = body.get("data")
        if not isinstance(data, list) or not data:
            return [(None, body)]
        groups: dict[str | None, list[Any]] = {}
        owners: dict[str | None, NamedType | None] = {}
        for item in data:
            item_type = self.named(item.get(_TYPE_KEY)) if isinstance(item, Mapping) else None
            group = None if item_type is None else item_type.key
            owners[group] = item_type
            groups.setdefault(group, []).append(
                item if item_type is None else item_type.rename(item)
            )
        return [
            (owners[group], {**body, "data": items})
            for group, items in sorted(groups.items(), key=lambda g: (g[0] is not None, g[0] or ""))
        ]
