"""The legacy lead resource, enough to own contacts and custom object instances.

Legacy resources answer 200 on create and on delete (OAS, docs/close-api.md §1.1).
Deleting a lead removes its contacts and its custom object instances too (INF).
List Leads pages with `_skip`/`_limit`, trims each lead to `_fields` and answers `data`,
`has_more` and `total_results` (DOC List Leads, pagination, fields), newest first (INF).
A `_limit` above 100 is served as 100 rather than refused (INF: Close's lead maximum
is not published; a client paging by `len(data)` sees the same leads either way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contract.emulator._checks import PayloadChecker
from contract.emulator._documents import new_contact_doc, new_lead_doc, render_lead
from contract.emulator._http import not_found, read_json_object
from contract.emulator._paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    field_names,
    integer_param,
    select_fields,
)
from contract.emulator._state import EmulatorState, principal_of
from contract.emulator._store import Document

__all__ = ["LeadEndpoints"]

_LEADS = "/api/v1/lead/"


class LeadEndpoints:
    """Handlers for `lead/` (list, create) and `lead/{id}/` (retrieve, delete)."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Starlette routes, one per method so other methods answer 405."""
        return [
            Route(_LEADS, self.list_page, methods=["GET"]),
            Route(_LEADS, self.create, methods=["POST"]),
            Route(_LEADS + "{object_id}/", self.retrieve, methods=["GET"]),
            Route(_LEADS + "{object_id}/", self.delete, methods=["DELETE"]),
        ]

    async def list_page(self, request: Request) -> Response:
        """GET lead/: one page of the organization's leads, newest first."""
        organization_id = principal_of(request).organization_id
        skip = integer_param(request, "_skip", 0, minimum=0)
        limit = min(integer_param(request, "_limit", DEFAULT_LIMIT, minimum=1), MAX_LIMIT)
        fields = field_names(request)
        store = self.state.store
        # One extra row tells whether another page exists.
        rows = store.find_newest(
            "lead", skip=skip, limit=limit + 1, organization_id=organization_id
        )
        data = []
        for lead in rows[:limit]:
            rendered = render_lead(lead, store.find("contact", lead_id=lead["id"]))
            data.append(select_fields(rendered, fields))
        total = store.count("lead", organization_id=organization_id)
        return JSONResponse({"data": data, "has_more": len(rows) > limit, "total_results": total})

    async def create(self, request: Request) -> Response:
        """POST lead/: a lead with its contacts; 200 like every legacy resource."""
        principal = principal_of(request)
        check = PayloadChecker(await read_json_object(request))
        name = check.optional_text("name")
        contacts = [
            _contact_fields(check, f"contacts.{index}", contact)
            for index, contact in enumerate(check.optional_objects("contacts"))
        ]
        check.raise_on_errors()
        now = self.state.clock.now_text()
        lead = new_lead_doc(self.state.ids.new("lead_"), principal, now, name)
        contact_docs = [
            new_contact_doc(self.state.ids.new("cont_"), lead["id"], principal, now, **fields)
            for fields in contacts
        ]
        self.state.store.insert("lead", lead)
        for contact in contact_docs:
            self.state.store.insert("contact", contact)
        return JSONResponse(render_lead(lead, contact_docs))

    async def retrieve(self, request: Request) -> Response:
        """GET lead/{id}/."""
        lead = self._find(request)
        contacts = self.state.store.find("contact", lead_id=lead["id"])
        return JSONResponse(render_lead(lead, contacts))

    async def delete(self, request: Request) -> Response:
        """DELETE lead/{id}/: 200 `{}`; contacts and custom objects go with it."""
        lead = self._find(request)
        self.state.store.delete_lead(lead["id"])
        return JSONResponse({})

    def _find(self, request: Request) -> Document:
        lead_id = str(request.path_params["object_id"])
        lead = self.state.store.get("lead", lead_id, principal_of(request).organization_id)
        if lead is None:
            raise not_found("lead", lead_id)
        return lead


def _contact_fields(check: PayloadChecker, key: str, contact: Mapping[str, Any]) -> dict[str, Any]:
    inner = PayloadChecker(contact)
    name = inner.optional_text("name")
    title = inner.optional_text("title")
    emails = [_entry(inner, "emails", entry, "email") for entry in inner.optional_objects("emails")]
    phones = [_entry(inner, "phones", entry, "phone") for entry in inner.optional_objects("phones")]
    for inner_key, message in inner.errors.items():
        check.fail(f"{key}.{inner_key}", message)
    return {"name": name, "title": title, "emails": emails, "phones": phones}


def _entry(check: PayloadChecker, key: str, entry: Mapping[str, Any], value_key: str) -> Document:
    value = entry.get(value_key)
    kind = entry.get("type", "office")
    if not isinstance(value, str) or not value:
        check.fail(key, f"Each entry needs a non-empty {value_key!r} string.")
    if not isinstance(kind, str):
        check.fail(key, "An entry's type must be a string.")
    return {value_key: value, "type": kind}
