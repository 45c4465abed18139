"""List Leads: `GET lead/` pages the key's organization's leads, newest first."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from contract.emulator import EmulatorServer

from ._support import Json, client_for, new_lead


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """A fresh emulator: listing sees every lead of the organization."""
    with EmulatorServer() as srv:
        yield srv


@pytest.fixture
def demo(server: EmulatorServer) -> Iterator[httpx.Client]:
    with client_for(server) as client:
        yield client


def listed(client: httpx.Client, **params: str) -> Json:
    response = client.get("lead/", params=params)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def test_an_empty_organization_lists_no_leads(demo: httpx.Client) -> None:
    assert listed(demo) == {"data": [], "has_more": False, "total_results": 0}


def test_leads_are_listed_newest_first_as_retrieve_renders_them(
    server: EmulatorServer, demo: httpx.Client
) -> None:
    # Given three leads of the organization and one of another organization
    made = [new_lead(demo, f"Lead {n}") for n in range(3)]
    with client_for(server, server.other_api_key) as other:
        theirs = new_lead(other, "Theirs")

    # When the organization lists its leads
    page = listed(demo)

    # Then it sees its own, newest first, each as GET lead/{id}/ answers it
    assert [lead["id"] for lead in page["data"]] == [lead["id"] for lead in reversed(made)]
    for lead in page["data"]:
        assert lead == demo.get(f"lead/{lead['id']}/").json()
        assert lead["contacts"][0]["name"] == "Ann"
    assert page["has_more"] is False
    assert page["total_results"] == 3
    assert theirs["id"] not in {lead["id"] for lead in page["data"]}


def test_leads_page_with_skip_and_limit(demo: httpx.Client) -> None:
    made = [new_lead(demo, f"Lead {n}")["id"] for n in range(5)]
    newest_first = made[::-1]

    pages = [listed(demo, _skip=str(skip), _limit="2") for skip in (0, 2, 4, 6)]

    assert [[lead["id"] for lead in page["data"]] for page in pages] == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:5],
        [],
    ]
    assert [page["has_more"] for page in pages] == [True, True, False, False]
    assert {page["total_results"] for page in pages} == {5}


def test_a_limit_above_100_is_served_as_100(demo: httpx.Client) -> None:
    for n in range(101):
        assert demo.post("lead/", json={"name": f"L{n}"}).status_code == 200

    default, large = listed(demo), listed(demo, _limit="500")

    assert len(default["data"]) == len(large["data"]) == 100
    assert default["has_more"] is large["has_more"] is True
    assert large["total_results"] == 101
    assert [lead["name"] for lead in listed(demo, _skip="100")["data"]] == ["L0"]


def test_fields_trims_each_lead(demo: httpx.Client) -> None:
    lead = new_lead(demo, "Trimmed")

    page = listed(demo, _fields="id,name,no_such_key")

    assert page["data"] == [{"id": lead["id"], "name": "Trimmed"}]


@pytest.mark.parametrize(
    "params",
    [{"_limit": "abc"}, {"_skip": "x"}, {"_limit": "1.5"}, {"_skip": "-1"}, {"_limit": "0"}],
    ids=repr,
)
def test_bad_paging_parameters_answer_400_json(demo: httpx.Client, params: dict[str, str]) -> None:
    response = demo.get("lead/", params=params)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert next(iter(params)) in response.json()["error"]


def test_listing_needs_a_key(server: EmulatorServer) -> None:
    with httpx.Client() as client:
        assert client.get(server.base_url + "/lead/").status_code == 401
