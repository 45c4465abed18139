"""The emulator answers what HTTP and Close's documents ask of methods it does not support,
of malformed ids and of a request without credentials: 405 with an ``Allow`` naming every
method of the path, 404 for an id with something after it, ``WWW-Authenticate`` on 401."""

from __future__ import annotations

import httpx
import pytest

from contract.emulator import EmulatorServer

from ._support import MISSING, Catalog, Json, asset_payload, create

OBJECT = MISSING["custobj_"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", f"custom_object/{OBJECT}/", "DELETE, GET, HEAD, PUT"),
        ("POST", f"custom_object/{OBJECT}/", "DELETE, GET, HEAD, PUT"),
        ("OPTIONS", f"custom_object/{OBJECT}/", "DELETE, GET, HEAD, PUT"),
        ("FROBNICATE", f"custom_object/{OBJECT}/", "DELETE, GET, HEAD, PUT"),
        ("PUT", "custom_object/", "GET, HEAD, POST"),
        ("DELETE", "me/", "GET, HEAD"),
    ],
)
def test_a_405_allows_every_method_of_the_path(
    api: httpx.Client, method: str, path: str, allow: str
) -> None:
    response = api.request(method, path)

    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert isinstance(response.json()["error"], str)


def test_malformed_variants_of_an_instance_s_id_are_404_json(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    own = create(api, asset_payload(catalog, lead["id"]))["id"]
    for path in (f"{own}%3F%3F/", f"{own}/%3F/", f"{own}/{own}/", f"{own}%21/"):
        response = api.get(f"custom_object/{path}")
        assert response.status_code == 404, path
        assert isinstance(response.json()["error"], str)
    # An ignored query string leaves the instance itself
    response = api.get(f"custom_object/{own}/", params={"injected_query_string": "123"})
    assert response.status_code == 200 and response.json()["id"] == own


def test_a_401_names_the_scheme_it_takes(emulator: EmulatorServer) -> None:
    with httpx.Client(base_url=emulator.base_url + "/", timeout=10.0) as anonymous:
        response = anonymous.get("me/")

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic ")
