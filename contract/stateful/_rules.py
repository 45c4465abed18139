"""The rules of the stateful phase, in one table.

Each :class:`Rule` names a step of :class:`~contract.stateful._steps.Steps`, the strategies
its arguments are drawn from, when it applies, and how what Hypothesis drew becomes the
step's arguments. From this one table come both the rule-based machine that Hypothesis
explores and the replay of a recorded sequence (see :mod:`contract.stateful._machine`): a
step writes down its rule's name and its own arguments, and a replay calls the same step
with them, without Hypothesis.

Instances travel between rules as model handles in a Bundle, so shrinking a failing
sequence leaves out creates, reads and writes freely.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate

from hypothesis import strategies as st
from hypothesis.stateful import Bundle
from jsonschema import Draft202012Validator

from contract.discovery import TypeContract
from contract.stateful._steps import Steps
from contract.stateful._world import World
from strategies import Case

__all__ = ["RULES", "Draws", "Rule", "StepArgs", "invalid_update", "rule_named"]

# A step's arguments: what its rule hands it, and what a recording keeps of it.
StepArgs = dict[str, object]

# Invalid creates whose one broken key can be sent alone in a PUT and still break a rule.
_UPDATE_MUTABLE = ("name", "custom.")
# The requests the second organization's key tries on one of the run's instances.
_FOREIGN_METHODS = ("GET", "LIST", "PUT", "DELETE")


@dataclass(frozen=True, slots=True)
class Draws:
    """What the rules' arguments are drawn from in one world: its usable types, its
    sequences' leads, and the instances earlier steps created."""

    type_ids: st.SearchStrategy[str]
    leads: st.SearchStrategy[str]
    instances: Bundle[int]

    @classmethod
    def of(cls, world: World) -> Draws:
        """The draws of ``world``'s sequences (a fresh bundle of instances)."""
        return cls(
            st.sampled_from(sorted(tc.type_id for tc in world.types)),
            st.sampled_from(list(world.leads)),
            Bundle("instances"),
        )


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the stateful phase.

    ``name`` is the machine's rule and the step's name in a recording; ``step`` runs it
    (with the arguments a recording keeps); ``arguments`` are the strategies Hypothesis
    draws from; ``prepare`` turns what was drawn into the step's arguments (None: nothing
    to do in this state; by default the drawn arguments are the step's); the rule applies
    only where ``applies`` says so; a rule that ``creates`` hands the step's result (a
    handle, or None) to the instances bundle.
    """

    name: str
    step: Callable[Concatenate[Steps, ...], int | None]
    arguments: Callable[[Draws], dict[str, st.SearchStrategy[object]]]
    prepare: Callable[Concatenate[World, Steps, ...], StepArgs | None] | None = None
    applies: Callable[[World], bool] | None = None
    creates: bool = False


def _update_body(draw: st.DrawFn, tc: TypeContract, case: Case) -> dict[str, Any]:
    """A partial PUT body from a second valid draw: some of its keys, maybe some nulls."""
    keys = sorted(k for k in case.payload if k == "name" or k.startswith("custom."))
    chosen = [k for k in keys if draw(st.booleans())]
    required = set(tc.request_schema.get("required", ()))
    optional = sorted(k for k in tc.field_types if k not in required and k not in chosen)
    nulls = draw(st.lists(st.sampled_from(optional), max_size=2, unique=True)) if optional else []
    body: dict[str, Any] = {k: case.payload[k] for k in chosen}
    body.update(dict.fromkeys(nulls))
    return body or {"name": case.payload["name"]}


def invalid_update(validator: Draft202012Validator, case: Case) -> dict[str, Any] | None:
    """The broken key of an invalid create, alone, as a PUT body that breaks the update
    schema too (None when the mutation does not carry over to an update)."""
    target = case.target
    if case.body is not None or not isinstance(case.payload, Mapping) or not target:
        return None
    if not target.startswith(_UPDATE_MUTABLE) or target not in case.payload:
        return None
    body = {target: case.payload[target]}
    if target != "name" and isinstance(case.payload.get("name"), str):
        # A valid rename alongside: a server that applies part of a refused body shows.
        body["name"] = case.payload["name"]
    # Only a body the update schema itself refuses is owed a refusal.
    return None if validator.is_valid(body) else body


# -- from what was drawn to a step's arguments ---------------------------------------------


def _create(
    world: World, steps: Steps, *, type_id: str, lead: str, data: st.DataObject
) -> StepArgs:
    case = data.draw(world.cases("valid", world.contract_of(type_id), lead))
    return {"type_id": type_id, "lead": lead, "case": case}


def _create_invalid(
    world: World, steps: Steps, *, type_id: str, lead: str, data: st.DataObject
) -> StepArgs | None:
    case = data.draw(world.cases("invalid", world.contract_of(type_id), lead))
    if not case.send_credentials:
        return None  # credentials are the single-case phases' matter
    return {"type_id": type_id, "lead": lead, "case": case}


def _update(world: World, steps: Steps, *, handle: int, data: st.DataObject) -> StepArgs | None:
    instance = steps.instance(handle)
    if instance is None:
        return None
    tc = world.contract_of(instance.type_id)
    case = data.draw(world.cases("valid", tc, instance.lead_id))
    body = data.draw(st.composite(lambda draw: _update_body(draw, tc, case))())
    return {"handle": handle, "body": body}


def _update_invalid(
    world: World, steps: Steps, *, handle: int, data: st.DataObject
) -> StepArgs | None:
    instance = steps.instance(handle)
    if instance is None or instance.state != "live":
        return None
    tc = world.contract_of(instance.type_id)
    case = data.draw(world.cases("invalid", tc, instance.lead_id))
    body = invalid_update(world.update_validators[tc.type_id], case)
    if body is None:
        return None
    mutation, expected = str(case.mutation), sorted(case.expected_statuses)
    return {"handle": handle, "body": body, "mutation": mutation, "expected": expected}


def _has_second_key(world: World) -> bool:
    return world.session.other_api_key is not None


RULES: tuple[Rule, ...] = (
    Rule(
        "create",
        Steps.create,
        lambda d: {"type_id": d.type_ids, "lead": d.leads, "data": st.data()},
        prepare=_create,
        creates=True,
    ),
    Rule(
        "create_invalid",
        Steps.create_invalid,
        lambda d: {"type_id": d.type_ids, "lead": d.leads, "data": st.data()},
        prepare=_create_invalid,
        creates=True,
    ),
    Rule("get", Steps.get, lambda d: {"handle": d.instances}),
    Rule(
        "list",
        Steps.list_lead,
        lambda d: {
            "lead": d.leads,
            "type_id": st.none() | d.type_ids,
            "skip": st.none() | st.integers(1, 3),
        },
    ),
    Rule(
        "list_paged",
        Steps.list_paged,
        lambda d: {"lead": d.leads, "type_id": st.none() | d.type_ids, "limit": st.integers(1, 3)},
    ),
    Rule("update", Steps.update, lambda d: {"handle": d.instances, "data": st.data()}, _update),
    Rule(
        "update_invalid",
        Steps.update_invalid,
        lambda d: {"handle": d.instances, "data": st.data()},
        _update_invalid,
    ),
    Rule("delete", Steps.delete, lambda d: {"handle": d.instances}),
    Rule(
        "foreign",
        Steps.foreign,
        lambda d: {"handle": d.instances, "method": st.sampled_from(_FOREIGN_METHODS)},
        applies=_has_second_key,
    ),
)

_BY_NAME = {rule.name: rule for rule in RULES}


def rule_named(name: str) -> Rule | None:
    """The rule a recording names (None: no rule of this version has that name)."""
    return _BY_NAME.get(name)
