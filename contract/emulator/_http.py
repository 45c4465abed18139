"""Request bodies and error responses shared by every endpoint.

Every error the emulator produces is JSON: `{"error": "..."}` for 401/404/405/415/429
and for malformed requests, and Close's validation shape
`{"errors": [...], "field-errors": {...}}` for rejected payloads (docs/close-api.md §3).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from contract.emulator._faults import FaultSet
from contract.emulator._store import Document

__all__ = [
    "ApiError",
    "error_response",
    "http_exception_response",
    "not_found",
    "read_json_object",
    "server_error_response",
    "validation_error",
]

_JSON_MEDIA_TYPE = "application/json"


class ApiError(Exception):
    """An error answer: raised by endpoints, turned into a response by the app."""

    def __init__(
        self, status: int, body: Document, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def not_found(kind: str, object_id: str) -> ApiError:
    """404 for an id in the path that this organization cannot see."""
    return ApiError(404, {"error": f"Empty query: {kind} matching id {object_id!r} not found."})


def validation_error(field_errors: Mapping[str, str], errors: list[str] | None = None) -> ApiError:
    """400 in Close's validation shape, keyed by the raw request keys."""
    return ApiError(400, {"errors": list(errors or []), "field-errors": dict(field_errors)})


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or an `ApiError` (415 / 400) explaining why not."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != _JSON_MEDIA_TYPE:
        shown = content_type or "none"
        raise ApiError(
            415, {"error": f"Unsupported Media Type {shown!r}: send the body as application/json."}
        )
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, {"error": "The request body is empty; expected a JSON object."})
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, {"error": f"Unable to decode the JSON body: {exc}"}) from None
    if not isinstance(value, dict):
        raise ApiError(
            400, {"errors": ["Invalid request: JSON dictionary expected."], "field-errors": {}}
        )
    return value


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity, which are not JSON.
    raise ValueError(f"{name} is not valid JSON")


# What a server that hands its traceback to the client (`stack_trace_in_errors`) adds.
_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/api/views.py", line 212, in dispatch_request\n'
    "    return self.validate(payload)\n"
    '  File "/srv/api/validation.py", line 88, in validate\n'
    "    raise ValidationError(errors)\n"
    "ValidationError: the request was invalid"
)


def error_response(error: ApiError, faults: FaultSet) -> Response:
    """Render an `ApiError`, honouring the `error_not_json` and `stack_trace_in_errors`
    faults."""
    if error.status == 400 and "error_not_json" in faults:
        page = "<html><body><h1>400 Bad Request</h1><p>The request was invalid.</p></body></html>"
        return HTMLResponse(page, status_code=400, headers=error.headers)
    body = error.body
    if error.status == 400 and "stack_trace_in_errors" in faults:
        body = {**body, "traceback": _TRACEBACK}
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def http_exception_response(exc: HTTPException, allow: str | None = None) -> Response:
    """Starlette's routing errors (unknown route 404, wrong method 405) as JSON; a 405's
    `Allow` header is `allow` (every method of the path; None: no header at all)."""
    messages = {
        404: "Not Found: no such endpoint.",
        405: "Method Not Allowed for this endpoint.",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "allow"}
    if exc.status_code == 405 and allow is not None:
        headers["Allow"] = allow
    return JSONResponse({"error": message}, status_code=exc.status_code, headers=headers)


def server_error_response() -> Response:
    """Last-resort 500, still JSON."""
    return JSONResponse({"error": "Internal Server Error"}, status_code=500)
