"""Every injectable fault has an observable effect, absent from a clean emulator.

Each probe runs twice: against the module's clean emulator (`faulty=False`) and
against a fresh emulator with just that fault (`faulty=True`), asserting the
documented behaviour in the first case and the regression in the second.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contract.emulator import FAULTS, EmulatorServer

from ._support import (
    MISSING,
    RATE_LIMIT,
    Catalog,
    Json,
    asset_payload,
    client_for,
    load_catalog,
    new_lead,
)


@dataclass(frozen=True)
class Probe:
    """What a probe needs: the server, both organizations' clients, the catalog."""

    server: EmulatorServer
    api: httpx.Client
    other_api: httpx.Client
    catalog: Catalog

    def lead(self) -> Json:
        return new_lead(self.api)

    def create_asset(self, **custom: object) -> httpx.Response:
        payload = asset_payload(self.catalog, self.lead()["id"], **custom)
        return self.api.post("custom_object/", json=payload)

    def asset(self, **custom: object) -> Json:
        response = self.create_asset(**custom)
        assert response.status_code in (200, 201), response.text
        body: Json = response.json()
        return body

    def subscription_response(self, **custom: object) -> httpx.Response:
        payload = {
            "custom_object_type_id": self.catalog.type_id("Subscription"),
            "lead_id": self.lead()["id"],
            "name": "Plan",
            self.catalog.key("Subscription", "Contract Reference"): "R",
        }
        payload.update({self.catalog.key("Subscription", k): v for k, v in custom.items()})
        return self.api.post("custom_object/", json=payload)


def drop_date_updated(p: Probe, faulty: bool) -> None:
    created = p.asset()
    fetched = p.api.get(f"custom_object/{created['id']}/").json()
    assert ("date_updated" in created) is not faulty
    assert ("date_updated" in fetched) is not faulty


def number_as_string(p: Probe, faulty: bool) -> None:
    body = p.asset(**{"Purchase Price": 42.5})
    assert body[p.catalog.key("Asset", "Purchase Price")] == ("42.5" if faulty else 42.5)


def naive_timestamps(p: Probe, faulty: bool) -> None:
    body = p.asset()
    for key in ("date_created", "date_updated"):
        assert (datetime.fromisoformat(body[key]).tzinfo is None) is faulty


def wrong_id_prefix(p: Probe, faulty: bool) -> None:
    assert p.asset()["id"].startswith("co_" if faulty else "custobj_")


def accept_invalid_choice(p: Probe, faulty: bool) -> None:
    response = p.subscription_response(Plan="Gold")
    assert response.status_code == (201 if faulty else 400)
    if faulty:
        assert response.json()[p.catalog.key("Subscription", "Plan")] == "Gold"


def reject_unicode_name(p: Probe, faulty: bool) -> None:
    payload = {**asset_payload(p.catalog, p.lead()["id"]), "name": "Café"}
    response = p.api.post("custom_object/", json=payload)
    assert response.status_code == (400 if faulty else 201)


def crash_on_unknown_field(p: Probe, faulty: bool) -> None:
    response = p.create_asset(**{})
    assert response.status_code == 201  # a valid payload still works
    payload = {**asset_payload(p.catalog, p.lead()["id"]), "custom.cf_unknown": 1}
    response = p.api.post("custom_object/", json=payload)
    assert response.status_code == (500 if faulty else 400)
    if faulty:
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text == "Internal Server Error"


def auth_not_enforced(p: Probe, faulty: bool) -> None:
    with httpx.Client(base_url=p.server.base_url + "/", timeout=10.0) as anonymous:
        assert anonymous.get("me/").status_code == (200 if faulty else 401)
        wrong = anonymous.get("me/", auth=("api_wrong", ""))
        assert wrong.status_code == (200 if faulty else 401)
    # Valid keys keep working either way.
    assert p.other_api.get("me/").status_code == 200


def delete_returns_200(p: Probe, faulty: bool) -> None:
    response = p.api.delete(f"custom_object/{p.asset()['id']}/")
    assert response.status_code == (200 if faulty else 204)
    assert response.content == (b"{}" if faulty else b"")


def create_returns_200(p: Probe, faulty: bool) -> None:
    response = p.create_asset()
    assert response.status_code == (200 if faulty else 201)
    assert response.json()["id"].startswith("custobj_")


