"""Endpoints describing the organization: `me/`, custom object types and their fields.

Types (`cotype_` ids) and custom object custom fields (`cf_` ids) are created with
201 (OAS, DOC). A type embeds the metadata of its fields; the field resource carries
the full definition, including `choices` (docs/close-api.md §2).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contract.emulator._checks import PayloadChecker
from contract.emulator._documents import (
    FIELD_TYPES,
    MULTI_VALUE_TYPES,
    new_field_doc,
    new_type_doc,
    offered,
    render_type,
)
from contract.emulator._http import not_found, read_json_object
from contract.emulator._ids import looks_like_id
from contract.emulator._state import EmulatorState, principal_of
from contract.emulator._store import Document

__all__ = ["MetadataEndpoints"]

_TYPES = "/api/v1/custom_object_type/"
_FIELDS = "/api/v1/custom_field/custom_object_type/"


class MetadataEndpoints:
    """Handlers for `me/`, `custom_object_type/` and `custom_field/custom_object_type/`."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Starlette routes, one per method so other methods answer 405."""
        return [
            Route("/api/v1/me/", self.me, methods=["GET"]),
            Route(_TYPES, self.list_types, methods=["GET"]),
            Route(_TYPES, self.create_type, methods=["POST"]),
            Route(_TYPES + "{object_id}/", self.get_type, methods=["GET"]),
            Route(_FIELDS, self.list_fields, methods=["GET"]),
            Route(_FIELDS, self.create_field, methods=["POST"]),
            Route(_FIELDS + "{object_id}/", self.get_field, methods=["GET"]),
        ]

    async def me(self, request: Request) -> Response:
        """GET me/: the key's user and organization."""
        principal = principal_of(request)
        user = self.state.store.get("user", principal.user_id)
        organization = self.state.store.get("organization", principal.organization_id)
        if user is None or organization is None:
            raise not_found("user", principal.user_id)
        body = {
            "id": user["id"],
            "email": user["email"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "display_name": f"{user['first_name']} {user['last_name']}",
            "date_created": user["date_created"],
            "organizations": [{"id": organization["id"], "name": organization["name"]}],
        }
        return JSONResponse(body)

    async def list_types(self, request: Request) -> Response:
        """GET custom_object_type/."""
        org = principal_of(request).organization_id
        types = self.state.store.find("custom_object_type", organization_id=org)
        return JSONResponse({"data": [self._type(doc) for doc in types], "has_more": False})

    async def get_type(self, request: Request) -> Response:
        """GET custom_object_type/{id}/."""
        org = principal_of(request).organization_id
        type_id = str(request.path_params["object_id"])
        doc = self.state.store.get("custom_object_type", type_id, org)
        if doc is None:
            raise not_found("custom_object_type", type_id)
        return JSONResponse(self._type(doc))

    async def create_type(self, request: Request) -> Response:
        """POST custom_object_type/: name and name_plural required."""
        principal = principal_of(request)
        check = PayloadChecker(await read_json_object(request))
        name = check.required_text("name")
        name_plural = check.required_text("name_plural")
        description = check.optional_text("description")
        api_create_only = check.optional_bool("api_create_only", False)
        roles = check.optional_strings("editable_with_roles")
        check.raise_on_errors()
        doc = new_type_doc(
            self.state.ids.new("cotype_"),
            principal,
            self.state.clock.now_text(),
            name=name,
            name_plural=name_plural,
            description=description,
            api_create_only=api_create_only,
            editable_with_roles=roles,
        )
        self.state.store.insert("custom_object_type", doc)
        return JSONResponse(self._type(doc), status_code=201)

    async def list_fields(self, request: Request) -> Response:
        """GET custom_field/custom_object_type/: every field of the organization."""
        org = principal_of(request).organization_id
        fields = self.state.store.find("custom_field", organization_id=org)
        shown = [offered(field, self.state.faults) for field in fields]
        return JSONResponse({"data": shown, "has_more": False})

    async def get_field(self, request: Request) -> Response:
        """GET custom_field/custom_object_type/{id}/."""
        org = principal_of(request).organization_id
        field_id = str(request.path_params["object_id"])
        doc = self.state.store.get("custom_field", field_id, org)
        if doc is None:
            raise not_found("custom_field", field_id)
        return JSONResponse(offered(doc, self.state.faults))

    async def create_field(self, request: Request) -> Response:
        """POST custom_field/custom_object_type/: add a field to a type of this org."""
        principal = principal_of(request)
        org = principal.organization_id
        check = PayloadChecker(await read_json_object(request))
        type_id = check.required_text("custom_object_type_id")
        if type_id and not self._type_exists(type_id, org):
            check.fail("custom_object_type_id", "Object does not exist.")
        name = check.required_text("name")
        kind = check.required_text("type")
        if kind and kind not in FIELD_TYPES:
            check.fail("type", f"Not a valid choice; expected one of: {', '.join(FIELD_TYPES)}.")
        multiple = check.optional_bool("accepts_multiple_values", False)
        if multiple and kind not in MULTI_VALUE_TYPES:
            check.fail("accepts_multiple_values", f"A {kind} field cannot hold multiple values.")
        choices = check.optional_strings("choices")
        if kind == "choices" and not choices:
            check.fail("choices", "A choices field needs a non-empty list of choices.")
        referenced = check.optional_text("referenced_custom_type_id")
        if kind == "custom_object":
            if referenced is None:
                check.fail("referenced_custom_type_id", "This field is required.")
            elif not self._type_exists(referenced, org):
                check.fail("referenced_custom_type_id", "Object does not exist.")
        back_reference = check.payload.get("back_reference_is_visible")
        if back_reference is not None and not isinstance(back_reference, bool):
            check.fail("back_reference_is_visible", "Value must be a boolean.")
        description = check.optional_text("description")
        required = check.optional_bool("required", False)
        roles = check.optional_strings("editable_with_roles")
        check.raise_on_errors()
        is_reference = kind == "custom_object"
        doc: Document = new_field_doc(
            self.state.ids.new("cf_"),
            principal,
            self.state.clock.now_text(),
            custom_object_type_id=type_id,
            name=name,
            type=kind,
            description=description,
            required=required,
            editable_with_roles=roles,
            accepts_multiple_values=multiple,
            choices=choices,
            referenced_custom_type_id=referenced if is_reference else None,
            back_reference_is_visible=(
                (True if back_reference is None else back_reference) if is_reference else None
            ),
        )
        self.state.store.insert("custom_field", doc)
        return JSONResponse(doc, status_code=201)

    def _type_exists(self, type_id: str, organization_id: str) -> bool:
        if not looks_like_id(type_id, "cotype_"):
            return False
        return self.state.store.exists(
            "custom_object_type", type_id, organization_id=organization_id
        )

    def _type(self, doc: Document) -> Document:
        fields = self.state.store.find(
            "custom_field", organization_id=doc["organization_id"], custom_object_type_id=doc["id"]
        )
        return render_type(doc, [offered(field, self.state.faults) for field in fields])
