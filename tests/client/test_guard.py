"""The send-time guard: what a run may send, judged on the request as it goes out."""

from __future__ import annotations

import httpx
import pytest

from contract.client import CloseClient, RequestGuard, RetryPolicy
from contract.errors import UnsafeRequest

ROOT = "https://api.close.example/api/v1"
LEAD = "lead_" + "L" * 43
OBJECT = "custobj_" + "C" * 43
TYPE = "cotype_" + "T" * 22


def refusal(guard: RequestGuard, method: str, path: str, *headers: tuple[str, str]) -> str | None:
    return guard.refusal(method, f"{ROOT}/{path}", headers)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "me/"),
        ("GET", "custom_object_type/"),
        ("GET", f"custom_object_type/{TYPE}/"),
        ("GET", "custom_field/custom_object_type/"),
        ("GET", "custom_field/custom_object_type/cf_abc/"),
        ("GET", "lead/"),
        ("POST", "lead/"),
        ("GET", f"lead/{LEAD}/"),
        ("GET", "custom_object/"),
        ("POST", "custom_object/"),
        ("GET", f"custom_object/{OBJECT}/"),
    ],
)
def test_the_design_s_reads_and_creates_go_out(method: str, path: str) -> None:
    assert refusal(RequestGuard(ROOT), method, path) is None


@pytest.mark.parametrize(
    ("method", "path", "why"),
    [
        ("DELETE", f"lead/{LEAD}/", "not proven"),
        ("PUT", f"custom_object/{OBJECT}/", "not proven"),
        ("DELETE", f"custom_object/{OBJECT}/", "not proven"),
        ("PATCH", f"custom_object/{OBJECT}/", "not proven"),
        ("DELETE", "custom_object/", "not a method"),
        ("PUT", "lead/", "not a method"),
        ("PATCH", "custom_object/", "not a method"),
        ("POST", "me/", "not a method"),
        ("GET", "activity/", "not a path"),
        ("GET", "lead/lead_x/extra/", "not a path"),
        ("GET", "custom_object", "trailing slash"),
        ("GET", "custom_object//", "not a custom_object id"),
        ("GET", "custom_object/..%2Flead%2Flead_x/", "not a custom_object id"),
        ("GET", "custom_object/custobj_a%0A/", "not a custom_object id"),
        ("GET", "custom_object/custobj_" + "a" * 64 * 1024 + "/", "not a custom_object id"),
        ("GET", f"lead/{OBJECT}/", "not a lead id"),
    ],
)
def test_anything_else_is_refused(method: str, path: str, why: str) -> None:
    found = refusal(RequestGuard(ROOT), method, path)
    assert found is not None and why in found


def test_writes_go_out_only_to_proven_ids_and_stop_when_revoked() -> None:
    guard = RequestGuard(ROOT)
    guard.allow("custom_object", OBJECT)
    guard.allow("lead", LEAD)
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        # Unsupported methods too: probed only on the run's own verified instance.
        assert refusal(guard, method, f"custom_object/{OBJECT}/") is None
    assert refusal(guard, "DELETE", f"lead/{LEAD}/") is None
    assert refusal(guard, "DELETE", f"custom_object/{LEAD}/") is not None
    guard.revoke("custom_object", OBJECT)
    assert refusal(guard, "DELETE", f"custom_object/{OBJECT}/") is not None


def test_a_method_override_goes_only_on_a_get_and_only_for_an_allowed_method() -> None:
    guard = RequestGuard(ROOT)
    override = "X-HTTP-Method-Override"
    assert refusal(guard, "POST", "custom_object/", (override, "GET")) is not None
    assert refusal(guard, "GET", "custom_object/", (override, "DELETE")) is not None
    assert refusal(guard, "GET", f"custom_object/{OBJECT}/", ("x-http-method", "PUT")) is not None
    assert refusal(guard, "GET", f"custom_object/{OBJECT}/", (override, "GET")) is None
    guard.allow("custom_object", OBJECT)
    assert refusal(guard, "GET", f"custom_object/{OBJECT}/", (override, "DELETE")) is None


def test_only_the_run_s_own_api_root_is_reached() -> None:
    guard = RequestGuard(ROOT)
    assert guard.refusal("GET", "https://evil.example/api/v1/me/") is not None
    assert guard.refusal("GET", "http://api.close.example/api/v1/me/") is not None
    assert guard.refusal("GET", "https://api.close.example:444/api/v1/me/") is not None
    assert guard.refusal("GET", "https://api.close.example/api/v2/me/") is not None
    assert guard.refusal("GET", "https://API.close.example:443/api/v1/me/") is None


def _client(seen: list[str]) -> CloseClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.raw_path.decode()}")
        return httpx.Response(204)

    return CloseClient(
        ROOT,
        "api_guard_test_key_0123456",
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy(max_attempts=1),
        guard=RequestGuard(ROOT),
        pacer=None,
    )


def test_the_client_checks_the_final_request_after_httpx_normalised_it() -> None:
    # Given a client with the guard, and an id that climbs out of custom_object/
    seen: list[str] = []
    with _client(seen) as client:
        # When the run would DELETE it, httpx turns the path into lead/<id>/ ...
        with pytest.raises(UnsafeRequest, match="lead not proven") as refused:
            client.delete(f"custom_object/../lead/{LEAD}/")
        # ... and an encoded one stays one segment that is no id
        with pytest.raises(UnsafeRequest, match="not a custom_object id"):
            client.put(f"custom_object/..%2Flead%2F{LEAD}/", json={})

    # Then neither went out, and the refusal ends a run with exit 3
    assert seen == []
    assert refused.value.exit_code == 3
    assert client.guard is not None


def test_the_guard_lets_what_is_allowed_reach_the_server() -> None:
    seen: list[str] = []
    with _client(seen) as client:
        assert isinstance(client.guard, RequestGuard)
        client.guard.allow("custom_object", OBJECT)
        client.delete(f"custom_object/{OBJECT}/")
        client.get("me/")
        assert client.guard.refused == 0
    assert seen == [f"DELETE /api/v1/custom_object/{OBJECT}/", "GET /api/v1/me/"]