def lost_writes(p: Probe, faulty: bool) -> None:
    before = p.server.count_rows("custom_object")
    response = p.create_asset()
    assert response.status_code == 201
    assert p.server.count_rows("custom_object") == before + (0 if faulty else 1)
    fetched = p.api.get(f"custom_object/{response.json()['id']}/")
    assert fetched.status_code == (404 if faulty else 200)


def delete_noop(p: Probe, faulty: bool) -> None:
    created = p.asset()
    assert p.api.delete(f"custom_object/{created['id']}/").status_code == 204
    assert p.api.get(f"custom_object/{created['id']}/").status_code == (200 if faulty else 404)


def echo_rounds_numbers(p: Probe, faulty: bool) -> None:
    created = p.asset(**{"Purchase Price": 42.6})
    key = p.catalog.key("Asset", "Purchase Price")
    fetched = p.api.get(f"custom_object/{created['id']}/").json()
    assert created[key] == fetched[key] == (43 if faulty else 42.6)


def truncates_long_text(p: Probe, faulty: bool) -> None:
    name, serial = "N" * 150, "S-" + "x" * 298
    payload = asset_payload(p.catalog, p.lead()["id"], **{"Serial Number": serial})
    created = p.api.post("custom_object/", json={**payload, "name": name}).json()
    fetched = _get(p, created["id"])
    key = p.catalog.key("Asset", "Serial Number")
    # Only what is longer than 128 characters is cut, in the answer and in storage
    for body in (created, fetched):
        assert (body["name"], body[key]) == (
            (name[:128], serial[:128]) if faulty else (name, serial)
        )
    assert p.asset(**{"Serial Number": "short"})[key] == "short"


def float32_numbers(p: Probe, faulty: bool) -> None:
    key = p.catalog.key("Asset", "Purchase Price")
    for sent in (0.1, 2**53 - 1, 123456789.12345678):
        created = p.asset(**{"Purchase Price": sent})
        kept = _get(p, created["id"])[key]
        assert created[key] == kept
        assert (kept != sent) is faulty, (sent, kept)
    # Values float32 holds exactly come back unchanged either way
    assert p.asset(**{"Purchase Price": 0.5})[key] == 0.5


def mangles_astral_text(p: Probe, faulty: bool) -> None:
    created = p.api.post(
        "custom_object/",
        json={**asset_payload(p.catalog, p.lead()["id"]), "name": "Rocket 🚀 𝄞 café"},
    ).json()
    expected = "Rocket \ufffd \ufffd café" if faulty else "Rocket 🚀 𝄞 café"
    assert created["name"] == _get(p, created["id"])["name"] == expected


def multi_value_truncated(p: Probe, faulty: bool) -> None:
    key = p.catalog.key("Subscription", "Features")
    every = ["SSO", "Audit Log", "API Access", "Priority Support"]
    created = p.subscription_response(Features=every).json()
    assert created[key] == _get(p, created["id"])[key] == (every[:3] if faulty else every)
    assert p.subscription_response(Features=every[:2]).json()[key] == every[:2]


def list_empty(p: Probe, faulty: bool) -> None:
    created = p.asset()
    body = p.api.get("custom_object/", params={"lead_id": created["lead_id"]}).json()
    assert body == {"data": [] if faulty else [created], "has_more": False}


def list_ignores_lead(p: Probe, faulty: bool) -> None:
    mine, other = p.asset(), p.asset()
    body = p.api.get("custom_object/", params={"lead_id": mine["lead_id"]}).json()
    listed = {item["id"] for item in body["data"]}
    assert mine["id"] in listed
    assert (other["id"] in listed) is faulty


def update_not_persisted(p: Probe, faulty: bool) -> None:
    created = p.asset()
    path = f"custom_object/{created['id']}/"
    assert p.api.put(path, json={"name": "Renamed"}).json()["name"] == "Renamed"
    assert p.api.get(path).json()["name"] == ("Laptop" if faulty else "Renamed")


def null_not_removed(p: Probe, faulty: bool) -> None:
    created = p.asset(**{"Purchase Price": 5})
    key = p.catalog.key("Asset", "Purchase Price")
    path = f"custom_object/{created['id']}/"
    updated = p.api.put(path, json={key: None}).json()
    assert (key in updated) is faulty
    assert (key in p.api.get(path).json()) is faulty


