"""Edge values are drawn often enough for a default run to see an echo that loses them.

A default run draws ``DEFAULT_EXAMPLES`` pairs of valid payloads per type (a create and
the payload its update is taken from) with the default seed, through
``contract.engine.run_seeded``; these tests draw exactly that sample and count, per edge
class, the payloads holding one. A class absent from the sample is an echo fault a default
run would miss.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from hypothesis import strategies as st
from strategy_schemas import ASSETS, REFS, USERS, cf, draws, rich_schema

from contract import Config, validator_for
from contract.config import DEFAULT_EXAMPLES
from contract.session import run_seeded
from strategies import Case, valid_payloads

_LONG = 129  # past the 128 characters a careless column would keep
_TEXT_TAGS = ("text", "textreq")
_NUMBER_TAGS = ("num", "numreq")


@cache
def _default_run_sample() -> tuple[dict[str, Any], ...]:
    """The payloads a default run draws for the rich type: creates and update sources."""
    one = valid_payloads(rich_schema(), references=REFS)
    pairs: list[tuple[Case, Case]] = []
    run_seeded(st.tuples(one, one), pairs.append, examples=DEFAULT_EXAMPLES, seed=Config().seed)
    return tuple(case.payload for pair in pairs for case in pair)


def _texts(payload: dict[str, Any]) -> Iterator[str]:
    yield payload["name"]
    for tag in _TEXT_TAGS:
        value = payload.get(f"custom.{cf(tag)}")
        if isinstance(value, str):
            yield value


def _numbers(payload: dict[str, Any]) -> Iterator[int | float]:
    for tag in _NUMBER_TAGS:
        value = payload.get(f"custom.{cf(tag)}")
        if isinstance(value, int | float):
            yield value


def _digits(value: int | float) -> int:
    """Significant digits of the shortest decimal that is ``value``."""
    return len(Decimal(repr(value)).normalize().as_tuple().digits)


def _day(payload: dict[str, Any]) -> date | None:
    value = payload.get(f"custom.{cf('date')}")
    return date.fromisoformat(value) if isinstance(value, str) else None


def _any_text(test: Callable[[str], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda payload: any(test(text) for text in _texts(payload))


def _any_number(test: Callable[[int | float], bool]) -> Callable[[dict[str, Any]], bool]:
    return lambda payload: any(test(value) for value in _numbers(payload))


def _year_edge(day: date | None) -> bool:
    return day is not None and (day.month, day.day) in ((12, 31), (1, 1))


EDGE_CLASSES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "long text": _any_text(lambda t: len(t) >= _LONG),
    "astral character": _any_text(lambda t: any(ord(ch) > 0xFFFF for ch in t)),
    "combining mark": _any_text(lambda t: any(unicodedata.combining(ch) for ch in t)),
    "right-to-left script": _any_text(
        lambda t: any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in t)
    ),
    "quote or backslash": _any_text(lambda t: '"' in t or "\\" in t),
    "number beyond 32 bits": _any_number(lambda v: abs(v) > 2**31),
    "15-17 significant digits": _any_number(lambda v: isinstance(v, float) and _digits(v) >= 15),
    "small fraction": _any_number(lambda v: 0 < abs(v) < 0.001),
    "negative number": _any_number(lambda v: v < 0),
    "zero": _any_number(lambda v: v == 0),
    "leap day": lambda p: (d := _day(p)) is not None and (d.month, d.day) == (2, 29),
    "year end or start": lambda p: _year_edge(_day(p)),
    "every choice of a multi-value field": lambda p: (
        len(p.get(f"custom.{cf('channels')}") or ()) == 3
    ),
    "one value of a multi-value field": lambda p: len(p.get(f"custom.{cf('channels')}") or ()) == 1,
    "several reference ids": lambda p: len(p.get(f"custom.{cf('watchers')}") or ()) >= 2,
}


@pytest.mark.parametrize("edge", sorted(EDGE_CLASSES))
def test_a_default_run_draws_every_edge_class(edge: str) -> None:
    # When the payloads of a default run are drawn for a type with every field type
    sample = _default_run_sample()
    assert len(sample) == 2 * DEFAULT_EXAMPLES

    # Then the edge class occurs in at least one of them
    holding = [payload for payload in sample if EDGE_CLASSES[edge](payload)]
    assert holding, f"no {edge} in the {len(sample)} payloads of a default run"


def test_a_default_run_uses_every_reference_id() -> None:
    sample = _default_run_sample()
    users = {u for p in sample for u in p.get(f"custom.{cf('watchers')}") or ()}
    users |= {p[f"custom.{cf('owner')}"] for p in sample if f"custom.{cf('owner')}" in p}
    assert users == set(USERS)
    assert {p[f"custom.{cf('asset')}"] for p in sample} == set(ASSETS)


def test_edge_payloads_stay_valid() -> None:
    # When many valid payloads are drawn (edges among them)
    validator = validator_for(rich_schema())
    sample = draws(valid_payloads(rich_schema(), references=REFS), 300)

    # Then every one validates, and edges are among them
    invalid = [c.payload for c in sample if not validator.is_valid(c.payload)]
    assert not invalid, invalid[:1]
    for edge in ("long text", "astral character", "15-17 significant digits", "leap day"):
        assert any(EDGE_CLASSES[edge](c.payload) for c in sample), edge


def test_edge_texts_hold_no_character_an_echo_may_rightly_change() -> None:
    texts = [
        t
        for c in draws(valid_payloads(rich_schema(), references=REFS), 200)
        for t in _texts(c.payload)
    ]
    for text in texts:
        assert "\x00" not in text
        assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text), "no lone surrogates"
        assert text == text.strip(), "a server may strip whitespace at the ends"
        assert unicodedata.is_normalized("NFC", text), "a server may normalise to NFC"
        assert len(text) <= 300
