"""Offset paging parameters shared by the list endpoints: `_skip` and `_limit`.

Close pages with `_skip`/`_limit` and answers `data` and `has_more` (DOC pagination);
the default and maximum `_limit` are 100 (OAS default, CODE-C flask-mongorest).
"""

from __future__ import annotations

import re

from starlette.requests import Request

from contract.emulator._http import ApiError

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "integer_param"]

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