def cross_org_read(p: Probe, faulty: bool) -> None:
    their_catalog = load_catalog(p.other_api)
    their_lead = new_lead(p.other_api)
    payload = {
        "custom_object_type_id": their_catalog.type_id("Project"),
        "lead_id": their_lead["id"],
        "name": "Secret",
    }
    theirs = p.other_api.post("custom_object/", json=payload).json()
    response = p.api.get(f"custom_object/{theirs['id']}/")
    assert response.status_code == (200 if faulty else 404)


def error_not_json(p: Probe, faulty: bool) -> None:
    response = p.api.post("custom_object/", json={})
    assert response.status_code == 400
    content_type = response.headers["content-type"]
    assert content_type.startswith("text/html" if faulty else "application/json")
    # Other errors stay JSON.
    assert p.api.get(f"custom_object/{MISSING['custobj_']}/").json()["error"]


def unknown_id_400(p: Probe, faulty: bool) -> None:
    path = f"custom_object/{MISSING['custobj_']}/"
    assert p.api.get(path).status_code == (400 if faulty else 404)
    assert p.api.delete(path).status_code == (400 if faulty else 404)


def multi_value_as_string(p: Probe, faulty: bool) -> None:
    key = p.catalog.key("Subscription", "Features")
    one = p.subscription_response(Features=["SSO"]).json()
    two = p.subscription_response(Features=["SSO", "Audit Log"]).json()
    # Only a one-element list becomes a bare value, in every answer; several stay a list
    assert one[key] == ("SSO" if faulty else ["SSO"])
    assert p.api.get(f"custom_object/{one['id']}/").json()[key] == one[key]
    listed = p.api.get("custom_object/", params={"lead_id": one["lead_id"]}).json()["data"]
    assert [item[key] for item in listed] == [one[key]]
    assert two[key] == ["SSO", "Audit Log"]


# -- faults that show only across several operations (the stateful phase's) ------------


def _put(p: Probe, object_id: str, body: Json) -> httpx.Response:
    return p.api.put(f"custom_object/{object_id}/", json=body)


def _get(p: Probe, object_id: str) -> Json:
    body: Json = p.api.get(f"custom_object/{object_id}/").json()
    return body


def put_replaces(p: Probe, faulty: bool) -> None:
    created = p.asset(**{"Purchase Price": 5})
    price = p.catalog.key("Asset", "Purchase Price")
    assert _put(p, created["id"], {"name": "Renamed"}).status_code == 200
    assert (price in _get(p, created["id"])) is not faulty


def null_removal_not_stored(p: Probe, faulty: bool) -> None:
    price = p.catalog.key("Asset", "Purchase Price")
    created = p.asset(**{"Purchase Price": 5})
    answer = _put(p, created["id"], {price: None}).json()
    assert price not in answer
    assert (price in _get(p, created["id"])) is faulty


def rejected_update_applied(p: Probe, faulty: bool) -> None:
    created = p.asset()
    price = p.catalog.key("Asset", "Purchase Price")
    assert _put(p, created["id"], {"name": "Changed", price: "many"}).status_code == 400
    assert (_get(p, created["id"])["name"] == "Changed") is faulty


def update_rewrites_organization(p: Probe, faulty: bool) -> None:
    created = p.asset()
    answer = _put(p, created["id"], {"name": "Renamed"}).json()
    assert (answer["organization_id"] != created["organization_id"]) is faulty


def update_by_another_user(p: Probe, faulty: bool) -> None:
    created = p.asset()
    answer = _put(p, created["id"], {"name": "Renamed"}).json()
    assert answer["created_by"] == created["updated_by"] == created["created_by"]
    assert (answer["updated_by"] != created["created_by"]) is faulty


def _listed(p: Probe, lead_id: str, **params: str) -> list[str]:
    body = p.api.get("custom_object/", params={"lead_id": lead_id, **params}).json()
    return [item["id"] for item in body["data"]]


def list_shows_deleted(p: Probe, faulty: bool) -> None:
    created = p.asset()
    assert p.api.delete(f"custom_object/{created['id']}/").status_code == 204
    assert (created["id"] in _listed(p, created["lead_id"])) is faulty


