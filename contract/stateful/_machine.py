"""The stateful phase's two ways of running its rules, both built from the one table of
:mod:`contract.stateful._rules`.

:func:`machine_for` makes the ``hypothesis.stateful`` machine: a
:class:`~hypothesis.stateful.RuleBasedStateMachine` whose rules are made from the table
with Hypothesis's own ``rule``, ``precondition`` and ``Bundle``. :func:`replay` executes the
steps a recording stored, in order, through the same step functions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from hypothesis.stateful import RuleBasedStateMachine, multiple, precondition, rule

from contract.errors import CassetteError
from contract.session import StepRecord
from contract.stateful._rules import RULES, Draws, Rule, StepArgs, rule_named
from contract.stateful._steps import Steps
from contract.stateful._world import StepFailed, World
from strategies import Case

__all__ = ["machine_for", "replay"]

# The argument a step takes a case in (a recording keeps it as Case.to_dict writes it).
_CASE_ARGUMENT = "case"


_R = TypeVar("_R")
# What rule() and precondition() return: they mark a function as a rule and return it.
_Decorator = Callable[[Callable[..., _R]], Callable[..., _R]]


class _Running(Protocol):
    """A machine run, as its rules see it: the steps of its sequence."""

    steps: Steps


def _after(world: World, steps: Steps) -> None:
    """What follows every step the machine ran: a stop of the run ends the sequence, and a
    first violation makes it fail (Hypothesis then shrinks it, where shrinking is on)."""
    world.check_stop()
    if steps.stop_at_failure() and world.raise_on_failure:
        raise StepFailed(steps.outcome)


def _machine_rule(each: Rule, world: World, draws: Draws) -> Callable[..., object]:
    """``each`` as a rule of the machine: prepare what Hypothesis drew, run the step."""

    def execute(machine: _Running, drawn: StepArgs) -> int | None:
        steps = machine.steps
        args = drawn if each.prepare is None else each.prepare(world, steps, **drawn)
        if args is None:
            return None  # nothing to do in this state: no step, nothing written down
        handle = each.step(steps, **args)
        _after(world, steps)
        return handle

    def creating(machine: _Running, **drawn: object) -> object:
        handle = execute(machine, drawn)
        return multiple() if handle is None else handle  # nothing made: nothing to hand on

    def running(machine: _Running, **drawn: object) -> None:
        execute(machine, drawn)

    creating.__name__ = running.__name__ = each.name
    # Hypothesis's ``rule`` takes the argument strategies as keywords beside ``target``:
    # mypy cannot tell that the table's names are none of its own, so the decorators it
    # returns are typed here.
    arguments: dict[str, Any] = each.arguments(draws)
    made: Callable[..., object]
    if each.creates:
        adds: _Decorator[object] = rule(target=draws.instances, **arguments)
        made = adds(creating)
    else:
        runs: _Decorator[None] = rule(**arguments)
        made = runs(running)
    applies = each.applies
    if applies is None:
        return made
    guarded: _Decorator[object] = precondition(lambda machine: applies(world))
    return guarded(made)


def machine_for(
    world: World, first: int = 0, before: Callable[[], None] = lambda: None
) -> type[RuleBasedStateMachine]:
    """The machine of ``world``: each instance is one machine run, numbered from ``first``.

    ``before()`` is called as each run starts; what it raises ends the drawing there (a
    :class:`BaseException` goes through Hypothesis at once).
    """
    draws = Draws.of(world)
    numbers = itertools.count(first)

    class ContractMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            before()
            super().__init__()
            self.steps = world.steps(next(numbers))

        def teardown(self) -> None:
            self.steps.teardown()
            world.finished(self.steps)

    for each in RULES:
        setattr(ContractMachine, each.name, _machine_rule(each, world, draws))
    return ContractMachine


def _decoded(args: Mapping[str, object]) -> StepArgs:
    return {
        name: Case.from_dict(value)
        if name == _CASE_ARGUMENT and isinstance(value, Mapping)
        else value
        for name, value in args.items()
    }


def replay(
    steps: Steps,
    recorded: Sequence[StepRecord],
    check_stop: Callable[[], None] = lambda: None,
) -> None:
    """Execute the steps a recording stored, in order, through the same step functions;
    stop predicting where the recorded run did (its first failure). ``check_stop`` runs
    before each step (it raises :class:`~contract.stateful._world.Stopped` once the run is
    ending)."""
    for entry in recorded:
        check_stop()
        each = rule_named(entry["rule"])
        if each is None:
            raise CassetteError(
                f"the recording holds a stateful step this version has no rule for "
                f"({entry['rule']!r}): record it again"
            )
        each.step(steps, **_decoded(entry["args"]))
        steps.stop_at_failure()
    steps.teardown()
