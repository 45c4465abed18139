"""Valid create payloads, built field by field from a per-type request schema."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from strategies import _values
from strategies._case import SUCCESS, Case
from strategies._model import Field, MissingReferenceError, TypeModel, model_of

__all__ = ["Plan", "References", "plan_for", "valid_payloads"]

References = Mapping[str, Sequence[str]]
_MAX_ITEMS = 5
_SMALL_POOL = 16  # multi-value pools up to this size are drawn as subsets
_SCALARS: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
    "text": _values.texts,
    "number": _values.numbers,
    "date": _values.dates,
    "datetime": _values.datetimes,
}


@dataclass(frozen=True, slots=True)
class Plan:
    """How to draw a valid payload for one type: the lead ids and one entry per field.

    A field whose strategy is ``None`` is left out (an optional reference field without
    known ids).
    """

    model: TypeModel
    leads: st.SearchStrategy[str]
    values: tuple[tuple[Field, st.SearchStrategy[Any] | None], ...]

    @property
    def order(self) -> tuple[str, ...]:
        """Every key a payload may hold, in schema order."""
        return ("custom_object_type_id", "lead_id", "name", *(f.key for f, _ in self.values))


def _unique_key(value: Any) -> Any:
    # JSON Schema's uniqueItems treats 1 and 1.0 as equal; so must the generator.
    return float(value) if isinstance(value, int | float) else value


def _ids_for(
    model: TypeModel, key: str, pattern: str | None, needed_by: str, refs: References
) -> list[str]:
    # Duplicates dropped: a multi-value list of them would break uniqueItems.
    known = list(dict.fromkeys(refs.get(key) or ()))
    for value in known:
        if not isinstance(value, str) or (pattern and not re.search(pattern, value)):
            raise ValueError(
                f"references[{key!r}] holds {value!r}, which {needed_by} of {model.label()} "
                f"cannot take (it must match {pattern}): pass ids of existing objects"
            )
    return known


def _field_values(
    model: TypeModel, field: Field, refs: References
) -> st.SearchStrategy[Any] | None:
    scalar: st.SearchStrategy[Any]
    pool: tuple[Any, ...] = ()  # the finite set of allowed values, if there is one
    if not field.known_type:
        return _values.short_strings()
    if field.reference is not None:
        pool = tuple(_ids_for(model, field.reference, field.pattern, field.label(), refs))
        if not pool:
            if field.required:
                raise MissingReferenceError(
                    f"the required field {field.label()} of {model.label()} needs ids of "
                    f"existing objects: pass references={{{field.reference!r}: [...]}}"
                )
            return None
        scalar = st.sampled_from(pool)
    elif field.choices:
        pool = tuple(dict.fromkeys(field.choices))
        scalar = st.sampled_from(pool)
    elif field.type in _SCALARS:
        scalar = _SCALARS[field.type]()
    else:
        # A choices field whose choices the schema does not list accepts any string.
        scalar = _values.names()
    if not field.multi:
        return scalar
    if pool and len(pool) <= _SMALL_POOL:
        return _subsets(pool)
    limit = min(_MAX_ITEMS, len(pool)) if pool else _MAX_ITEMS
    return st.one_of(
        st.lists(scalar, min_size=1, max_size=limit, unique_by=_unique_key),
        st.lists(scalar, min_size=limit, max_size=limit, unique_by=_unique_key),
    )


def _subsets(pool: tuple[Any, ...]) -> st.SearchStrategy[list[Any]]:
    """Non-empty lists of distinct items of ``pool``, in varied orders; the edges (every
    item, a single item) are drawn often.

    Two draws (which items, where the list starts) instead of two per item plus the
    retries a unique list needs. Every item at once is what an echo that keeps only the
    first few values changes; one item is what an echo that unwraps one-element lists does.
    """

    def pick(mask: int, start: int) -> list[Any]:
        chosen = [item for index, item in enumerate(pool) if mask >> index & 1]
        start %= len(chosen)
        return chosen[start:] + chosen[:start]

    every = (1 << len(pool)) - 1
    singles = [1 << index for index in range(len(pool))]
    masks = st.one_of(
        st.integers(min_value=1, max_value=every), st.just(every), st.sampled_from(singles)
    )
    return st.builds(pick, masks, st.integers(min_value=0, max_value=len(pool) - 1))


def plan_for(request_schema: Mapping[str, Any], references: References | None) -> Plan:
    """Check ``references`` against the schema and prepare the per-field strategies.

    Raises :class:`MissingReferenceError` when a lead id or the ids for a required
    reference field are missing, so the error surfaces when the strategy is built.
    """
    model = model_of(request_schema)
    refs: References = references or {}
    leads = _ids_for(model, "lead", model.lead_pattern, "lead_id", refs)
    if not leads:
        raise MissingReferenceError(
            f"lead_id of {model.label()} needs the id of an existing lead: "
            "pass references={'lead': ['lead_…']}"
        )
    values = tuple((field, _field_values(model, field, refs)) for field in model.fields)
    return Plan(model=model, leads=st.sampled_from(leads), values=values)


_NAMES = _values.names()


def _presence(count: int) -> st.SearchStrategy[int]:
    # One integer whose bits say which optional fields are present: a single draw instead
    # of one boolean per field (generation speed); it shrinks to "all absent".
    return st.integers(min_value=0, max_value=(1 << count) - 1)


@st.composite
def _payloads(
    draw: st.DrawFn,
    plan: Plan,
    required: tuple[tuple[str, st.SearchStrategy[Any]], ...],
    optional: tuple[tuple[str, st.SearchStrategy[Any]], ...],
    presence: st.SearchStrategy[int],
    order: tuple[str, ...],
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "custom_object_type_id": plan.model.type_id,
        "lead_id": draw(plan.leads),
        "name": draw(_NAMES),
    }
    present = draw(presence) if optional else 0
    for index, (key, values) in enumerate(optional):
        if present >> index & 1:
            payload[key] = draw(values)
    for key, values in required:
        payload[key] = draw(values)
    # Keys in the schema's field order, whatever order they were drawn in.
    return {key: payload[key] for key in order if key in payload}


def payloads(plan: Plan) -> st.SearchStrategy[dict[str, Any]]:
    """Valid payload dicts following ``plan``."""
    drawable = [(field, values) for field, values in plan.values if values is not None]
    required = tuple((f.key, v) for f, v in drawable if f.required)
    optional = tuple((f.key, v) for f, v in drawable if not f.required)
    return _payloads(plan, required, optional, _presence(len(optional)), plan.order)


def valid_payloads(
    request_schema: Mapping[str, Any], *, references: References | None = None
) -> st.SearchStrategy[Case]:
    """Cases whose payload validates against ``request_schema`` and must be accepted (2xx).

    ``request_schema`` is a per-type schema from ``contract.request_schema_for``.
    ``references`` maps ``"lead"``, ``"user"``, ``"contact"`` and
    ``"custom_object:<cotype_id>"`` to ids of existing objects; ``lead_id`` and reference
    field values are drawn from them. An optional reference field without ids is left out;
    a required one, or a missing ``"lead"`` entry, raises :class:`MissingReferenceError`.
    """
    plan = plan_for(request_schema, references)
    reason = (
        f"every key is valid for {plan.model.label()}: Close documents that a create with "
        "the required keys and well-typed custom values succeeds, so a 2xx is expected"
    )

    def case(payload: dict[str, Any]) -> Case:
        return Case(payload=payload, mutation=None, reason=reason, expected_statuses=SUCCESS)

    return payloads(plan).map(case)
