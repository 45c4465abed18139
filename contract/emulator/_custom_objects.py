"""Custom Object instance endpoints: `/api/v1/custom_object/` and `/{id}/`.

Create answers 201 with the bare instance and delete answers 204 with an empty body
(OAS); retrieve, list and update answer 200. List requires `lead_id` (DOC) and pages
with `_skip`/`_limit` (DOC pagination; default and maximum 100, CODE-C flask-mongorest).
Faults that change these endpoints' behaviour are applied here; faults that change
only the rendering live in `_documents.render_instance`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from contract.emulator._documents import render_instance, stamp
from contract.emulator._http import ApiError, not_found, read_json_object
from contract.emulator._paging import DEFAULT_LIMIT, MAX_LIMIT, integer_param
from contract.emulator._state import EmulatorState, principal_of
from contract.emulator._store import Document
from contract.emulator._validation import SimulatedCrash, validate_create, validate_update

__all__ = ["CustomObjectEndpoints"]

# A well-formed user id of nobody the emulator seeds: who a faulty PUT says made it.
_ANOTHER_USER = "user_" + "Impostor" + "0" * 35

_TABLE = "custom_object"


class CustomObjectEndpoints:
    """Handlers for custom object instances, bound to one emulator state."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        # For the faults that serve what is no longer there: instances as they were
        # before their last update, and deleted ones.
        self._previous: dict[str, Document] = {}
        self._deleted: dict[str, Document] = {}

    def routes(self) -> list[Route]:
        """Starlette routes, one per method so other methods answer 405."""
        collection = "/api/v1/custom_object/"
        item = "/api/v1/custom_object/{object_id}/"
        return [
            Route(collection, self.list_page, methods=["GET"]),
            Route(collection, self.create, methods=["POST"]),
            Route(item, self.retrieve, methods=["GET"]),
            Route(item, self.update, methods=["PUT"]),
            Route(item, self.delete, methods=["DELETE"]),
        ]

    async def create(self, request: Request) -> Response:
        """POST custom_object/: validate, store, answer 201 with the instance."""
        principal = principal_of(request)
        payload = await read_json_object(request)
        faults = self.state.faults
        try:
            valid = validate_create(
                payload,
                self.state.store,
                principal,
                faults,
                refuse_blank_text=self.state.refuse_blank_text,
            )
        except SimulatedCrash:
            return PlainTextResponse("Internal Server Error", status_code=500)
        prefix = "co_" if "wrong_id_prefix" in faults else "custobj_"
        instance: Document = {
            "id": self.state.ids.new(prefix),
            "custom_object_type_id": valid.custom_object_type_id,
            "lead_id": valid.lead_id,
            "name": valid.name,
            **stamp(principal, self.state.clock.now_text()),
            "custom": valid.custom,
        }
        if "lost_writes" not in faults:
            self.state.store.insert(_TABLE, instance)
        status = 200 if "create_returns_200" in faults else 201
        return self._answer(self._render(instance), status)

    async def list_page(self, request: Request) -> Response:
        """GET custom_object/?lead_id=…: one page of a lead's instances."""
        principal = principal_of(request)
        params = request.query_params
        lead_id = params.get("lead_id")
        if not lead_id:
            raise ApiError(400, {"error": "The lead_id parameter is required."})
        skip = integer_param(request, "_skip", 0, minimum=0)
        limit = integer_param(request, "_limit", DEFAULT_LIMIT, minimum=1)
        if limit > MAX_LIMIT:
            raise ApiError(
                400,
                {
                    "error": "The limit you set is larger than the maximum limit for this "
                    f"resource (max_limit = {MAX_LIMIT})."
                },
            )
        where = {"organization_id": principal.organization_id}
        if "list_ignores_lead" not in self.state.faults:
            where["lead_id"] = lead_id
        type_id = params.get("custom_object_type_id")
        if type_id and "list_ignores_type" not in self.state.faults:
            where["custom_object_type_id"] = type_id
        if skip and "skip_off_by_one" in self.state.faults:
            skip += 1
        if "list_empty" in self.state.faults:
            return self._answer({"data": [], "has_more": False})
        # One extra row tells whether another page exists.
        rows = self.state.store.find(_TABLE, skip=skip, limit=limit + 1, **where)
        if "list_shows_deleted" in self.state.faults and not skip:
            rows += [
                doc
                for doc in self._deleted.values()
                if all(doc.get(column) == value for column, value in where.items())
            ]
        if "get_serves_stale" in self.state.faults:
            rows = [self._previous.get(row["id"], row) for row in rows]
        # Field types are looked up once per type, not once per listed instance.
        types: dict[str, dict[str, str]] = {}
        data = []
        for row in rows[:limit]:
            type_id = row["custom_object_type_id"]
            if type_id not in types:
                types[type_id] = self._types_of(row)
            data.append(self._render(row, types[type_id]))
        return self._answer({"data": data, "has_more": len(rows) > limit})

    async def retrieve(self, request: Request) -> Response:
        """GET custom_object/{id}/."""
        organization_id: str | None = principal_of(request).organization_id
        if "cross_org_read" in self.state.faults:
            organization_id = None
        instance = self._find(request, organization_id)
        if "get_serves_stale" in self.state.faults:
            instance = self._previous.get(instance["id"], instance)
        return self._answer(self._render(instance))

    async def update(self, request: Request) -> Response:
        """PUT custom_object/{id}/: a partial update of name and custom values."""
        principal = principal_of(request)
        faults = self.state.faults
        gone = self._deleted.get(str(request.path_params["object_id"]))
        if gone is not None and "put_resurrects_deleted" in faults:
            self.state.store.insert(_TABLE, gone)
            del self._deleted[gone["id"]]
        self._find(request, principal.organization_id)
        payload = await read_json_object(request)
        # Look again: the instance may have been deleted while the body arrived.
        instance = self._find(request, principal.organization_id)
        try:
            change = validate_update(
                payload,
                instance,
                self.state.store,
                principal,
                faults,
                refuse_blank_text=self.state.refuse_blank_text,
            )
        except ApiError:
            name = payload.get("name")
            if "rejected_update_applied" in faults and isinstance(name, str) and name.strip():
                self.state.store.replace(_TABLE, {**instance, "name": name})
            raise
        kept = {} if "put_replaces" in faults else instance.get("custom", {})
        custom = {**kept, **change.set_values}
        if "null_not_removed" not in faults:
            for field_id in change.removed:
                custom.pop(field_id, None)
        now = self.state.clock.now_text()
        updated = {**instance, "custom": custom, "updated_by": principal.user_id}
        updated["date_updated"] = now
        if "update_timestamp_local_time" in faults:
            local = datetime.fromisoformat(now) - timedelta(hours=5)
            updated["date_updated"] = local.isoformat(timespec="microseconds")
        if "update_rewrites_date_created" in faults:
            updated["date_created"] = now
        if "update_by_another_user" in faults:
            updated["updated_by"] = _ANOTHER_USER
        if "update_rewrites_organization" in faults:
            others = self.state.store.find("organization")
            other = next(o["id"] for o in others if o["id"] != principal.organization_id)
            updated["organization_id"] = other
        if change.name is not None:
            updated["name"] = change.name
        stored = updated
        if "null_removal_not_stored" in faults:
            old = instance.get("custom", {})
            stored = {
                **updated,
                "custom": {**custom, **{f: old[f] for f in change.removed if f in old}},
            }
        if "get_serves_stale" in faults:
            self._previous[instance["id"]] = instance
        if "update_not_persisted" not in faults:
            self.state.store.replace(_TABLE, stored)
        return self._answer(self._render(updated))

    async def delete(self, request: Request) -> Response:
        """DELETE custom_object/{id}/: 204 with an empty body."""
        instance = self._find(request, principal_of(request).organization_id)
        if "delete_noop" not in self.state.faults:
            self.state.store.delete(_TABLE, instance["id"])
            if {"list_shows_deleted", "put_resurrects_deleted"} & self.state.faults.names:
                self._deleted[instance["id"]] = instance
        if "delete_returns_200" in self.state.faults:
            return JSONResponse({}, status_code=200)
        return Response(status_code=204)

    def _answer(self, body: Document, status: int = 200) -> Response:
        """A successful answer: JSON, labelled text/plain under `json_as_text_plain`."""
        answer = JSONResponse(body, status_code=status)
        if "json_as_text_plain" in self.state.faults:
            # The same bytes; only the label changes (Starlette adds the charset).
            return Response(answer.body, status_code=status, media_type="text/plain")
        return answer

    def _find(self, request: Request, organization_id: str | None) -> Document:
        object_id = str(request.path_params["object_id"])
        instance = self.state.store.get(_TABLE, object_id, organization_id)
        if instance is not None:
            return instance
        if "unknown_id_400" in self.state.faults:
            raise ApiError(400, {"error": f"Invalid custom object id {object_id!r}."})
        raise not_found("custom_object", object_id)

    def _render(self, instance: Document, field_types: dict[str, str] | None = None) -> Document:
        if field_types is None:
            field_types = self._types_of(instance)
        body = render_instance(instance, field_types, self.state.faults)
        if "multi_value_as_string" in self.state.faults:
            # Only multi-value fields hold lists, so every one-element list is one of them.
            for key, value in body.items():
                if key.startswith("custom.") and isinstance(value, list) and len(value) == 1:
                    body[key] = value[0]
        return body

    def _types_of(self, instance: Document) -> dict[str, str]:
        """Field id -> field type for the instance's custom object type."""
        fields = self.state.store.find(
            "custom_field",
            organization_id=instance["organization_id"],
            custom_object_type_id=instance["custom_object_type_id"],
        )
        return {field["id"]: str(field["type"]) for field in fields}