def list_ignores_type(p: Probe, faulty: bool) -> None:
    created = p.asset()
    other_type = p.catalog.type_id("Subscription")
    listed = _listed(p, created["lead_id"], custom_object_type_id=other_type)
    assert (created["id"] in listed) is faulty


def skip_off_by_one(p: Probe, faulty: bool) -> None:
    lead = p.lead()["id"]
    for _ in range(3):
        p.api.post("custom_object/", json=asset_payload(p.catalog, lead))
    everything = _listed(p, lead)
    assert _listed(p, lead, _skip="1") == everything[2 if faulty else 1 :]


def update_rewrites_date_created(p: Probe, faulty: bool) -> None:
    created = p.asset()
    answer = _put(p, created["id"], {"name": "Renamed"}).json()
    assert (answer["date_created"] != created["date_created"]) is faulty


def put_resurrects_deleted(p: Probe, faulty: bool) -> None:
    created = p.asset()
    assert p.api.delete(f"custom_object/{created['id']}/").status_code == 204
    assert _put(p, created["id"], {"name": "Back"}).status_code == (200 if faulty else 404)


def update_timestamp_local_time(p: Probe, faulty: bool) -> None:
    created = p.asset()
    answer = _put(p, created["id"], {"name": "Renamed"}).json()
    before = datetime.fromisoformat(created["date_created"])
    assert (datetime.fromisoformat(answer["date_updated"]) < before) is faulty


def get_serves_stale(p: Probe, faulty: bool) -> None:
    created = p.asset()
    assert _put(p, created["id"], {"name": "Renamed"}).status_code == 200
    assert (_get(p, created["id"])["name"] == "Laptop") is faulty


def json_as_text_plain(p: Probe, faulty: bool) -> None:
    response = p.create_asset()
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type == ("text/plain" if faulty else "application/json")
    assert response.json()["id"].startswith("custobj_")  # the same JSON bytes either way


def drop_rate_limit_header(p: Probe, faulty: bool) -> None:
    assert ("RateLimit" in p.api.get("me/").headers) is not faulty


def fractional_rate_reset(p: Probe, faulty: bool) -> None:
    header = p.api.get("me/").headers["RateLimit"]
    reset = header.rsplit("reset=", 1)[1]
    assert ("." in reset) is faulty, header
    assert (RATE_LIMIT.fullmatch(header) is None) is faulty, header


def choices_widened(p: Probe, faulty: bool) -> None:
    plan = p.catalog.fields["Subscription", "Plan"]
    offered = p.api.get(f"custom_field/custom_object_type/{plan['id']}/").json()["choices"]
    assert ("Legacy" in offered) is faulty
    response = p.subscription_response(Plan="Legacy")
    assert response.status_code == (201 if faulty else 400)


def fields_ignored(p: Probe, faulty: bool) -> None:
    created = p.asset()
    one = p.api.get(f"custom_object/{created['id']}/", params={"_fields": "id,name"}).json()
    listed = p.api.get(
        "custom_object/", params={"lead_id": created["lead_id"], "_fields": "id,name"}
    ).json()
    trimmed = {"id": created["id"], "name": created["name"]}
    assert (one == trimmed) is not faulty
    assert (listed["data"] == [trimmed]) is not faulty


def limit_ignored(p: Probe, faulty: bool) -> None:
    lead = p.lead()["id"]
    for _ in range(2):
        p.api.post("custom_object/", json=asset_payload(p.catalog, lead))
    body = p.api.get("custom_object/", params={"lead_id": lead, "_limit": "1"}).json()
    assert (len(body["data"]), body["has_more"]) == ((2, False) if faulty else (1, True))


def limit_negative_500(p: Probe, faulty: bool) -> None:
    lead = p.lead()["id"]
    for value in ("-1", "abc"):
        response = p.api.get("custom_object/", params={"lead_id": lead, "_limit": value})
        assert response.status_code == (500 if faulty else 400)
    assert p.api.get("custom_object/", params={"lead_id": lead, "_limit": "5"}).status_code == 200


def bad_query_422(p: Probe, faulty: bool) -> None:
    lead = p.lead()["id"]
    for params in ({"_limit": "abc"}, {"_skip": "-1"}):
        response = p.api.get("custom_object/", params={"lead_id": lead, **params})
        assert response.status_code == (422 if faulty else 400)
        assert response.headers["content-type"].startswith("application/json")


