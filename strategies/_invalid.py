"""The mutation registry and the strategy that draws invalid cases from it."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from hypothesis import strategies as st

from strategies._accepting import ACCEPTING_MUTATIONS
from strategies._case import Case
from strategies._custom import CUSTOM_MUTATIONS
from strategies._model import TypeModel, model_of
from strategies._mutation import Mutation
from strategies._request import AUTH_MUTATIONS, BODY_MUTATIONS
from strategies._top_level import TOP_LEVEL_MUTATIONS
from strategies._valid import Plan, References, payloads, plan_for

__all__ = ["MUTATIONS", "invalid_payloads", "mutation_targets"]

MUTATIONS: Mapping[str, Mutation] = MappingProxyType(
    {
        mutation.name: mutation
        for mutation in (
            *TOP_LEVEL_MUTATIONS,
            *BODY_MUTATIONS,
            *CUSTOM_MUTATIONS,
            *AUTH_MUTATIONS,
            *ACCEPTING_MUTATIONS,
        )
    }
)


def _pairs(model: TypeModel) -> list[tuple[str, str | None]]:
    return [(name, target) for name, m in MUTATIONS.items() for target in m.targets(model)]


def mutation_targets(request_schema: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """Every applicable ``(mutation name, target)`` pair for this type, in a stable order.

    The order is the registry's, then the schema's field order; ``target`` is ``None`` for
    mutations of the whole request. Run each pair with
    ``invalid_payloads(schema, mutation=name, target=target)``.
    """
    return _pairs(model_of(request_schema))


def _still_invalid(model: TypeModel) -> Callable[[Case], bool]:
    def check(case: Case) -> bool:
        # Raw bodies are checked where they are built; JSON payloads by the schema itself.
        return case.payload is None or not model.is_valid(case.payload)

    return check


@st.composite
def _cases(
    draw: st.DrawFn,
    model: TypeModel,
    bases: st.SearchStrategy[dict[str, Any]],
    mutation: Mutation,
    target: str | None,
) -> Case:
    variant = mutation.build(draw, model, target, draw(bases))
    return Case(
        payload=variant.payload,
        mutation=mutation.name,
        reason=f"{variant.detail}; {mutation.reason}",
        expected_statuses=mutation.expected_statuses,
        target=target,
        body=variant.body,
        content_type=variant.content_type,
        headers=variant.headers,
        send_credentials=variant.send_credentials,
        schema_valid=mutation.schema_valid,
    )


def _chosen(
    model: TypeModel, mutation: str | None, target: str | None
) -> list[tuple[str, str | None]]:
    if mutation is not None and mutation not in MUTATIONS:
        raise ValueError(
            f"unknown mutation {mutation!r}: expected one of {', '.join(sorted(MUTATIONS))}"
        )
    pairs = _pairs(model)
    chosen = [
        (name, key)
        for name, key in pairs
        if (mutation is None or name == mutation) and (target is None or key == target)
    ]
    if not chosen:
        named = mutation or "any mutation"
        applicable = sorted(
            {key or "the whole request" for name, key in pairs if mutation in (None, name)}
        )
        raise ValueError(
            f"{named} does not apply to {target or 'any target'} of {model.label()}: "
            f"it applies to {', '.join(applicable) or 'no key of this type'}"
        )
    return chosen


def invalid_payloads(
    request_schema: Mapping[str, Any],
    *,
    references: References | None = None,
    mutation: str | None = None,
    target: str | None = None,
) -> st.SearchStrategy[Case]:
    """Cases that break exactly one rule, drawn from the registered :data:`MUTATIONS`.

    Without ``mutation`` every applicable mutation Close must refuse is drawn from (those
    it may also accept, whose ``accepted`` is set, only when named); with it only that
    one, and with ``target`` only on that key. The rest of each payload comes from the
    valid generator, so ``references`` is needed as for :func:`valid_payloads`. Cases whose
    mutation the schema can judge are re-validated, so shrinking never yields a valid one.
    Raises :class:`ValueError` for an unknown mutation or one that does not apply.
    """
    plan, bases = _bases(
        json.dumps(request_schema, sort_keys=True), json.dumps(references or {}, sort_keys=True)
    )
    # Grouped by mutation so each mutation is drawn about as often as any other, however
    # many fields it applies to.
    grouped: dict[str, list[st.SearchStrategy[Case]]] = {}
    for name, key in _chosen(plan.model, mutation, target):
        chosen = MUTATIONS[name]
        if mutation is None and chosen.accepted is not None:
            continue
        drawn = _cases(plan.model, bases, chosen, key)
        if not chosen.schema_valid:
            drawn = drawn.filter(_still_invalid(plan.model))
        grouped.setdefault(name, []).append(drawn)
    return _any_of(tuple(st.one_of(per_target) for per_target in grouped.values()))


@functools.lru_cache(maxsize=64)
def _bases(
    schema_text: str, references_text: str
) -> tuple[Plan, st.SearchStrategy[dict[str, Any]]]:
    """The plan and valid payloads of a schema and its references, built once for all
    the mutations and targets a run draws from: Hypothesis checks a strategy on its first
    draw, and for a type's whole payload strategy that cost more than the draw itself."""
    plan = plan_for(json.loads(schema_text), json.loads(references_text))
    return plan, payloads(plan)


@st.composite
def _any_of(draw: st.DrawFn, groups: tuple[st.SearchStrategy[Case], ...]) -> Case:
    # Not st.one_of: it flattens nested one_of into one list of branches, which would
    # weigh a mutation by its number of targets again.
    return draw(draw(st.sampled_from(groups)))
