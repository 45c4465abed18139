"""What the key's organization has: who the key is, which types exist, and their contracts.

Only read endpoints that docs/design.md allows on a live organization are used here:
``GET me/``, ``GET custom_object_type/[{id}/]`` and ``GET custom_field/custom_object_type/``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from contract.client import CloseClient, Exchange
from contract.config import OptionError
from contract.errors import ConfigurationError, ContractWarning, NotProvablyOurs
from contract.ids import IdShapeError, check_id, is_id, segment, shown
from contract.schemas import (
    FieldTypes,
    fields_of,
    list_schema_for,
    request_schema_for,
    response_schema_for,
    update_schema_for,
    validator_for,
)

__all__ = ["Organization", "TypeContract", "discover", "key_organization"]

Schema = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TypeContract:
    """One Custom Object Type and the schemas of its contract."""

    type_id: str
    name: str
    definition: Mapping[str, Any]
    fields: tuple[Mapping[str, Any], ...]
    request_schema: Schema
    update_schema: Schema
    response_schema: Schema
    request_validator: Draft202012Validator
    response_validator: Draft202012Validator
    list_validator: Draft202012Validator
    warnings: tuple[str, ...]

    @property
    def field_types(self) -> FieldTypes:
        """``custom.cf_…`` key → field type (and which keys are multi-value fields)."""
        return FieldTypes.of(self.fields)

    @property
    def referenced_types(self) -> set[str]:
        """Types whose instances this type's custom_object fields point to."""
        return {
            str(f["referenced_custom_type_id"])
            for f in self.fields
            if f.get("type") == "custom_object" and f.get("referenced_custom_type_id")
        }


@dataclass(frozen=True, slots=True)
class Organization:
    """What the key can see: its user, its organization and its types.

    ``organization_id`` is the key's organization as its own reads show it (the types'
    ``organization_id``), which ``me/`` must list among ``organization_ids`` (a user may
    belong to several). None when nothing shows it and ``me/`` lists several.
    """

    user_id: str
    organization_id: str | None
    types: tuple[TypeContract, ...]
    organization_ids: tuple[str, ...] = ()


def _json(exchange: Exchange, what: str) -> Any:
    try:
        return exchange.json()
    except ValueError:
        raise ConfigurationError(
            f"{what} did not answer JSON ({exchange.status}, "
            f"{exchange.content_type or 'no content type'}): is the base URL the API root, "
            "e.g. https://api.close.com/api/v1 ?"
        ) from None


def _me(client: CloseClient) -> tuple[str, tuple[str, ...]]:
    exchange = client.get("me/")
    url = exchange.redact(exchange.url)  # an error message is on its way out
    if exchange.status == 401:
        raise OptionError("the API key was rejected (401): check {api_key.flag} / {api_key.env}")
    if exchange.status != 200:
        raise ConfigurationError(
            f"GET {url} answered {exchange.status}: the base URL does not look like "
            "a Close API root (e.g. https://api.close.com/api/v1)"
        )
    me = _json(exchange, f"GET {url}")
    user_id = me.get("id") if isinstance(me, dict) else None
    if not is_id("user", user_id):
        raise ConfigurationError(
            f"GET {url} answered no user id (got {shown(user_id)}): the base URL does not "
            "look like a Close API root"
        )
    assert isinstance(me, dict) and isinstance(user_id, str)
    listed = me.get("organizations")
    organizations = listed if isinstance(listed, list) else []
    ids = (o.get("id") for o in organizations if isinstance(o, dict))
    return user_id, tuple(
        dict.fromkeys(i for i in ids if isinstance(i, str) and is_id("organization", i))
    )


def key_organization(listed: Sequence[str], definitions: Sequence[Mapping[str, Any]]) -> str | None:
    """The key's organization: the ``organization_id`` its own reads (the types) show,
    which ``me/`` must list; the only one ``me/`` lists when no read shows one.

    Raises :class:`~contract.errors.NotProvablyOurs` (exit 3) when the reads disagree or
    show an organization ``me/`` does not list: nothing the run makes could be proven the
    key's.
    """
    shown_ids = {d.get("organization_id") for d in definitions if "organization_id" in d}
    if len(shown_ids) > 1:
        raise NotProvablyOurs(
            f"the key's custom object types show several organizations "
            f"({', '.join(sorted(shown(i) for i in shown_ids))}): the run cannot tell which is "
            "the key's, so it writes nothing"
        )
    if shown_ids:
        (organization,) = shown_ids
        if organization not in listed:
            raise NotProvablyOurs(
                f"the key's custom object types show the organization {shown(organization)}, "
                f"which GET me/ does not list ({', '.join(listed) or 'none'}): the run "
                "writes nothing to an organization it cannot prove the key's"
            )
        return str(organization)
    return listed[0] if len(listed) == 1 else None


def _all(client: CloseClient, path: str) -> list[Mapping[str, Any]]:
    """Every item of a list endpoint, following ``has_more`` with ``_skip`` (DOC pagination)."""
    items: list[Mapping[str, Any]] = []
    for page in client.pages(lambda query: client.get(path, params=query)):
        _json(page.exchange, f"GET {path}")  # an answer that is not JSON ends discovery
        items.extend(page.items)
    return items


def _types(client: CloseClient, wanted: Sequence[str]) -> list[Mapping[str, Any]]:
    if not wanted:
        return _all(client, "custom_object_type/")
    found = []
    for type_id in wanted:
        try:
            check_id("custom_object_type", type_id)
        except IdShapeError as exc:
            raise OptionError("{custom_object_type_ids}: {problem}", problem=exc) from None
        exchange = client.get(f"custom_object_type/{segment(type_id)}/")
        if exchange.status == 404:
            raise ConfigurationError(
                f"unknown custom object type id {type_id}: the organization has no such type "
                "(list them with GET custom_object_type/)"
            )
        found.append(_json(exchange, f"GET custom_object_type/{type_id}/"))
    return found


def contract_for(
    definition: Mapping[str, Any], fields: Sequence[Mapping[str, Any]]
) -> TypeContract:
    """Build the schemas of one type, collecting the warnings they raise."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ContractWarning)
        request = request_schema_for(definition, fields)
        update = update_schema_for(definition, fields)
        response = response_schema_for(definition, fields)
    own = tuple(fields_of(definition, fields))
    return TypeContract(
        type_id=str(definition["id"]),
        name=str(definition.get("name") or definition["id"]),
        definition=definition,
        fields=own,
        request_schema=request,
        update_schema=update,
        response_schema=response,
        request_validator=validator_for(request),
        response_validator=validator_for(response),
        list_validator=validator_for(list_schema_for(response)),
        warnings=tuple(sorted({str(w.message) for w in caught})),
    )


def discover(client: CloseClient, type_ids: Sequence[str] = ()) -> Organization:
    """Ask the target who the key is and build the contract of every (chosen) type."""
    user_id, listed = _me(client)
    definitions = [d for d in _types(client, type_ids) if isinstance(d, Mapping)]
    organization_id = key_organization(listed, definitions)
    fields = _all(client, "custom_field/custom_object_type/")
    usable = []
    for definition in definitions:
        if not is_id("custom_object_type", definition.get("id")):
            warnings.warn(
                f"skipped a custom object type whose id is {shown(definition.get('id'))}, "
                "not a custom_object_type id (cotype_…)",
                ContractWarning,
                stacklevel=2,
            )
            continue
        usable.append(definition)
    types = tuple(contract_for(d, fields) for d in usable)
    return Organization(user_id, organization_id, types, listed)
