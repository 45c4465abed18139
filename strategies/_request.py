"""Mutations of the request as a whole: the body's JSON shape, its media type, credentials."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

from strategies._case import compact_json
from strategies._model import TypeModel
from strategies._mutation import (
    AUTH,
    BAD_REQUEST,
    UNSUPPORTED,
    Builder,
    Mutation,
    Variant,
    no_target,
    shown,
)
from strategies._values import BASE62

__all__ = ["AUTH_MUTATIONS", "BODY_MUTATIONS", "is_json"]

_OBJECT = "the create body must be a JSON object (DOC examples; Close answers 400)"
_TOKEN = st.text(alphabet=BASE62, min_size=22, max_size=22)


def is_json(body: bytes) -> bool:
    """Whether ``body`` parses as UTF-8 JSON."""
    try:
        json.loads(body.decode("utf-8"))
    except ValueError:  # also UnicodeDecodeError
        return False
    return True


def _array(draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]) -> Variant:
    value = draw(st.sampled_from([[base], [], [base, base]]))
    what = "an empty array" if not value else f"an array of {len(value)} valid payload(s)"
    return Variant(payload=value, detail=f"the body is {what}")


def _string(draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]) -> Variant:
    # The double-encoded payload is the classic client bug: JSON text inside a JSON string.
    encoded = compact_json(base).decode("utf-8")
    value = draw(st.sampled_from([encoded, "", base["name"]]))
    return Variant(payload=value, detail=f"the body is the JSON string {shown(value)}")


def _number(draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]) -> Variant:
    value = draw(st.sampled_from([0, 1, -1, 3.5, 10**15]))
    return Variant(payload=value, detail=f"the body is the JSON number {value}")


def _malformed(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    text = compact_json(base)
    # Any proper prefix of an object's JSON text lacks its closing brace: never JSON.
    cut = draw(st.integers(min_value=1, max_value=len(text) - 1))
    body = draw(
        st.sampled_from(
            [
                text[:cut],
                text[:-1] + b",}",
                repr(base).encode("utf-8"),
                b'{"name":"\xff\xfe"}',
                b"{",
                b"{name: 'x'}",
                b"",
            ]
        )
    )
    if is_json(body):  # pragma: no cover - every branch above is malformed by construction
        raise AssertionError(f"body_malformed_json built valid JSON: {body!r}")
    return Variant(payload=None, body=body, detail=f"the body {shown(body)} is not JSON")


def _content_type(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    media = draw(st.sampled_from(["text/plain", "application/x-www-form-urlencoded"]))
    return Variant(payload=base, content_type=media, detail=f"a JSON body is sent as {media}")


def _basic(key: str) -> str:
    # Close's scheme: the API key is the username and the password is empty (DOC).
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")


def _auth_missing(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    return Variant(payload=base, send_credentials=False, detail="no Authorization header")


def _auth_wrong_key(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    key = f"api_{draw(_TOKEN)}.{draw(_TOKEN)}"
    return Variant(
        payload=base,
        headers=(("Authorization", _basic(key)),),
        send_credentials=False,
        detail="Basic auth with a well-formed key that no user has",
    )


_MALFORMED_AUTH = ("Basic !!notbase64", "Token abc", "Basic", "Bearer", "Basic dXNlcg==:")


def _auth_malformed(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    value = draw(st.sampled_from(_MALFORMED_AUTH))
    return Variant(
        payload=base,
        headers=(("Authorization", value),),
        send_credentials=False,
        detail=f"the Authorization header is {value!r}",
    )


def _auth_bearer(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    token = draw(_TOKEN) + draw(_TOKEN)
    return Variant(
        payload=base,
        headers=(("Authorization", f"Bearer {token}"),),
        send_credentials=False,
        detail="a Bearer token that no OAuth grant issued",
    )


def _body(name: str, reason: str, build: Builder) -> Mutation:
    return Mutation(
        name=name,
        reason=reason,
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=no_target,
        build=build,
    )


def _auth(name: str, reason: str, build: Builder, statuses: frozenset[int] = AUTH) -> Mutation:
    return Mutation(
        name=name,
        reason=reason,
        expected_statuses=statuses,
        schema_valid=True,
        targets=no_target,
        build=build,
    )


BODY_MUTATIONS: tuple[Mutation, ...] = (
    _body("body_array", _OBJECT, _array),
    _body("body_string", _OBJECT, _string),
    _body("body_number", _OBJECT, _number),
    _body("body_malformed_json", "a body that is not JSON cannot be read: 400", _malformed),
    Mutation(
        name="wrong_content_type",
        reason="the body is JSON but not declared so: 415 (unsupported format, DOC) or 400",
        expected_statuses=UNSUPPORTED,
        schema_valid=True,
        targets=no_target,
        build=_content_type,
    ),
)

AUTH_MUTATIONS: tuple[Mutation, ...] = (
    _auth("auth_missing", "every request needs credentials: 401 (DOC)", _auth_missing),
    _auth("auth_wrong_key", "an unknown API key authenticates no one: 401 (DOC)", _auth_wrong_key),
    _auth(
        "auth_malformed",
        "unreadable credentials authenticate no one: 401 (DOC), or 400 for a header that "
        "cannot be parsed at all (undocumented)",
        _auth_malformed,
        AUTH | {400},
    ),
    _auth(
        "auth_bearer_bad_token", "an unknown OAuth token authenticates no one: 401", _auth_bearer
    ),
)
