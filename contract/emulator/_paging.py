"""Query parameters shared by the endpoints: offset paging (`_skip`, `_limit`) and field
selection (`_fields`).

Close pages with `_skip`/`_limit` and answers `data` and `has_more` (DOC pagination);
the default and maximum `_limit` are 100 (OAS default, CODE-C flask-mongorest), a
non-integer or a negative value is refused with 400 (CODE-C flask-mongorest). "Most
endpoints support a `_fields` parameter" (DOC fields): a comma-separated list of the keys
to answer; names of no key are ignored and `_all` names every key (CODE-C
flask-mongorest `get_requested_fields`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from contract.emulator._http import ApiError

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "field_names", "integer_param", "select_fields"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 100
_INTEGER = re.compile(r"-?[0-9]+")


def integer_param(request: Request, name: str, default: int, *, minimum: int) -> int:
    """An integer query parameter, `default` when absent or empty, else a 400 `ApiError`."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    # int() would also take "+5", " 5" and "5_0"; Close's framework wants plain digits.
    if not _INTEGER.fullmatch(raw):
        raise ApiError(400, {"error": f'{name} must be an integer (got "{raw}" instead).'})
    value = int(raw)
    if value < minimum:
        raise ApiError(400, {"error": f"{name} must be greater than or equal to {minimum}."})
    return value


def field_names(request: Request) -> frozenset[str] | None:
    """The keys `_fields=a,b` asks for, or None for every key (no `_fields`, one naming
    nothing, or one naming `_all`)."""
    raw = request.query_params.get("_fields") or ""
    names = frozenset(name.strip() for name in raw.split(",") if name.strip())
    return None if not names or "_all" in names else names


def select_fields(document: Mapping[str, Any], names: frozenset[str] | None) -> dict[str, Any]:
    """`document` trimmed to `names` (all of it for None)."""
    if names is None:
        return dict(document)
    return {key: value for key, value in document.items() if key in names}
