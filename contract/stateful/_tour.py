"""The stateful phase's first sequence: every rule once, in an order that gives each one
something to act on.

Hypothesis draws rules at random, so in a few short sequences a rule that needs an
instance in a given state (an invalid update of a live one, a PUT to a deleted one) may
never run. The tour runs first and deterministically: it creates an instance of each type
on the run's first lead (and one on a second lead, so the lists have something to tell
apart), reads and lists them with every filter and paging parameter, updates one with a
partial body that also removes a value, sends it an invalid update, has the second
organization try it, deletes it and then reads, lists, updates and deletes it again. A
fault that any one rule shows is found in the tour, within its few dozen requests; the
random sequences that follow look for the ones that take a particular order to show.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from contract.discovery import TypeContract
from contract.phases import update_for
from contract.session import run_seeded
from contract.stateful._rules import invalid_update
from contract.stateful._steps import Steps
from contract.stateful._world import World
from strategies import Case, invalid_payloads, mutation_targets

__all__ = ["tour"]

# Mutations of one custom value that carry over to an update body.
_UPDATE_MUTATIONS = ("custom_wrong_type", "choice_not_allowed", "custom_bad_format")
# Valid draws of the first type to choose the created instance and the update from.
_DRAWS = 4


def _optional_values(case: Case, required: set[str]) -> list[str]:
    return [k for k in case.payload if k.startswith("custom.") and k not in required]


def _drawn(world: World, kind: str, tc: TypeContract, lead: str, count: int) -> list[Case]:
    cases: list[Case] = []
    run_seeded(
        world.cases(kind, tc, lead), cases.append, examples=count, seed=world.session.config.seed
    )
    return cases


def _invalid_update(
    world: World, tc: TypeContract, lead: str
) -> tuple[dict[str, Any], Case] | None:
    """An invalid update body for ``tc`` and the case it came from (None: no mutation of
    one custom value applies to the type)."""
    refs = {**world.refs, "lead": [lead]}
    validator = world.update_validators[tc.type_id]
    for mutation, target in mutation_targets(tc.request_schema):
        if mutation not in _UPDATE_MUTATIONS:
            continue
        cases: list[Case] = []
        strategy = invalid_payloads(
            tc.request_schema, references=refs, mutation=mutation, target=target
        )
        run_seeded(strategy, cases.append, examples=1, seed=world.session.config.seed)
        body = invalid_update(validator, cases[0]) if cases else None
        if body is not None:
            return body, cases[0]
    return None


def tour(world: World, steps: Steps) -> None:
    """Run every rule once on ``steps`` (a fresh sequence), then its teardown.

    Like every sequence, it stops predicting at its first violation (what follows would be
    a follow-on, and a replay stops there too); the teardown still deletes what it made.
    """
    first, *others = world.types
    lead, *more = world.tour_leads
    # The update removes a value the instance holds: the first draw with an optional
    # custom value is the one created (another draw gives the update its new values).
    drawn = _drawn(world, "valid", first, lead, _DRAWS)
    required = set(first.request_schema.get("required", ()))
    created = next((c for c in drawn if _optional_values(c, required)), drawn[0])
    update_source = next((c for c in drawn if c is not created), created)
    handle = steps.create(first.type_id, lead, created)
    plan: list[Callable[[], object]] = []
    for other in others[:1]:
        case = _drawn(world, "valid", other, lead, 1)[0]
        plan.append(functools.partial(steps.create, other.type_id, lead, case))
    if more:
        case = _drawn(world, "valid", first, more[0], 1)[0]
        plan.append(functools.partial(steps.create, first.type_id, more[0], case))
    if handle is not None:
        body, _ = update_for(first, created, update_source)
        plan += [
            lambda: steps.get(handle),
            lambda: steps.list_lead(lead, None, None),
            lambda: steps.list_lead(lead, first.type_id, None),
            lambda: steps.list_lead(lead, None, 1),
            lambda: steps.list_paged(lead, None, 1),
            lambda: steps.update(handle, body),
            lambda: steps.get(handle),
        ]
        rejected = _invalid_update(world, first, lead)
        if rejected is not None:
            invalid, case = rejected
            # A refused update that carries the name the instance already has would show
            # nothing if the server applied it anyway: it carries another one.
            if invalid.get("name") == body["name"]:
                names = (created.payload["name"], "refused update")
                invalid = {**invalid, "name": next(n for n in names if n != body["name"])}
            mutation, expected = str(case.mutation), sorted(case.expected_statuses)
            plan.append(lambda: steps.update_invalid(handle, invalid, mutation, expected))
        if world.session.other_api_key is not None:
            plan += [
                functools.partial(steps.foreign, handle, method)
                for method in ("GET", "LIST", "PUT", "DELETE")
            ]
        rename = {"name": update_source.payload["name"]}
        plan += [
            lambda: steps.delete(handle),
            lambda: steps.get(handle),
            lambda: steps.list_lead(lead, None, None),
            lambda: steps.update(handle, rename),
            lambda: steps.delete(handle),
        ]
    for step in plan:
        if steps.outcome.violations:
            steps.stopped = True
            break
        world.check_stop()
        step()
    steps.teardown()
