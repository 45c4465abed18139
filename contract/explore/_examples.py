"""Deterministic examples drawn from the strategies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from contract.session import run_seeded
from strategies import Case, invalid_payloads, mutation_targets, valid_payloads

if TYPE_CHECKING:
    # pandas ships no type information; its frames are Any to the type checker.
    pass
from contract.explore._common import References, T

# --- deterministic examples ---------------------------------------------------------------


def draw_examples(strategy: st.SearchStrategy[T], count: int, *, seed: int = 0) -> list[T]:
    """Up to ``count`` values drawn from ``strategy``, the same ones for the same ``seed``.

    Runs a seeded Hypothesis ``@given`` (generation only: no database, no shrinking, no
    health checks), so unlike ``strategy.example()`` it is reproducible and warns about
    nothing. Fewer than ``count`` come back when the strategy has fewer distinct values,
    none when it filters out every draw.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    drawn: list[T] = []
    if count == 0:
        return drawn

    try:
        run_seeded(strategy, drawn.append, examples=count, seed=seed)
    except Unsatisfiable:
        pass  # every draw was filtered out: nothing (more) to show
    return drawn[:count]


def draw_cases(
    request_schema: Mapping[str, Any],
    *,
    references: References | None = None,
    valid: int = 3,
    per_mutation: int = 1,
    seed: int = 0,
) -> list[Case]:
    """``valid`` valid cases, then ``per_mutation`` cases per applicable (mutation, target).

    The pairs come in :func:`strategies.mutation_targets` order and every draw uses
    ``seed``, so the same schema, references and seed give the same cases. ``references``
    is what :func:`strategies.valid_payloads` needs (lead, user, contact and referenced
    instance ids); a missing one raises :class:`strategies.MissingReferenceError`.
    """
    cases = draw_examples(valid_payloads(request_schema, references=references), valid, seed=seed)
    for mutation, target in mutation_targets(request_schema):
        strategy = invalid_payloads(
            request_schema, references=references, mutation=mutation, target=target
        )
        cases.extend(draw_examples(strategy, per_mutation, seed=seed))
    return cases
