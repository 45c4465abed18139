"""Per-type request schemas and reference ids shared by the strategy tests."""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any, TypeVar

from hypothesis import Phase, given, seed, settings
from hypothesis.strategies import SearchStrategy

from contract import ContractWarning, request_schema_for

Json = dict[str, Any]
T = TypeVar("T")

TYPE_ID = "cotype_1h5m6uHM9BZOpwVhyRJb4Y"
ASSET_TYPE_ID = "cotype_0AssetType0000000000"
LEAD = "lead_" + "L" * 43
USERS = ["user_" + "a" * 43, "user_" + "b" * 43, "user_" + "c" * 43]
CONTACTS = ["cont_" + "c" * 43]
ASSETS = ["custobj_" + "d" * 43, "custobj_" + "e" * 43]
REFS: dict[str, list[str]] = {
    "lead": [LEAD],
    "user": USERS,
    "contact": CONTACTS,
    f"custom_object:{ASSET_TYPE_ID}": ASSETS,
}


def cf(tag: str) -> str:
    """A well-formed custom field id (``cf_`` + 43 base62 characters) named after ``tag``."""
    return "cf_" + tag.ljust(43, "0")


def field(tag: str, kind: str, **extra: Any) -> Json:
    """A custom field definition as ``GET custom_field/custom_object_type/`` returns it."""
    return {
        "id": cf(tag),
        "name": tag.title(),
        "type": kind,
        "custom_object_type_id": TYPE_ID,
        "accepts_multiple_values": False,
        "required": False,
        "referenced_custom_type_id": None,
        **extra,
    }


RICH_FIELDS: list[Json] = [
    field("text", "text"),
    field("textreq", "text", required=True),
    field("num", "number"),
    field("numreq", "number", required=True),
    field("date", "date"),
    field("datetime", "datetime"),
    field("plan", "choices", choices=["Basic", "Pro", "Enterprise"]),
    field("planreq", "choices", choices=["Monthly", "Yearly"], required=True),
    field("channels", "choices", choices=["Email", "Phone", "Chat"], accepts_multiple_values=True),
    field("owner", "user"),
    field("watchers", "user", accepts_multiple_values=True),
    field("contact", "contact"),
    field("asset", "custom_object", referenced_custom_type_id=ASSET_TYPE_ID, required=True),
    field("legacy", "hidden"),
]


def _build(type_name: str, fields: list[Json]) -> Json:
    with warnings.catch_warnings():
        # Unknown field types warn by design; these schemas include one on purpose.
        warnings.simplefilter("ignore", ContractWarning)
        return request_schema_for({"id": TYPE_ID, "name": type_name, "fields": []}, fields)


@cache
def _cached(name: str) -> Json:
    if name == "rich":
        return _build("Subscription", RICH_FIELDS)
    if name == "empty":
        return _build("Bare", [])
    kinds = ["text", "number", "date", "datetime", "choices", "user", "contact", "text"]
    many = []
    for index in range(40):
        kind = kinds[index % len(kinds)]
        extra: Json = {"required": index % 7 == 0}
        if kind == "choices":
            extra["choices"] = [f"Option {n}" for n in range(index % 5 + 1)]
            extra["accepts_multiple_values"] = index % 2 == 0
        many.append(field(f"f{index:02d}{kind}", kind, **extra))
    return _build("Forty", many)


def rich_schema() -> Json:
    """A type with every field type: multi-value choices and users, required custom fields
    (text, number, choices, a custom_object reference) and one field of an unknown type."""
    return _cached("rich")


def empty_schema() -> Json:
    """A type without custom fields."""
    return _cached("empty")


def forty_schema() -> Json:
    """A type with 40 custom fields of every kind, some required."""
    return _cached("forty")


def draws(strategy: SearchStrategy[T], count: int) -> list[T]:
    """``count`` examples of ``strategy`` from a fixed seed, without shrinking.

    For coverage checks over a sample: ``hypothesis.find`` would shrink every hit, which
    is slow for payloads this rich and tests nothing the sample does not.
    """
    found: list[T] = []

    @seed(20240229)
    @settings(max_examples=count, phases=[Phase.generate], database=None)
    @given(strategy)
    def collect(value: T) -> None:
        found.append(value)

    collect()
    return found
