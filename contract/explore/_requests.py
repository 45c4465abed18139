"""Cases and the exact requests they make, as tables."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, Literal

import httpx

from strategies import Case

if TYPE_CHECKING:
    # pandas ships no type information; its frames are Any to the type checker.
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from contract.explore._common import _frame, _optional
from contract.secrets import redact, secret_forms
from contract.statuses import status_set

# --- cases and requests ---------------------------------------------------------------------


def format_statuses(statuses: Iterable[int]) -> str:
    """Statuses as a short text: the full 2xx range reads ``2xx``; ``"2xx / 400"``."""
    return status_set(statuses, " / ")


_ONE_LINE: Final = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def payload_excerpt(case: Case, width: int = 80) -> str:
    """The start of the exact request body a case sends, on one line, at most ``width`` chars.

    Line breaks and tabs read as ``\\n``, ``\\r`` and ``\\t``; bytes that are not UTF-8
    as U+FFFD.
    """
    text = case.request_body().decode("utf-8", errors="replace")
    return _shorten(text.translate(_ONE_LINE), width)


def _case_kind(case: Case) -> str:
    if case.mutation is None:
        return "valid"
    return "invalid" if case.send_credentials else "auth"


def cases_frame(cases: Iterable[Case], *, width: int = 80) -> pd.DataFrame:
    """One row per case: kind, mutation, target, reason, expected statuses, payload excerpt.

    ``kind`` is ``valid``, ``invalid`` or ``auth`` (a case that brings its own credentials
    or none); ``mutation`` and ``target`` are None where they do not apply.
    """
    pandas = _optional("pandas", "cases_frame")
    rows = [
        {
            "kind": _case_kind(case),
            "mutation": case.mutation,
            "target": case.target,
            "reason": case.reason,
            "expected": format_statuses(case.expected_statuses),
            "payload": payload_excerpt(case, width),
        }
        for case in cases
    ]
    columns = ["kind", "mutation", "target", "reason", "expected", "payload"]
    return _frame(pandas, rows, columns, optional=("mutation", "target"))


def _authorization(scheme: Literal["basic", "bearer"], api_key: str) -> str:
    if scheme == "bearer":
        return f"Bearer {api_key}"
    return "Basic " + base64.b64encode(f"{api_key}:".encode()).decode("ascii")


def request_for(
    case: Case,
    base_url: str,
    api_key: str | None,
    *,
    auth_scheme: Literal["basic", "bearer"] = "basic",
) -> httpx.Request:
    """The ``POST custom_object/`` request a case makes, as a contract run sends it.

    ``base_url`` is the API root (``.../api/v1``). The body is the case's exact bytes,
    labelled with its content type (none when it has none); credentials for ``api_key``
    are added unless the case brings its own or none (auth cases), and the case's own
    headers come last. Send it with ``httpx.Client().send(request)``.
    """
    headers: dict[str, str] = {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    if case.send_credentials and api_key is not None:
        headers["Authorization"] = _authorization(auth_scheme, api_key)
    for name, value in case.headers:
        for existing in [h for h in headers if h.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value
    url = base_url.rstrip("/") + "/custom_object/"
    return httpx.Request("POST", url, headers=headers, content=case.request_body())


def exchange_record(
    response: httpx.Response, *, secrets: Iterable[str] = (), width: int = 120
) -> dict[str, Any]:
    """One request and its response as a flat, redacted dict (a table row).

    Keys: ``request`` (method and path), ``content_type`` and ``authorization`` as sent,
    ``request_body``, ``status``, ``response_type``, ``response_body`` (bodies shortened to
    ``width`` chars) and ``elapsed_ms``. Every form of each secret (as is, URL-encoded,
    inside a Basic credential) reads ``[REDACTED]``.
    """
    forms = secret_forms(secrets)
    request = response.request

    def clean(value: str | None, limit: int | None = None) -> str | None:
        if value is None:
            return None
        text = redact(" ".join(value.split()), forms)
        return text if limit is None else _shorten(text, limit)

    body = request.content.decode("utf-8", errors="replace") if request.content else None
    try:
        elapsed: float | None = round(response.elapsed.total_seconds() * 1000, 1)
    except RuntimeError:  # httpx times a response when its stream closes; a mock's never does
        elapsed = None
    return {
        "request": clean(f"{request.method} {request.url.raw_path.decode('ascii')}"),
        "content_type": clean(request.headers.get("content-type")),
        "authorization": clean(request.headers.get("authorization")),
        "request_body": clean(body, width),
        "status": response.status_code,
        "response_type": clean(response.headers.get("content-type")),
        "response_body": clean(response.content.decode("utf-8", errors="replace"), width),
        "elapsed_ms": elapsed,
    }


def exchanges_frame(
    responses: Iterable[httpx.Response], *, secrets: Iterable[str] = (), width: int = 120
) -> pd.DataFrame:
    """:func:`exchange_record` of each response, as a table."""
    pandas = _optional("pandas", "exchanges_frame")
    kept = list(secrets)
    rows = [exchange_record(r, secrets=kept, width=width) for r in responses]
    columns = [
        "request",
        "content_type",
        "authorization",
        "request_body",
        "status",
        "response_type",
        "response_body",
        "elapsed_ms",
    ]
    return _frame(pandas, rows, columns, optional=("content_type", "authorization", "request_body"))