def patch_accepted(p: Probe, faulty: bool) -> None:
    instance = p.asset()
    response = p.api.patch(f"custom_object/{instance['id']}/", json={"name": "Patched"})
    assert response.status_code == (200 if faulty else 405)
    read = p.api.get(f"custom_object/{instance['id']}/").json()
    assert read["name"] == ("Patched" if faulty else instance["name"])


def no_allow_header(p: Probe, faulty: bool) -> None:
    response = p.api.request("FROBNICATE", f"custom_object/{p.asset()['id']}/")
    assert response.status_code == 405
    assert response.headers.get("allow") == (None if faulty else "DELETE, GET, HEAD, PUT")


def put_not_idempotent(p: Probe, faulty: bool) -> None:
    path = f"custom_object/{p.asset()['id']}/"
    first = p.api.put(path, json={"name": "Renamed"}).json()
    second = p.api.put(path, json={"name": "Renamed"}).json()
    assert first["name"] == "Renamed"
    assert second["name"] == ("Renamed (2)" if faulty else "Renamed")


def malformed_id_500(p: Probe, faulty: bool) -> None:
    instance = p.asset()
    response = p.api.get(f"custom_object/{instance['id']}%21/")
    assert response.status_code == (500 if faulty else 404)
    assert isinstance(response.json()["error"], str)
    assert p.api.get(f"custom_object/{instance['id']}/").status_code == 200


def id_suffix_ignored(p: Probe, faulty: bool) -> None:
    instance = p.asset()
    response = p.api.get(f"custom_object/{instance['id']}%3F%3F/")
    assert response.status_code == (200 if faulty else 404)
    if faulty:
        assert response.json()["id"] == instance["id"]
    assert p.api.get(f"custom_object/{instance['id']}/{instance['id']}/").status_code == 404


def stack_trace_in_errors(p: Probe, faulty: bool) -> None:
    response = p.api.post("custom_object/", json={})
    assert response.status_code == 400
    assert ("Traceback (most recent call last)" in response.text) is faulty
    assert isinstance(response.json()["field-errors"], dict)


def no_www_authenticate(p: Probe, faulty: bool) -> None:
    with httpx.Client(base_url=p.server.base_url + "/", timeout=10.0) as anonymous:
        response = anonymous.get("me/")
    assert response.status_code == 401
    challenge = None if faulty else 'Basic realm="Close API"'
    assert response.headers.get("www-authenticate") == challenge


