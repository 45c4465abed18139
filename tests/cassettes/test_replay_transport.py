"""The replay transport: each recorded interaction once, in order, matched as recorded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contract.cassettes import CASSETTE_FILE, replay_transport
from contract.cassettes._recording import _MATCH_ON
from contract.errors import CassetteError

BASE = "http://127.0.0.1:9/api/v1"


def interaction(
    method: str,
    uri: str,
    answer: str | bytes,
    *,
    body: str = "",
    status: int = 200,
    headers: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """One interaction as vcrpy writes it."""
    return {
        "request": {"method": method, "uri": uri, "body": body, "headers": {}},
        "response": {
            "status": {"code": status, "message": "OK" if status == 200 else None},
            "headers": headers or {"content-type": ["application/json"]},
            "body": {"string": answer},
        },
    }


def cassette(tmp_path: Path, *interactions: dict[str, Any]) -> Path:
    (tmp_path / CASSETTE_FILE).write_text(
        yaml.safe_dump({"interactions": list(interactions), "version": 1}), "utf-8"
    )
    return tmp_path


def test_the_index_keys_are_what_recording_matches_on() -> None:
    assert _MATCH_ON == ("method", "path", "query", "body")


def test_an_interaction_recorded_twice_is_played_in_order_and_once_each(tmp_path: Path) -> None:
    # Given the same request recorded twice with different answers, another in between
    directory = cassette(
        tmp_path,
        interaction("GET", f"{BASE}/lead/?b=2&a=1", '{"n": 1}'),
        interaction("GET", f"{BASE}/me/", '{"me": true}'),
        interaction("GET", f"{BASE}/lead/?b=2&a=1", '{"n": 2}', status=404),
    )
    with httpx.Client(transport=replay_transport(directory)) as client:
        # When it is sent three times (its query in another order: it is the same query)
        first = client.get(f"{BASE}/lead/", params={"a": "1", "b": "2"})
        second = client.get(f"{BASE}/lead/?b=2&a=1")
        # Then the recordings answer in the order recorded, and each only once
        assert (first.status_code, first.json()) == (200, {"n": 1})
        assert (second.status_code, second.json()) == (404, {"n": 2})
        with pytest.raises(CassetteError, match=r"GET /api/v1/lead/\?a=1&b=2 is not in the "):
            client.get(f"{BASE}/lead/?a=1&b=2")
        # And the interaction in between is still there to play
        assert client.get(f"{BASE}/me/").json() == {"me": True}


def test_the_body_is_part_of_the_key(tmp_path: Path) -> None:
    directory = cassette(
        tmp_path,
        interaction("POST", f"{BASE}/lead/", '{"id": "a"}', body='{"name": "a"}'),
        interaction("POST", f"{BASE}/lead/", '{"id": "b"}', body='{"name": "b"}'),
    )
    with httpx.Client(transport=replay_transport(directory)) as client:
        assert client.post(f"{BASE}/lead/", content=b'{"name": "b"}').json() == {"id": "b"}
        assert client.post(f"{BASE}/lead/", content=b'{"name": "a"}').json() == {"id": "a"}


def test_a_response_is_rebuilt_as_recorded(tmp_path: Path) -> None:
    directory = cassette(
        tmp_path,
        interaction(
            "GET",
            f"{BASE}/me/",
            "caf\u00e9",
            status=201,
            headers={"content-type": ["text/plain; charset=utf-8"], "x-many": ["1", "2"]},
        ),
        interaction("GET", f"{BASE}/bytes/", b"\x00\xff"),
    )
    with httpx.Client(transport=replay_transport(directory)) as client:
        response = client.get(f"{BASE}/me/")
        assert response.status_code == 201 and response.reason_phrase == "Created"
        assert response.headers.get_list("x-many") == ["1", "2"]
        assert response.content == "caf\u00e9".encode() and response.text == "caf\u00e9"
        assert client.get(f"{BASE}/bytes/").content == b"\x00\xff"


def test_a_request_never_recorded_names_the_nearest(tmp_path: Path) -> None:
    directory = cassette(
        tmp_path,
        interaction("GET", f"{BASE}/me/", "{}"),
        interaction("POST", f"{BASE}/lead/", "{}", body='{"name": "recorded"}'),
    )
    with httpx.Client(transport=replay_transport(directory)) as client:
        with pytest.raises(
            CassetteError,
            match=r'^POST /api/v1/lead/ with body {"name": "sent"} is not in the cassette '
            r'\(nearest recorded: POST /api/v1/lead/ with body {"name": "recorded"}\); .*'
            "record it again$",
        ):
            client.post(f"{BASE}/lead/", content=b'{"name": "sent"}')


def test_an_empty_cassette_has_nothing_to_name(tmp_path: Path) -> None:
    with httpx.Client(transport=replay_transport(cassette(tmp_path))) as client:
        with pytest.raises(CassetteError, match=r"nearest recorded: nothing recorded"):
            client.get(f"{BASE}/me/")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "it is empty"),
        ("interactions: [\n  - {", "invalid YAML"),
        ("interactions: [5]\n", "interactions[0] must be a mapping"),
        ("!!python/object/apply:os.system [true]\n", "invalid YAML"),
        (
            "interactions:\n- request: {method: GET, uri: /, body: '', headers: {}, x: 1}\n"
            "  response: {status: {code: 200, message: OK}, headers: {}, body: {string: ''}}\n",
            "is not a readable cassette",
        ),
    ],
    ids=["empty", "corrupt", "not-interactions", "python-tag", "unknown-request-key"],
)
def test_a_cassette_the_toolkit_did_not_write_is_refused_when_loaded(
    tmp_path: Path, text: str, says: str
) -> None:
    (tmp_path / CASSETTE_FILE).write_text(text, "utf-8")
    with pytest.raises(CassetteError, match=re.escape(says)) as caught:
        replay_transport(tmp_path)
    assert str(tmp_path / CASSETTE_FILE) in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1
