"""Network conditions: `chaos` refuses or drops a seeded share of requests, `latency`
delays every answer without serialising concurrent requests."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from contract.emulator import EmulatorServer, create_app

from ._support import client_for

#: What the client sees of one request: a status, or the transport error's type name.
Seen = int | str


def see(client: httpx.Client, method: str, path: str, **kwargs: object) -> Seen:
    try:
        return client.request(method, path, **kwargs).status_code  # type: ignore[arg-type]
    except httpx.TransportError as exc:
        return type(exc).__name__


def fates(seed: int, chaos: float, requests: int = 40) -> list[Seen]:
    with EmulatorServer(chaos=chaos, chaos_seed=seed, chaos_retry_after=0) as srv:
        with client_for(srv) as client:
            return [see(client, "GET", "me/") for _ in range(requests)]


def test_a_refused_request_answers_503_with_retry_after_and_does_nothing() -> None:
    # Given a network that disturbs every request
    with EmulatorServer(chaos=1.0, chaos_retry_after=0) as srv, client_for(srv) as client:
        refusals: list[httpx.Response] = []
        for _ in range(20):
            try:
                response = client.post("lead/", json={"name": "Refused?"})
            except httpx.TransportError:
                continue
            refusals.append(response)
        leads_created = 20 - len(refusals)

        # Then every answer that came was a 503 with Retry-After and a JSON error
        assert refusals
        for response in refusals:
            assert response.status_code == 503
            assert response.headers["retry-after"] == "0"
            assert response.headers["content-type"] == "application/json"
            assert "retry" in response.json()["error"]
        # and only the dropped requests took effect
        assert srv.count_rows("lead") == leads_created


def test_a_dropped_request_takes_effect_but_the_client_sees_no_answer() -> None:
    # Given a network that disturbs every request, and a clean one to the same database
    with EmulatorServer(chaos=1.0, chaos_retry_after=0) as srv, client_for(srv) as client:
        for _ in range(20):
            try:
                client.post("lead/", json={"name": "Dropped"})
            except httpx.RemoteProtocolError as exc:
                # When a create is dropped, Then the client gets a transport error
                assert "peer closed connection" in str(exc)
                break
        else:
            pytest.fail("no request was dropped")

        # and yet the lead was stored and committed
        assert srv.count_rows("lead") == 1
        assert srv.count_rows("contact") == 0


def test_some_chaos_mixes_answers_refusals_and_drops() -> None:
    with EmulatorServer(chaos=0.5, chaos_seed=1, chaos_retry_after=0) as srv:
        with client_for(srv) as client:
            seen = [see(client, "GET", "me/") for _ in range(30)]
    assert "RemoteProtocolError" in seen
    assert 503 in seen
    assert 200 in seen
    assert set(seen) <= {200, 503, "RemoteProtocolError"}


def test_the_seed_decides_which_requests_are_disturbed() -> None:
    first, again, other = fates(3, 0.3), fates(3, 0.3), fates(4, 0.3)

    assert first == again
    assert first != other


def test_the_share_of_disturbed_requests_is_about_p_split_in_halves() -> None:
    seen = fates(11, 0.2, requests=400)

    refused, dropped = seen.count(503), seen.count("RemoteProtocolError")
    assert seen.count(200) + refused + dropped == 400
    assert 50 <= refused + dropped <= 110
    assert abs(refused - dropped) <= 30


def test_chaos_comes_before_authentication() -> None:
    with EmulatorServer(chaos=1.0, chaos_retry_after=0) as srv, httpx.Client() as client:
        seen = {see(client, "GET", srv.base_url + "/me/") for _ in range(20)}
    # An unauthenticated request is refused or dropped like any other, never a 401 here.
    assert seen == {503, "RemoteProtocolError"}


def test_no_chaos_no_disturbance() -> None:
    assert set(fates(0, 0.0)) == {200}


def test_latency_delays_every_answer_without_serialising_them() -> None:
    latency, requests = 2.0, 3
    with EmulatorServer(latency=latency) as srv:
        # Every answer comes late: a client that waits less than the latency gets none
        with client_for(srv) as client, pytest.raises(httpx.ReadTimeout):
            client.get("me/", timeout=0.05)

        # Concurrent requests overlap: each one's work is done (a lead is stored) while no
        # answer has come yet, which one request at a time could not do
        answered: list[int] = []

        def create(index: int) -> None:
            with client_for(srv) as client:
                response = client.post("lead/", json={"name": f"Lead {index}"})
            answered.append(response.status_code)

        with ThreadPoolExecutor(requests) as pool:
            for index in range(requests):
                pool.submit(create, index)
            while srv.count_rows("lead") < requests and not answered:
                time.sleep(0.01)
            stored_before_any_answer = not answered
        assert stored_before_any_answer, answered
        assert answered == [200] * requests


def test_latency_also_delays_refusals() -> None:
    with EmulatorServer(chaos=1.0, latency=1.0, chaos_retry_after=0) as srv:
        with client_for(srv) as client:
            # A refusal (or a drop) that came at once would be seen within the timeout
            for _ in range(3):
                with pytest.raises(httpx.ReadTimeout):
                    client.get("me/", timeout=0.05)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"chaos": -0.1},
        {"chaos": 1.5},
        {"chaos": math.nan},
        {"latency": -1.0},
        {"latency": math.inf},
        {"latency": math.nan},
        {"chaos_retry_after": -1},
    ],
    ids=repr,
)
def test_bad_network_options_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        EmulatorServer(**kwargs)  # type: ignore[arg-type]


def test_the_server_exposes_its_network_conditions() -> None:
    srv = EmulatorServer(chaos=0.25, chaos_seed=9, chaos_retry_after=2, latency=0.5)

    network = srv.network
    assert (network.chaos, network.chaos_seed, network.chaos_retry_after, network.latency) == (
        0.25,
        9,
        2,
        0.5,
    )


def test_create_app_takes_the_same_network_options() -> None:
    app = create_app(chaos=0.5, chaos_seed=2, chaos_retry_after=0, latency=0.1)
    try:
        assert app.state.emulator.network.chaos == 0.5
    finally:
        app.state.emulator.close()
    with pytest.raises(ValueError, match="chaos"):
        create_app(chaos=2.0)