def _at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Each call on its own thread, released together."""
    barrier = threading.Barrier(len(calls))

    def go(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait(10)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


def lost_concurrent_update(p: Probe, faulty: bool) -> None:
    created = p.asset()
    path = f"custom_object/{created['id']}/"
    price = p.catalog.key("Asset", "Purchase Price")
    answers = _at_once(
        lambda: p.api.put(path, json={"name": "Renamed"}),
        lambda: p.api.put(path, json={price: 9.5}),
    )
    assert [a.status_code for a in answers] == [200, 200]
    after = p.api.get(path).json()
    kept = (after["name"] == "Renamed") + (after.get(price) == 9.5)
    assert kept == (1 if faulty else 2)


def concurrent_create_lost(p: Probe, faulty: bool) -> None:
    lead = p.lead()["id"]
    payload = asset_payload(p.catalog, lead)
    answers = _at_once(*[lambda: p.api.post("custom_object/", json=payload)] * 3)
    assert [a.status_code for a in answers] == [201, 201, 201]
    listed = p.api.get("custom_object/", params={"lead_id": lead}).json()["data"]
    assert len(listed) == (1 if faulty else 3)


def read_lags_concurrent_creates(p: Probe, faulty: bool) -> None:
    lead = p.lead()["id"]
    payload = asset_payload(p.catalog, lead)
    alone = p.api.post("custom_object/", json=payload).json()
    assert p.api.get(f"custom_object/{alone['id']}/").status_code == 200
    answers = _at_once(*[lambda: p.api.post("custom_object/", json=payload)] * 2)
    reads = [p.api.get(f"custom_object/{a.json()['id']}/").status_code for a in answers]
    assert reads == ([404, 404] if faulty else [200, 200])
    listed = p.api.get("custom_object/", params={"lead_id": lead}).json()["data"]
    assert len(listed) == 3


def crash_on_huge_number(p: Probe, faulty: bool) -> None:
    assert p.create_asset(**{"Purchase Price": 2**53}).status_code == 201  # still exact
    response = p.create_asset(**{"Purchase Price": -1e308})
    assert response.status_code == (500 if faulty else 201)


def truncates_at_4096(p: Probe, faulty: bool) -> None:
    name = "x" * 4000 + "y" * 1000
    payload = {**asset_payload(p.catalog, p.lead()["id"]), "name": name}
    body = p.api.post("custom_object/", json=payload).json()
    assert body["name"] == (name[:4096] if faulty else name)


def strips_zero_width_silently(p: Probe, faulty: bool) -> None:
    name = "Zero\u200bwidth\u200cnon\u200djoin\u2060er\ufeff"
    payload = {**asset_payload(p.catalog, p.lead()["id"]), "name": name}
    body = p.api.post("custom_object/", json=payload).json()
    assert body["name"] == ("Zerowidthnon\u200djoiner" if faulty else name)


def mass_assignment_accepted(p: Probe, faulty: bool) -> None:
    sent = {"created_by": "user_" + "S" * 43, "date_created": "2020-08-04T16:45:35+00:00"}
    payload = {**asset_payload(p.catalog, p.lead()["id"]), **sent, "id": "custobj_mine"}
    body = p.api.post("custom_object/", json=payload).json()
    assert (body["created_by"] == sent["created_by"]) is faulty
    assert (body["date_created"] == sent["date_created"]) is faulty
    assert body["id"] != "custobj_mine"  # the id stays the server's either way


def duplicate_keys_500(p: Probe, faulty: bool) -> None:
    payload = asset_payload(p.catalog, p.lead()["id"])
    raw = b'{"name":"First",' + httpx.Request("POST", "/", json=payload).content[1:]
    headers = {"Content-Type": "application/json"}
    response = p.api.post("custom_object/", content=raw, headers=headers)
    assert response.status_code == (500 if faulty else 201)
    if not faulty:
        assert response.json()["name"] == payload["name"]  # the last of the two


def key_names_normalised(p: Probe, faulty: bool) -> None:
    payload = asset_payload(p.catalog, p.lead()["id"])
    payload["na\u200bme"] = payload.pop("name")
    response = p.api.post("custom_object/", json=payload)
    assert response.status_code == (201 if faulty else 400)


def _off_now(stamp: str) -> timedelta:
    """How far ``stamp`` is from now (positive: ahead)."""
    return datetime.fromisoformat(stamp) - datetime.now(UTC)


def timestamps_in_future(p: Probe, faulty: bool) -> None:
    created = p.asset()
    answer = _put(p, created["id"], {"name": "Renamed"}).json()
    for stamp in (created["date_created"], answer["date_updated"]):
        assert (_off_now(stamp) > timedelta(minutes=50)) is faulty


def create_timestamp_local_time(p: Probe, faulty: bool) -> None:
    created = p.asset()
    assert (_off_now(created["date_created"]) < -timedelta(hours=4)) is faulty
    assert created["date_updated"] == created["date_created"]


def update_keeps_date_updated(p: Probe, faulty: bool) -> None:
    created = p.asset()
    answer = _put(p, created["id"], {"name": "Renamed"}).json()
    assert answer["name"] == "Renamed" and _get(p, created["id"])["name"] == "Renamed"
    assert (answer["date_updated"] == created["date_updated"]) is faulty


def cross_org_lead_reference(p: Probe, faulty: bool) -> None:
    theirs = new_lead(p.other_api, "Theirs")
    response = p.api.post("custom_object/", json=asset_payload(p.catalog, theirs["id"]))
    assert response.status_code == (201 if faulty else 400)
    if not faulty:
        assert response.json()["field-errors"]["lead_id"] == "Object does not exist."


def cross_org_user_reference(p: Probe, faulty: bool) -> None:
    theirs = p.other_api.get("me/").json()["id"]
    response = p.subscription_response(**{"Account Manager": theirs})
    assert response.status_code == (201 if faulty else 400)
    mine = p.subscription_response(**{"Account Manager": p.catalog.user_id})
    assert mine.status_code == 201


def existence_leak_403(p: Probe, faulty: bool) -> None:
    path = f"custom_object/{p.asset()['id']}/"
    for method in ("GET", "PUT", "DELETE"):
        body = {"name": "theirs"} if method == "PUT" else None
        answer = p.other_api.request(method, path, json=body)
        assert answer.status_code == (403 if faulty else 404), method
    assert p.other_api.get("custom_object/custobj_" + "N" * 43 + "/").status_code == 404
    assert p.api.get(path).json()["name"] == "Laptop"


def text_values_capped(p: Probe, faulty: bool) -> None:
    serial = p.catalog.key("Asset", "Serial Number")
    assert p.create_asset(**{"Serial Number": "s" * 16384}).status_code == 201
    response = p.create_asset(**{"Serial Number": "s" * 16385})
    assert response.status_code == (400 if faulty else 201)
    if faulty:
        assert serial in response.json()["field-errors"]
    long_name = {**asset_payload(p.catalog, p.lead()["id"]), "name": "n" * 20000}
    assert p.api.post("custom_object/", json=long_name).status_code == 201


PROBES: dict[str, Callable[[Probe, bool], None]] = {
    probe.__name__: probe
    for probe in (
        drop_date_updated,
        number_as_string,
        naive_timestamps,
        wrong_id_prefix,
        accept_invalid_choice,
        reject_unicode_name,
        crash_on_unknown_field,
        auth_not_enforced,
        delete_returns_200,
        create_returns_200,
        lost_writes,
        delete_noop,
        echo_rounds_numbers,
        truncates_long_text,
        float32_numbers,
        mangles_astral_text,
        multi_value_truncated,
        list_empty,
        update_not_persisted,
        null_not_removed,
        cross_org_read,
        error_not_json,
        unknown_id_400,
        list_ignores_lead,
        put_replaces,
        null_removal_not_stored,
        rejected_update_applied,
        update_rewrites_organization,
        update_by_another_user,
        list_shows_deleted,
        list_ignores_type,
        skip_off_by_one,
        update_rewrites_date_created,
        put_resurrects_deleted,
        update_timestamp_local_time,
        get_serves_stale,
        multi_value_as_string,
        json_as_text_plain,
        drop_rate_limit_header,
        fractional_rate_reset,
        choices_widened,
        fields_ignored,
        limit_ignored,
        limit_negative_500,
        bad_query_422,
        patch_accepted,
        no_allow_header,
        put_not_idempotent,
        malformed_id_500,
        id_suffix_ignored,
        stack_trace_in_errors,
        no_www_authenticate,
        lost_concurrent_update,
        concurrent_create_lost,
        read_lags_concurrent_creates,
        crash_on_huge_number,
        truncates_at_4096,
        strips_zero_width_silently,
        mass_assignment_accepted,
        duplicate_keys_500,
        key_names_normalised,
        text_values_capped,
        timestamps_in_future,
        create_timestamp_local_time,
        update_keeps_date_updated,
        cross_org_lead_reference,
        cross_org_user_reference,
        existence_leak_403,
    )
}


def probe_for(server: EmulatorServer, api: httpx.Client, other_api: httpx.Client) -> Probe:
    return Probe(server, api, other_api, load_catalog(api))


def test_every_fault_has_a_probe() -> None:
    assert set(PROBES) == set(FAULTS)
    assert all(isinstance(text, str) and text and "\n" not in text for text in FAULTS.values())


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_clean_emulator_behaves(
    emulator: EmulatorServer, api: httpx.Client, other_api: httpx.Client, fault: str
) -> None:
    PROBES[fault](probe_for(emulator, api, other_api), False)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_is_observable(fault: str) -> None:
    with (
        EmulatorServer(faults=(fault,)) as server,
        client_for(server) as api,
        client_for(server, server.other_api_key) as other_api,
    ):
        PROBES[fault](probe_for(server, api, other_api), True)


def test_faults_combine() -> None:
    faults = ("wrong_id_prefix", "create_returns_200", "drop_date_updated")
    with EmulatorServer(faults=faults) as server, client_for(server) as api:
        assert server.faults == tuple(sorted(faults))
        probe = probe_for(server, api, api)
        response = probe.create_asset()

    assert response.status_code == 200
    assert response.json()["id"].startswith("co_")
    assert "date_updated" not in response.json()


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="no_such_fault"):
        EmulatorServer(faults=("no_such_fault",))
