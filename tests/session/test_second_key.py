"""The second organization's key is proven at the start; isolation it did not test is never
reported as holding."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.run import invoke, leftovers, run_engine

from contract.client import CloseClient
from contract.config import Config
from contract.discovery import Organization, contract_for
from contract.emulator import EmulatorServer
from contract.errors import ConfigurationError
from contract.ledger._ledger import Ledger
from contract.phases._lifecycle import _foreign_and_anonymous
from contract.session._second_key import check_second_key, refused_mid_run
from contract.session._session import Session

KEY = "api_canary_first_key_0123456789"
OTHER = "api_canary_other_key_9876543210"
FIRST_ORG, SECOND_ORG = "orga_first0123456789", "orga_second0123456789"
TYPE = contract_for({"id": "cotype_0123456789abcdef", "name": "T", "fields": []}, [])
ORG = Organization("user_first0123456789", FIRST_ORG, (TYPE,))
INSTANCE = "custobj_0123456789abcdef"


def _key_of(request: httpx.Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return None
    return base64.b64decode(header[6:]).decode().rstrip(":")


def _client(answer: Callable[[httpx.Request, str | None], httpx.Response]) -> CloseClient:
    transport = httpx.MockTransport(lambda request: answer(request, _key_of(request)))
    return CloseClient("http://127.0.0.1:9/api/v1", KEY, transport=transport, pacer=None)


def _second_org(me: Any, types: Any, status: int = 200) -> CloseClient:
    def answer(request: httpx.Request, key: str | None) -> httpx.Response:
        assert key == OTHER, "only the second key is checked"
        body = me if request.url.path.endswith("/me/") else types
        return httpx.Response(status, json=body)

    return _client(answer)


def _types(*orgs: str) -> dict[str, Any]:
    return {"data": [{"id": f"cotype_{n}", "organization_id": o} for n, o in enumerate(orgs)]}


def _me(*orgs: str) -> dict[str, Any]:
    return {"id": "user_x", "organizations": [{"id": o} for o in orgs]}


def test_a_second_key_of_another_organization_passes() -> None:
    check_second_key(_second_org(_me(SECOND_ORG), _types(SECOND_ORG)), ORG, OTHER)


def test_a_second_organization_without_types_is_told_by_its_me() -> None:
    check_second_key(_second_org(_me(SECOND_ORG), {"data": []}), ORG, OTHER)


@pytest.mark.parametrize("status", [401, 403, 500])
def test_a_second_key_whose_me_does_not_answer_200_is_refused(status: int) -> None:
    with pytest.raises(ConfigurationError, match=f"answered {status}, expected 200") as refused:
        check_second_key(_second_org(_me(SECOND_ORG), _types(SECOND_ORG), status), ORG, OTHER)
    assert OTHER not in str(refused.value) and refused.value.exit_code == 2


@pytest.mark.parametrize(
    ("me", "types"),
    [
        # Its own types show the first key's organization (a user in both: me/ lists both).
        (_me(SECOND_ORG, FIRST_ORG), _types(FIRST_ORG)),
        # No types of its own, and me/ lists the first key's organization.
        (_me(FIRST_ORG), {"data": []}),
    ],
)
def test_a_second_key_of_the_same_organization_is_refused(me: Any, types: Any) -> None:
    with pytest.raises(ConfigurationError, match=f"reads organization {FIRST_ORG}"):
        check_second_key(_second_org(me, types), ORG, OTHER)


def test_a_second_key_whose_organization_cannot_be_told_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="cannot tell the second key's organization"):
        check_second_key(_second_org({"id": "user_x"}, {"data": []}), ORG, OTHER)


def test_no_second_key_sends_nothing() -> None:
    def answer(request: httpx.Request, key: str | None) -> httpx.Response:
        raise AssertionError(f"sent {request.method} {request.url}")

    check_second_key(_client(answer), ORG, None)


def test_a_401_to_the_second_key_mid_run_makes_the_case_inconclusive_not_passed() -> None:
    # Given a server where the second key was valid at the start but now answers 401
    sent: list[tuple[str, str, str | None]] = []

    def answer(request: httpx.Request, key: str | None) -> httpx.Response:
        sent.append((request.method, request.url.path, key))
        if key != KEY:
            return httpx.Response(401, json={"error": "Unauthorized"})
        return httpx.Response(
            200, json={"id": INSTANCE, "name": "n", "custom_object_type_id": TYPE.type_id}
        )

    client = _client(answer)
    config = Config(base_url="http://127.0.0.1:9/api/v1", api_key=KEY, other_api_key=OTHER)
    session = Session(config, client, Ledger(client), other_api_key=OTHER)
    guard = getattr(client, "guard", None)
    if guard is not None:  # the instance is the run's own, as a GET after its create proved
        guard.allow("custom_object", INSTANCE)
    outcome = session.outcome("valid", "T: valid", TYPE.type_id, None)

    # When the isolation probes run on an instance of the run's
    _foreign_and_anonymous(session, outcome, TYPE, INSTANCE, {"name": "n"}, "lead_x")

    # Then the case says isolation was not tested, and no other probe went out with the key
    assert outcome.inconclusive is not None and "was not tested" in outcome.inconclusive
    assert OTHER not in outcome.inconclusive
    probed = [(method, path) for method, path, key in sent if key == OTHER]
    assert probed == [("GET", f"/api/v1/custom_object/{INSTANCE}/")]
    assert not [v for v in outcome.violations if v.check == "org_isolation"]
    assert outcome.event().inconclusive == outcome.inconclusive


def test_refused_mid_run_judges_only_a_401() -> None:
    def answering(status: int) -> CloseClient:
        return _client(lambda request, key: httpx.Response(status, json={}))

    for status in (200, 403, 404, 500):
        client = answering(status)
        assert refused_mid_run(client.get("custom_object/x/", api_key=OTHER)) is None
    client = answering(401)
    assert refused_mid_run(client.get("custom_object/x/", api_key=OTHER)) is not None


@pytest.fixture(scope="module")
def srv() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


def test_a_run_with_a_wrong_second_key_refuses_before_creating_anything(
    srv: EmulatorServer, tmp_path: Path
) -> None:
    # Given the emulator as a live target, and a second key it does not know
    before = leftovers(srv)
    config = Config(
        base_url=srv.base_url,
        api_key=srv.api_key,
        other_api_key=OTHER,
        state_dir=tmp_path / "state",
    )

    # When the run starts, Then it refuses (exit 2) and created nothing
    with pytest.raises(ConfigurationError, match="answered 401") as refused:
        run_engine(config)
    assert refused.value.exit_code == 2 and OTHER not in str(refused.value)
    assert leftovers(srv) == before


def test_the_cli_refuses_a_wrong_second_key_from_the_environment(
    srv: EmulatorServer, tmp_path: Path
) -> None:
    result = invoke(
        *("run", "--base-url", srv.base_url, "--state-dir", str(tmp_path / "state")),
        env={"CLOSE_API_KEY": srv.api_key, "CLOSE_OTHER_API_KEY": OTHER},
    )
    assert result.returncode == 2, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("close-contract: error: ") and "second key" in line
    assert OTHER not in result.stderr + result.stdout


def test_the_cli_refuses_the_same_key_twice(srv: EmulatorServer) -> None:
    env = {"CLOSE_API_KEY": srv.api_key, "CLOSE_OTHER_API_KEY": srv.api_key}
    result = invoke("run", "--base-url", srv.base_url, env=env)
    assert result.returncode == 2 and "same key" in result.stderr
    assert srv.api_key not in result.stderr + result.stdout


def test_the_emulator_s_own_second_key_passes_the_check() -> None:
    # The embedded emulator's second organization has a key and a type of its own.
    ran = run_engine(Config(examples=1, stateful_runs=0))
    assert ran.finished.summary.exit_code == 0
    assert json.dumps([c.inconclusive for c in ran.cases]).count("was not tested") == 0
