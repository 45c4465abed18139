"""HTTP-level behaviour: authentication, routing errors, rate-limit headers, throttling."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from contract.emulator import DEFAULT_API_KEY, EmulatorServer

from ._support import MISSING, RATE_LIMIT, Catalog, Json, asset_payload, client_for, create

ENDPOINTS = [
    ("GET", "me/"),
    ("GET", "custom_object_type/"),
    ("GET", f"custom_object_type/{MISSING['cotype_']}/"),
    ("POST", "custom_object_type/"),
    ("GET", "custom_field/custom_object_type/"),
    ("GET", f"custom_field/custom_object_type/{MISSING['cf_']}/"),
    ("POST", "custom_field/custom_object_type/"),
    ("POST", "lead/"),
    ("GET", f"lead/{MISSING['lead_']}/"),
    ("DELETE", f"lead/{MISSING['lead_']}/"),
    ("GET", "custom_object/"),
    ("POST", "custom_object/"),
    ("GET", f"custom_object/{MISSING['custobj_']}/"),
    ("PUT", f"custom_object/{MISSING['custobj_']}/"),
    ("DELETE", f"custom_object/{MISSING['custobj_']}/"),
    ("PATCH", f"custom_object/{MISSING['custobj_']}/"),
    ("GET", "no_such_endpoint/"),
]


def basic(username: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture(scope="module")
def raw(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    """A client without credentials."""
    with httpx.Client(base_url=emulator.base_url + "/", timeout=10.0) as client:
        yield client


@pytest.mark.parametrize(
    "authorization",
    [
        basic(DEFAULT_API_KEY),
        basic(DEFAULT_API_KEY, "ignored-password"),
        f"Bearer {DEFAULT_API_KEY}",
        f"bearer {DEFAULT_API_KEY}",
    ],
    ids=["basic", "basic-with-password", "bearer", "bearer-lowercase"],
)
def test_valid_credentials(raw: httpx.Client, authorization: str) -> None:
    response = raw.get("me/", headers={"Authorization": authorization})

    assert response.status_code == 200
    assert response.json()["email"]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        basic("api_wrong_key"),
        basic(""),
        basic("", DEFAULT_API_KEY),
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(DEFAULT_API_KEY.encode()).decode(),
        "Basic",
        "Bearer",
        "Bearer api_wrong_key",
        f"Token {DEFAULT_API_KEY}",
        DEFAULT_API_KEY,
    ],
    ids=[
        "missing",
        "empty",
        "basic-wrong-key",
        "basic-empty-key",
        "basic-key-as-password",
        "basic-not-base64",
        "basic-no-colon",
        "basic-no-value",
        "bearer-no-token",
        "bearer-wrong-token",
        "other-scheme",
        "bare-key",
    ],
)
def test_bad_credentials_are_401_json(raw: httpx.Client, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = raw.get("me/", headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json()["error"], str)
    assert DEFAULT_API_KEY not in response.text


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_auth_is_checked_first_on_every_endpoint(raw: httpx.Client, method: str, path: str) -> None:
    # A body that would be 415 once authenticated: auth must win.
    response = raw.request(method, path, content=b"x", headers={"content-type": "text/plain"})

    assert response.status_code == 401
    assert isinstance(response.json()["error"], str)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", f"custom_object/{MISSING['custobj_']}/"),
        ("POST", f"custom_object/{MISSING['custobj_']}/"),
        ("PUT", "custom_object/"),
        ("DELETE", "custom_object/"),
        ("TRACE", "custom_object/"),
        ("OPTIONS", "custom_object/"),
        ("DELETE", "me/"),
        ("PUT", "custom_object_type/"),
        ("PROPFIND", "lead/"),
    ],
)
def test_unsupported_methods_are_405_json(api: httpx.Client, method: str, path: str) -> None:
    response = api.request(method, path)

    assert response.status_code == 405
    assert isinstance(response.json()["error"], str)


@pytest.mark.parametrize(
    "path",
    [
        "no_such_endpoint/",
        "custom_object",
        f"custom_object/{MISSING['custobj_']}",
        "custom_objects/",
    ],
)
def test_unknown_routes_are_404_json(api: httpx.Client, path: str) -> None:
    response = api.get(path)

    assert response.status_code == 404
    assert isinstance(response.json()["error"], str)


def test_paths_outside_the_api_root_are_404_json(emulator: EmulatorServer) -> None:
    with httpx.Client(auth=(emulator.api_key, ""), timeout=10.0) as client:
        response = client.get(emulator.base_url.removesuffix("/api/v1") + "/")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


def test_every_response_carries_a_ratelimit_header(
    raw: httpx.Client, api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    created = create(api, asset_payload(catalog, lead["id"]))
    responses = [
        api.get("me/"),
        api.post("custom_object/", json=asset_payload(catalog, lead["id"])),
        api.delete(f"custom_object/{created['id']}/"),
        api.post("custom_object/", json={}),
        raw.get("me/"),
        api.get(f"custom_object/{MISSING['custobj_']}/"),
        api.patch("custom_object/"),
        api.post("custom_object/", content=b"{}"),
    ]

    statuses = [response.status_code for response in responses]
    assert statuses == [200, 201, 204, 400, 401, 404, 405, 415]
    for response in responses:
        match = RATE_LIMIT.fullmatch(response.headers["RateLimit"])
        assert match, response.headers["RateLimit"]
        limit, remaining, reset = map(int, match.groups())
        assert 0 <= remaining <= limit and reset >= 1


def test_remaining_counts_down_per_key(api: httpx.Client, other_api: httpx.Client) -> None:
    def remaining(client: httpx.Client) -> int:
        match = RATE_LIMIT.fullmatch(client.get("me/").headers["RateLimit"])
        assert match
        return int(match.group(2))

    first = remaining(api)
    other = remaining(other_api)
    assert remaining(api) == first - 1
    assert remaining(other_api) == other - 1


def test_throttle_answers_every_nth_request_with_429() -> None:
    with EmulatorServer(throttle=3, throttle_reset=0) as server, client_for(server) as client:
        statuses = [client.get("me/").status_code for _ in range(7)]
        assert statuses == [200, 200, 429, 200, 200, 429, 200]

        client.get("me/")
        throttled = client.get("me/")
        assert throttled.status_code == 429
        assert throttled.headers["RateLimit"].endswith("remaining=0, reset=0")
        assert RATE_LIMIT.fullmatch(throttled.headers["RateLimit"])
        assert throttled.headers["Retry-After"] == "0"
        assert isinstance(throttled.json()["error"], str)


def test_throttle_reset_is_rounded_up_to_whole_seconds() -> None:
    with EmulatorServer(throttle=1, throttle_reset=1.2) as server, client_for(server) as client:
        response = client.get("me/")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "2"
    assert response.headers["RateLimit"].endswith("remaining=0, reset=2")


def test_a_throttled_request_has_no_effect() -> None:
    with EmulatorServer(throttle=2, throttle_reset=0) as server, client_for(server) as client:
        # Given request 1 passes and request 2 (a create) is throttled
        lead = client.post("lead/", json={"name": "L"}).json()
        response = client.post("lead/", json={"name": "Throttled"})

        # Then nothing was stored by the throttled request
        assert response.status_code == 429
        assert server.count_rows("lead") == 1
        assert client.get(f"lead/{lead['id']}/").status_code == 200


def test_throttling_is_per_key() -> None:
    with (
        EmulatorServer(throttle=2, throttle_reset=0) as server,
        client_for(server) as demo,
        client_for(server, server.other_api_key) as other,
    ):
        assert [demo.get("me/").status_code, other.get("me/").status_code] == [200, 200]
        assert [demo.get("me/").status_code, other.get("me/").status_code] == [429, 429]
