"""Custom Object instance endpoints: `/api/v1/custom_object/` and `/{id}/`.

Create answers 201 with the bare instance and delete answers 204 with an empty body
(OAS); retrieve, list and update answer 200. List requires `lead_id` (DOC) and pages
with `_skip`/`_limit` (DOC pagination; default and maximum 100, CODE-C flask-mongorest);
list and retrieve answer only the keys `_fields` names (DOC fields: "Most endpoints").
Faults that change these endpoints' behaviour are applied here; faults that change
only the rendering live in `_documents.render_instance`.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from contract.emulator._bursts import Burst
from contract.emulator._documents import render_instance, stamp
from contract.emulator._http import ApiError, not_found, read_json_object
from contract.emulator._paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    field_names,
    integer_param,
    select_fields,
)
from contract.emulator._state import EmulatorState, principal_of
from contract.emulator._store import Document
from contract.emulator._validation import SimulatedCrash, validate_create, validate_update

__all__ = ["CustomObjectEndpoints"]

# A well-formed user id of nobody the emulator seeds: who a faulty PUT says made it.
_ANOTHER_USER = "user_" + "Impostor" + "0" * 35

_TABLE = "custom_object"
# How long GET cannot find an instance whose create overlapped another, under
# `read_lags_concurrent_creates` (a read replica behind the primary under load).
READ_LAG = 1.0
# An id's shape: a prefix and base62 characters (what a faulty id parser keeps of a path).
_ID = re.compile(r"[a-z]+_[0-9A-Za-z]+")


class CustomObjectEndpoints:
    """Handlers for custom object instances, bound to one emulator state."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        # For the faults that serve what is no longer there: instances as they were
        # before their last update, and deleted ones.
        self._previous: dict[str, Document] = {}
        self._deleted: dict[str, Document] = {}
        # For the faults that show when requests overlap: the bursts of creates and of
        # updates; under `read_lags_concurrent_creates` the creates in flight (whether
        # another one overlapped each), and the instances GET cannot find yet (until when).
        self._creates = Burst()
        self._updates = Burst()
        self._in_flight: dict[object, bool] = {}
        self._lagging: dict[str, float] = {}

    def routes(self) -> list[Route]:
        """Starlette routes, one per method so other methods answer 405."""
        collection = "/api/v1/custom_object/"
        item = "/api/v1/custom_object/{object_id}/"
        routes = [
            Route(collection, self.list_page, methods=["GET"]),
            Route(collection, self.create, methods=["POST"]),
            Route(item, self.retrieve, methods=["GET"]),
            Route(item, self.update, methods=["PUT"]),
            Route(item, self.delete, methods=["DELETE"]),
        ]
        if "patch_accepted" in self.state.faults:
            routes.append(Route(item, self.update, methods=["PATCH"]))
        return routes

    async def create(self, request: Request) -> Response:
        """POST custom_object/: validate, store, answer 201 with the instance."""
        self._creates.arrived()
        principal = principal_of(request)
        payload = await read_json_object(request)
        faults = self.state.faults
        if "duplicate_keys_500" in faults and _names_a_key_twice(await request.body()):
            return PlainTextResponse("Internal Server Error", status_code=500)
        if "key_names_normalised" in faults:
            payload = {_normalised(key): value for key, value in payload.items()}
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
            **stamp(principal, self._stamp_of_create()),
            "custom": valid.custom,
        }
        if "mass_assignment_accepted" in faults:
            # A model filled straight from the request body: the keys it names win.
            sent = {k: payload[k] for k in ("created_by", "date_created") if k in payload}
            instance.update({k: v for k, v in sent.items() if isinstance(v, str)})
        if "concurrent_create_lost" in faults:
            await self._rewrite_lead(valid.lead_id, principal.organization_id)
        lags = "read_lags_concurrent_creates" in faults and await self._overlapped()
        if "lost_writes" not in faults:
            self.state.store.insert(_TABLE, instance)
        if lags:
            self._lagging[instance["id"]] = time.monotonic() + READ_LAG
        status = 200 if "create_returns_200" in faults else 201
        return self._answer(self._render(instance), status)

    async def list_page(self, request: Request) -> Response:
        """GET custom_object/?lead_id=…: one page of a lead's instances."""
        principal = principal_of(request)
        params = request.query_params
        lead_id = params.get("lead_id")
        if not lead_id:
            raise ApiError(400, {"error": "The lead_id parameter is required."})
        paging = self._paging(request)
        if isinstance(paging, Response):
            return paging
        skip, limit = paging
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
        fields = self._fields(request)
        data = []
        for row in rows[:limit]:
            type_id = row["custom_object_type_id"]
            if type_id not in types:
                types[type_id] = self._types_of(row)
            data.append(self._render(row, types[type_id], fields))
        return self._answer({"data": data, "has_more": len(rows) > limit})

    async def retrieve(self, request: Request) -> Response:
        """GET custom_object/{id}/."""
        organization_id: str | None = principal_of(request).organization_id
        if "cross_org_read" in self.state.faults:
            organization_id = None
        instance = self._find(request, organization_id)
        if time.monotonic() < self._lagging.get(instance["id"], 0.0):
            raise not_found("custom_object", instance["id"])
        if "get_serves_stale" in self.state.faults:
            instance = self._previous.get(instance["id"], instance)
        return self._answer(self._render(instance, fields=self._fields(request)))

    async def update(self, request: Request) -> Response:
        """PUT custom_object/{id}/: a partial update of name and custom values."""
        self._updates.arrived()
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
        if "lost_concurrent_update" in faults:
            # Read now, write the whole merged document back later: what another PUT
            # stored meanwhile is overwritten. (Without the fault nothing awaits between
            # the read and the write, so on the one event loop each PUT is atomic.)
            await self._updates.settle()
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
        if "timestamps_in_future" in faults:
            updated["date_updated"] = _shifted(now, hours=1)
        if "update_keeps_date_updated" in faults:
            updated["date_updated"] = instance["date_updated"]
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
            if "put_not_idempotent" in faults and change.name == instance["name"]:
                updated["name"] = f"{change.name} (2)"
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

    async def _overlapped(self) -> bool:
        """Under `read_lags_concurrent_creates`: wait, and say whether another create was
        in flight at any moment meanwhile (its instance then lags on the read replica)."""
        token = object()
        for other in self._in_flight:
            self._in_flight[other] = True
        self._in_flight[token] = bool(self._in_flight)
        await self._creates.settle()
        return self._in_flight.pop(token)

    async def _rewrite_lead(self, lead_id: str, organization_id: str) -> None:
        """Under `concurrent_create_lost`: read the lead's instances, wait, and write them
        back as read (the caller then stores the new one): instances that other creates
        stored on the lead meanwhile are lost. Creates one after another lose nothing."""
        store = self.state.store

        def on_lead() -> list[Document]:
            return store.find(_TABLE, organization_id=organization_id, lead_id=lead_id)

        before = {row["id"] for row in on_lead()}
        await self._creates.settle()
        for row in on_lead():
            if row["id"] not in before:
                store.delete(_TABLE, row["id"])

    def _stamp_of_create(self) -> str:
        """The time a new instance is stamped with (wrong under the clock faults)."""
        now = self.state.clock.now_text()
        if "timestamps_in_future" in self.state.faults:
            return _shifted(now, hours=1)
        if "create_timestamp_local_time" in self.state.faults:
            return _shifted(now, hours=-5)
        return now

    def _find(self, request: Request, organization_id: str | None) -> Document:
        object_id = str(request.path_params["object_id"])
        well_formed = _ID.match(object_id)
        if well_formed is None or well_formed.end() < len(object_id):
            if "malformed_id_500" in self.state.faults:
                raise ApiError(500, {"error": "Internal Server Error"})
            if "id_suffix_ignored" in self.state.faults and well_formed is not None:
                object_id = well_formed.group()
        instance = self.state.store.get(_TABLE, object_id, organization_id)
        if instance is not None:
            return instance
        if "existence_leak_403" in self.state.faults and self.state.store.get(
            _TABLE, object_id, None
        ):
            raise ApiError(403, {"error": "You do not have permission to access this object."})
        if "unknown_id_400" in self.state.faults:
            raise ApiError(400, {"error": f"Invalid custom object id {object_id!r}."})
        raise not_found("custom_object", object_id)

    def _render(
        self,
        instance: Document,
        field_types: dict[str, str] | None = None,
        fields: frozenset[str] | None = None,
    ) -> Document:
        if field_types is None:
            field_types = self._types_of(instance)
        body = render_instance(instance, field_types, self.state.faults)
        if "multi_value_as_string" in self.state.faults:
            # Only multi-value fields hold lists, so every one-element list is one of them.
            for key, value in body.items():
                if key.startswith("custom.") and isinstance(value, list) and len(value) == 1:
                    body[key] = value[0]
        return select_fields(body, fields)

    def _fields(self, request: Request) -> frozenset[str] | None:
        """The keys `_fields` asks for (None: every key, or the fault ignoring it)."""
        return None if "fields_ignored" in self.state.faults else field_names(request)

    def _paging(self, request: Request) -> tuple[int, int] | Response:
        """`_skip` and `_limit` of a list (400 for a bad one), or the answer a paging
        fault gives instead."""
        faults = self.state.faults
        raw_limit = request.query_params.get("_limit", "")
        if "limit_negative_500" in faults and raw_limit and not raw_limit.isdigit():
            return PlainTextResponse("Internal Server Error", status_code=500)
        try:
            skip = integer_param(request, "_skip", 0, minimum=0)
            limit = integer_param(request, "_limit", DEFAULT_LIMIT, minimum=1)
        except ApiError as refused:
            if "bad_query_422" in faults:
                # A validation framework's status and shape, which Close does not use.
                detail = [{"loc": ["query"], "msg": refused.body.get("error", "")}]
                return JSONResponse({"detail": detail}, status_code=422)
            raise
        if limit > MAX_LIMIT:
            raise ApiError(
                400,
                {
                    "error": "The limit you set is larger than the maximum limit for this "
                    f"resource (max_limit = {MAX_LIMIT})."
                },
            )
        if "limit_ignored" in faults:
            limit = DEFAULT_LIMIT
        return skip, limit

    def _types_of(self, instance: Document) -> dict[str, str]:
        """Field id -> field type for the instance's custom object type."""
        fields = self.state.store.find(
            "custom_field",
            organization_id=instance["organization_id"],
            custom_object_type_id=instance["custom_object_type_id"],
        )
        return {field["id"]: str(field["type"]) for field in fields}


def _shifted(stamp: str, *, hours: float) -> str:
    """``stamp`` moved by ``hours``, still labelled UTC (a server clock in another zone)."""
    moved = datetime.fromisoformat(stamp) + timedelta(hours=hours)
    return moved.isoformat(timespec="microseconds")


def _names_a_key_twice(raw: bytes) -> bool:
    """Whether a JSON object body names one of its top-level keys twice
    (`duplicate_keys_500`: a parser that chokes on them)."""
    seen: list[list[str]] = []

    def keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
        seen.append([key for key, _ in pairs])
        return dict(pairs)

    try:
        json.loads(raw, object_pairs_hook=keys)
    except ValueError:
        return False
    # The top-level object is the last one the hook sees.
    return bool(seen) and len(set(seen[-1])) < len(seen[-1])


def _normalised(key: str) -> str:
    """A key as `key_names_normalised` reads it: without whitespace or zero-width
    characters (a lenient parser's idea of the key meant)."""
    return "".join(c for c in key if not c.isspace() and c not in "\u200b\u200c\u200d\ufeff")
