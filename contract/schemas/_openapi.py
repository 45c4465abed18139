"""The OpenAPI 3.1 document of the five Custom Object operations, built from the schemas.

The committed ``openapi.json`` is this builder's output for the generic (any type)
schemas; a test keeps the two in sync. :func:`openapi_document` can also be specialised with
one type's schemas, which is what the schemathesis phase feeds to schemathesis.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

from contract.schemas._files import load_schema

__all__ = ["load_openapi", "openapi_document"]

Schema = dict[str, Any]
_JSON = "application/json"


def _json_content(ref: str) -> dict[str, Any]:
    return {_JSON: {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _errors(*statuses: str) -> dict[str, Any]:
    # Close's own OpenAPI types every error body as "Any type"; that errors come back as
    # JSON objects is the only part firm enough to state. Their shapes are baseline matter.
    text = {
        "400": "Bad Request: the body breaks a documented rule",
        "401": "Unauthorized: missing or invalid credentials",
        "404": "Not Found: unknown id in the path",
        "415": "Unsupported Media Type: the body is not JSON",
    }
    answers: dict[str, Any] = {
        s: {"description": text[s], "content": _json_content("ErrorBody")} for s in statuses
    }
    # Close documents its rate limit for every endpoint; a 429 may carry no JSON body
    # (it can come from the ingress), so only its meaning is stated.
    answers["429"] = {"description": "Too Many Requests: the RateLimit header says when to retry"}
    return answers


def _strip(schema: Schema) -> Schema:
    component = copy.deepcopy(schema)
    component.pop("$schema", None)
    component.pop("$id", None)
    return component


def openapi_document(
    *,
    request_schema: Schema | None = None,
    update_schema: Schema | None = None,
    instance_schema: Schema | None = None,
    server_url: str = "https://api.close.com/api/v1",
) -> dict[str, Any]:
    """Build the OpenAPI 3.1 document; pass one type's schemas to specialise it."""
    instance = _strip(instance_schema or load_schema("custom_object"))
    page = load_schema("custom_object_list")
    page["properties"]["data"]["items"] = {"$ref": "#/components/schemas/CustomObject"}
    object_id = {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "A Custom Object instance id",
        "schema": {"type": "string", "pattern": "^custobj_[0-9A-Za-z]+$"},
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Close Custom Object instances",
            "version": "1",
            "description": "The Custom Object endpoints of the Close REST API, as contracted "
            "by close-contract. Success statuses are those of Close's OpenAPI.",
        },
        "servers": [{"url": server_url}],
        "security": [{"basicAuth": []}, {"bearerAuth": []}],
        "paths": {
            "/custom_object/": {
                "get": {
                    "operationId": "listCustomObjects",
                    "summary": "List Custom Object instances of a lead",
                    "parameters": [
                        {
                            "name": "lead_id",
                            "in": "query",
                            "required": True,
                            "schema": load_schema("common")["$defs"]["lead_id"],
                        },
                        {
                            "name": "custom_object_type_id",
                            "in": "query",
                            "required": False,
                            "schema": load_schema("common")["$defs"]["custom_object_type_id"],
                        },
                        {
                            "name": "_skip",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "_limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "A page",
                            "content": _json_content("CustomObjectList"),
                        },
                        **_errors("400", "401"),
                    },
                },
                "post": {
                    "operationId": "createCustomObject",
                    "summary": "Create a new Custom Object instance",
                    "requestBody": {
                        "required": True,
                        "content": _json_content("CustomObjectCreateRequest"),
                    },
                    "responses": {
                        "201": {"description": "Created", "content": _json_content("CustomObject")},
                        **_errors("400", "401", "404", "415"),
                    },
                },
            },
            "/custom_object/{id}/": {
                "parameters": [object_id],
                "get": {
                    "operationId": "getCustomObject",
                    "summary": "Retrieve a single Custom Object instance",
                    "responses": {
                        "200": {
                            "description": "The instance",
                            "content": _json_content("CustomObject"),
                        },
                        **_errors("401", "404"),
                    },
                },
                "put": {
                    "operationId": "updateCustomObject",
                    "summary": "Update a Custom Object instance (behaves as a PATCH)",
                    "requestBody": {
                        "required": True,
                        "content": _json_content("CustomObjectUpdateRequest"),
                    },
                    "responses": {
                        "200": {"description": "Updated", "content": _json_content("CustomObject")},
                        **_errors("400", "401", "404", "415"),
                    },
                },
                "delete": {
                    "operationId": "deleteCustomObject",
                    "summary": "Delete a Custom Object instance",
                    "responses": {"204": {"description": "No content"}, **_errors("401", "404")},
                },
            },
        },
        "components": {
            "securitySchemes": {
                "basicAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "Use your API key as the username and leave the password empty.",
                },
                "bearerAuth": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {
                "CustomObjectCreateRequest": _strip(
                    request_schema or load_schema("custom_object_create_request")
                ),
                "CustomObjectUpdateRequest": _strip(
                    update_schema or load_schema("custom_object_update_request")
                ),
                "CustomObject": instance,
                "CustomObjectList": _strip(page),
                "ErrorBody": {
                    "description": "An error body (its shape is not documented)",
                    "type": "object",
                },
            },
        },
    }


def load_openapi() -> dict[str, Any]:
    """The committed, generic OpenAPI document (``contract/schemas/openapi.json``)."""
    text = resources.files("contract.schemas").joinpath("openapi.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document
