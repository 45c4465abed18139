"""The shared HTTP client: auth, URL joining, bodies, bounded retries, redaction, curl."""

from __future__ import annotations

import base64
import json
import shlex
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from contract import __version__
from contract.client import UNSET, CloseClient, Exchange, RetryPolicy
from contract.errors import AmbiguousRequest, ConfigurationError, TargetUnreachable

KEY = "api_canary_7f3b9c2e1d4a4b8e9c0f1a2b3c4d5e6f"
OTHER = "api_other_org_0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d"
BASIC = base64.b64encode(f"{KEY}:".encode()).decode()
ROOT = "http://127.0.0.1:8000/api/v1"

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that answers from a script and keeps every request."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.script = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


class Sleeps(list[float]):
    """A fake ``sleep`` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make(sleeps: Sleeps) -> Iterator[Callable[..., CloseClient]]:
    clients: list[CloseClient] = []

    def factory(handler: Handler, **kwargs: Any) -> CloseClient:
        kwargs.setdefault("sleep", sleeps)
        client = CloseClient(
            kwargs.pop("base_url", ROOT),
            kwargs.pop("api_key", KEY),
            transport=httpx.MockTransport(handler),
            **kwargs,
        )
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


def ok(**kwargs: Any) -> httpx.Response:
    return httpx.Response(200, json=kwargs.pop("json", {}), **kwargs)


# -- auth ----------------------------------------------------------------------------------


def test_basic_auth_is_the_key_as_user_with_an_empty_password(make: Any) -> None:
    rec = Recorder(ok())
    exchange = make(rec).get("me/")
    assert rec.last.headers["authorization"] == f"Basic {BASIC}"
    assert exchange.auth == "basic"
    assert exchange.request_header("Authorization") == "[REDACTED]"


def test_bearer_auth(make: Any) -> None:
    rec = Recorder(ok())
    exchange = make(rec, auth_scheme="bearer").get("me/")
    assert rec.last.headers["authorization"] == f"Bearer {KEY}"
    assert exchange.auth == "bearer"
    assert "Bearer $CLOSE_API_KEY" in exchange.curl()


@pytest.mark.parametrize("how", ["send_credentials=False", "api_key=None"])
def test_no_credentials(make: Any, how: str) -> None:
    rec = Recorder(ok())
    if how == "api_key=None":
        exchange = make(rec, api_key=None).get("me/")
    else:
        exchange = make(rec).get("me/", send_credentials=False)
    assert "authorization" not in rec.last.headers
    assert exchange.auth is None
    assert exchange.request_header("authorization") is None
    assert " -u " not in exchange.curl() and "Authorization" not in exchange.curl()


def test_an_auth_probe_sends_its_own_header_and_the_curl_shows_it(make: Any) -> None:
    rec = Recorder(httpx.Response(401, json={"error": "Unauthorized"}))
    client = make(rec)
    # When a probe sends the real key in the wrong scheme, it is redacted in place on output.
    wrong_scheme = client.get(
        "me/", send_credentials=False, headers=[("Authorization", f"Token {KEY}")]
    )
    assert rec.last.headers["authorization"] == f"Token {KEY}"
    assert wrong_scheme.request_header("authorization") == f"Token {KEY}"
    assert wrong_scheme.to_dict()["request_headers"]["Authorization"] == "Token [REDACTED]"
    assert "-H 'Authorization: Token [REDACTED]'" in wrong_scheme.curl()
    # A malformed credential holds no secret, so it stays visible for the reproduction.
    garbage = client.get("me/", headers=[("Authorization", "Basic !!not-base64!!")])
    assert rec.last.headers.get_list("authorization") == ["Basic !!not-base64!!"]
    assert "-H 'Authorization: Basic !!not-base64!!'" in garbage.curl()
    assert garbage.status == 401 and garbage.auth is None


def test_api_key_overrides_the_key_for_one_request_and_becomes_a_secret(make: Any) -> None:
    rec = Recorder(ok(json={"echo": OTHER}))
    client = make(rec)
    exchange = client.get("me/", api_key=OTHER)
    other_basic = base64.b64encode(f"{OTHER}:".encode()).decode()
    assert rec.last.headers["authorization"] == f"Basic {other_basic}"
    # Checks see the real answer; what the exchange shows has the key blanked.
    assert exchange.json() == {"echo": OTHER}
    assert exchange.to_dict()["response_body"] == '{"echo":"[REDACTED]"}'
    assert '-u "$CLOSE_OTHER_API_KEY:"' in exchange.curl()
    assert OTHER not in client.redact(f"x {OTHER} {other_basic}")
    # The next request is back on the client's own key.
    assert '-u "$CLOSE_API_KEY:"' in client.get("me/").curl()
    assert rec.last.headers["authorization"] == f"Basic {BASIC}"


def test_user_agent_names_the_toolkit(make: Any) -> None:
    rec = Recorder(ok())
    make(rec).get("me/")
    assert rec.last.headers["user-agent"] == f"close-contract/{__version__}"


# -- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [ROOT, ROOT + "/"])
@pytest.mark.parametrize("path", ["custom_object/custobj_x/", "/custom_object/custobj_x/"])
def test_paths_join_the_root_and_keep_their_trailing_slash(make: Any, base: str, path: str) -> None:
    rec = Recorder(ok())
    exchange = make(rec, base_url=base).get(path)
    assert str(rec.last.url) == f"{ROOT}/custom_object/custobj_x/"
    assert exchange.url == f"{ROOT}/custom_object/custobj_x/"
    assert exchange.path == "custom_object/custobj_x/"


def test_params_go_into_the_query(make: Any) -> None:
    rec = Recorder(ok())
    exchange = make(rec).get("custom_object/", params={"lead_id": "lead_1", "_limit": "5"})
    assert rec.last.url.params["lead_id"] == "lead_1"
    assert exchange.params == (("lead_id", "lead_1"), ("_limit", "5"))
    assert exchange.url == f"{ROOT}/custom_object/?lead_id=lead_1&_limit=5"


@pytest.mark.parametrize(
    "bad",
    ["ftp://x", "not a url", "", "http://", "/api/v1", f"https://{KEY}@api.close.com/api/v1"],
)
def test_an_unusable_base_url_is_a_configuration_error(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        CloseClient(bad, KEY)
    message = str(info.value)
    assert "base URL" in message and "https://api.close.com/api/v1" in message
    assert "\n" not in message and KEY not in message
    assert info.value.exit_code == 2


# -- bodies --------------------------------------------------------------------------------


def test_json_is_sent_compact_as_application_json(make: Any) -> None:
    rec = Recorder(ok())
    exchange = make(rec).post("custom_object/", json={"name": "Ünïcode", "n": [1, 2]})
    assert rec.last.content == '{"name":"Ünïcode","n":[1,2]}'.encode()
    assert rec.last.headers["content-type"] == "application/json"
    assert exchange.request_body == rec.last.content


def test_json_none_is_a_json_null_body(make: Any) -> None:
    rec = Recorder(ok())
    exchange = make(rec).post("custom_object/", json=None)
    assert rec.last.content == b"null" and exchange.request_body == b"null"


def test_raw_body_with_and_without_a_content_type(make: Any) -> None:
    rec = Recorder(ok())
    client = make(rec)
    client.post("custom_object/", body=b"name=x", content_type="text/plain")
    assert rec.last.content == b"name=x"
    assert rec.last.headers["content-type"] == "text/plain"
    exchange = client.post("custom_object/", body=b"{not json")
    assert rec.last.content == b"{not json"
    assert "content-type" not in rec.last.headers
    assert exchange.request_header("content-type") is None


def test_json_with_another_content_type(make: Any) -> None:
    rec = Recorder(ok())
    make(rec).post("custom_object/", json={"a": 1}, content_type="text/plain")
    assert rec.last.headers["content-type"] == "text/plain"


def test_no_body(make: Any) -> None:
    rec = Recorder(ok())
    exchange = make(rec).delete("custom_object/custobj_x/", json=UNSET)
    assert rec.last.method == "DELETE" and rec.last.content == b""
    assert "content-type" not in rec.last.headers
    assert exchange.request_body is None and "--data" not in exchange.curl()


def test_json_and_body_together_are_refused(make: Any) -> None:
    with pytest.raises(ValueError, match="json= or body="):
        make(Recorder(ok())).post("custom_object/", json={}, body=b"{}")


def test_put_helper(make: Any) -> None:
    rec = Recorder(ok())
    make(rec).put("custom_object/custobj_x/", json={"name": "n"})
    assert rec.last.method == "PUT"


# -- retries -------------------------------------------------------------------------------


def limited(**headers: str) -> httpx.Response:
    return httpx.Response(429, headers=headers, json={"error": "Too many requests"})


def test_429_waits_for_the_ratelimit_reset_then_succeeds(make: Any, sleeps: Sleeps) -> None:
    rec = Recorder(limited(RateLimit="limit=100, remaining=0, reset=2"), ok())
    client = make(rec)
    exchange = client.get("me/")
    assert sleeps == [2.0]
    assert (exchange.status, exchange.attempts, client.requests_sent) == (200, 2, 2)


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"RateLimit": "limit=160; remaining=0; reset=1.5"}, 1.5),
        ({"RateLimit": "limit=16,remaining=0,reset=3", "Retry-After": "9"}, 3.0),
        ({"Retry-After": "7"}, 7.0),
        ({"RateLimit-Reset": "4"}, 4.0),
        ({"RateLimit": "limit=1, remaining=0", "Retry-After": "5"}, 5.0),
        ({}, 0.5),  # no hint: the backoff
    ],
)
def test_429_wait_sources_in_order(
    make: Any, sleeps: Sleeps, headers: dict[str, str], wait: float
) -> None:
    assert make(Recorder(limited(**headers), ok())).get("me/").status == 200
    assert sleeps == [wait]


def test_every_wait_is_capped_by_max_sleep(make: Any, sleeps: Sleeps) -> None:
    retry = RetryPolicy(max_sleep=10.0, backoff=8.0)
    rec = Recorder(limited(RateLimit="limit=1, remaining=0, reset=200"), httpx.Response(503))
    rec.script.extend([httpx.Response(503), ok()])
    assert make(rec, retry=retry).get("me/").status == 200
    assert sleeps == [10.0, 10.0, 10.0]  # 200 capped, then 8*2 and 8*4 capped


def test_503_backs_off_exponentially(make: Any, sleeps: Sleeps) -> None:
    rec = Recorder(httpx.Response(503), httpx.Response(502), httpx.Response(504), ok())
    client = make(rec)
    exchange = client.put("custom_object/custobj_1/", json={"name": "x"})
    assert sleeps == [0.5, 1.0, 2.0]
    assert exchange.attempts == 4 and client.requests_sent == 4
    assert exchange.failed_attempts == ("refused", "ambiguous", "ambiguous")
    assert exchange.may_have_repeated
    assert all(r.content == b'{"name":"x"}' for r in rec.requests)


def test_500_is_returned_not_retried(make: Any, sleeps: Sleeps) -> None:
    rec = Recorder(httpx.Response(500, text="boom"), ok())
    client = make(rec)
    exchange = client.post("custom_object/", json={})
    assert (exchange.status, exchange.attempts, client.requests_sent) == (500, 1, 1)
    assert sleeps == []


def test_persistent_429_is_target_unreachable(make: Any, sleeps: Sleeps) -> None:
    client = make(Recorder(limited(RateLimit="limit=1, remaining=0, reset=1")))
    with pytest.raises(TargetUnreachable) as info:
        client.post("custom_object/", json={})
    assert str(info.value) == (
        "the target kept answering 429 after 5 attempts (POST custom_object/)"
    )
    assert info.value.exit_code == 3
    assert client.requests_sent == 5 and sleeps == [1.0] * 4


def test_mixed_statuses_are_all_named(make: Any) -> None:
    client = make(Recorder(httpx.Response(503), limited()), retry=RetryPolicy(max_attempts=2))
    with pytest.raises(TargetUnreachable, match=r"kept answering 503, 429 after 2 attempts"):
        client.get("me/")


def test_timeouts_are_retried_then_reported(make: Any, sleeps: Sleeps) -> None:
    timeout = httpx.ReadTimeout("timed out")
    assert make(Recorder(timeout, ok())).get("me/").attempts == 2
    client = make(Recorder(timeout), timeout=2.5, retry=RetryPolicy(max_attempts=3))
    with pytest.raises(TargetUnreachable) as info:
        client.get("me/")
    assert str(info.value) == (
        f"cannot reach {ROOT}: no answer within 2.5 s (ReadTimeout) (after 3 attempts)"
    )
    assert sleeps == [0.5, 0.5, 1.0]


# -- outcome classes: refused attempts are retried, ambiguous ones only when idempotent ------

DROPPED = httpx.RemoteProtocolError("Server disconnected without sending a response.")


@pytest.mark.parametrize(
    "failure",
    [DROPPED, httpx.ReadTimeout("timed out"), httpx.Response(502), httpx.Response(504)],
    ids=["dropped", "read-timeout", "502", "504"],
)
def test_an_unanswered_create_is_never_sent_twice(
    make: Any, sleeps: Sleeps, failure: httpx.Response | Exception
) -> None:
    rec = Recorder(failure, ok(json={"id": "custobj_1"}))
    client = make(rec)
    with pytest.raises(AmbiguousRequest) as info:
        client.post("custom_object/", json={"name": "x"})
    assert len(rec.requests) == 1 and client.requests_sent == 1 and sleeps == []
    assert (info.value.method, info.value.path, info.value.attempts) == (
        "POST",
        "custom_object/",
        1,
    )
    assert "may have taken effect" in str(info.value) and info.value.exit_code == 3


@pytest.mark.parametrize(
    "refusal",
    [httpx.ConnectError("connection refused"), httpx.Response(503), limited()],
    ids=["connect-error", "503", "429"],
)
def test_a_refused_create_did_no_work_and_is_sent_again(
    make: Any, refusal: httpx.Response | Exception
) -> None:
    rec = Recorder(refusal, ok(json={"id": "custobj_1"}))
    exchange = make(rec).post("custom_object/", json={"name": "x"})
    assert exchange.status == 200 and len(rec.requests) == 2
    assert exchange.failed_attempts == ("refused",) and not exchange.may_have_repeated


def test_an_unanswered_delete_is_repeated_and_its_answer_marked(make: Any) -> None:
    rec = Recorder(DROPPED, httpx.Response(404, json={"error": "gone"}))
    exchange = make(rec).delete("custom_object/custobj_1/")
    assert (exchange.status, exchange.attempts) == (404, 2)
    assert exchange.failed_attempts == ("ambiguous",) and exchange.may_have_repeated
    assert exchange.to_dict()["failed_attempts"] == ["ambiguous"]


def test_a_503_with_retry_after_waits_as_asked(make: Any, sleeps: Sleeps) -> None:
    rec = Recorder(httpx.Response(503, headers={"Retry-After": "3"}), ok())
    assert make(rec).get("me/").attempts == 2
    assert sleeps == [3.0]


@pytest.mark.parametrize("key", ["1", "e", "2000", "x" * 15])
def test_a_key_too_short_to_redact_is_refused(key: str) -> None:
    with pytest.raises(ConfigurationError, match="cannot be told apart from ordinary text"):
        CloseClient(ROOT, key)
    with CloseClient(ROOT, KEY) as client, pytest.raises(ConfigurationError):
        client.get("me/", api_key=key)


def test_checks_see_real_bytes_that_merely_contain_a_short_looking_value(make: Any) -> None:
    # A long key never matches by chance, so the body of the answer stays exactly as sent.
    body = {"date": "2000-02-29", "type": "text/html", "key_echo": KEY}
    exchange = make(Recorder(ok(json=body))).get("me/")
    assert exchange.json() == body
    assert json.loads(exchange.to_dict()["response_body"])["key_echo"] == "[REDACTED]"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: nothing listens there


def test_connection_refused_is_target_unreachable(sleeps: Sleeps) -> None:
    base = f"http://127.0.0.1:{free_port()}/api/v1"
    with CloseClient(base + "/", KEY, sleep=sleeps) as client:
        with pytest.raises(TargetUnreachable) as info:
            client.get("me/")
        assert str(info.value) == f"cannot reach {base}: connection refused (after 5 attempts)"
        assert client.requests_sent == 5
    assert sleeps == [0.5, 1.0, 2.0, 4.0]


def test_retry_policy_is_validated() -> None:
    with pytest.raises(ConfigurationError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ConfigurationError, match="non-negative"):
        RetryPolicy(backoff=-1)


# -- the exchange, redaction, curl ---------------------------------------------------------


def echoing(request: httpx.Request) -> httpx.Response:
    """A careless target that echoes the credentials everywhere it can."""
    auth = request.headers.get("authorization", "")
    body = {"auth": auth, "sent": request.content.decode(errors="replace"), "url": str(request.url)}
    return httpx.Response(
        201, json=body, headers={"X-Echo": auth, "Content-Type": "application/json; charset=utf-8"}
    )


def test_no_secret_reaches_the_exchange_its_dict_or_its_curl(make: Any) -> None:
    client = make(echoing, secrets=["planted_secret_value"])
    exchanges = [
        client.post(
            "custom_object/",
            json={"name": KEY, "note": "planted_secret_value"},
            params={"api_key": KEY},
            headers=[("X-Key", KEY)],
        ),
        client.get("me/", api_key=OTHER),
        client.get("me/", send_credentials=False, headers=[("Authorization", f"Basic {BASIC}")]),
    ]
    secrets = [KEY, BASIC, BASIC.rstrip("="), OTHER, "planted_secret_value"]
    for exchange in exchanges:
        dumped = json.dumps(exchange.to_dict()) + exchange.curl() + repr(exchange)
        assert [s for s in secrets if s in dumped] == []
        assert "[REDACTED]" in dumped
    # The checks judge what really came back; only what is shown is blanked.
    sent = json.dumps({"name": KEY, "note": "planted_secret_value"}, separators=(",", ":"))
    assert exchanges[0].json()["sent"] == sent
    assert exchanges[0].header("x-echo") == f"Basic {BASIC}"
    shown = {k.lower(): v for k, v in exchanges[0].to_dict()["response_headers"].items()}
    assert shown["x-echo"] == "Basic [REDACTED]"


def test_curl_is_shell_parsable_and_reproduces_the_request(make: Any) -> None:
    payload = {"name": 'it\'s a "quoted" $name; rm -rf /', "lead_id": "lead_1"}
    exchange = make(echoing).post("custom_object/", json=payload, headers=[("X-TZ-Offset", "-4")])
    argv = shlex.split(exchange.curl())
    assert argv[:4] == ["curl", "-X", "POST", f"{ROOT}/custom_object/"]
    assert argv[argv.index("-u") + 1] == "$CLOSE_API_KEY:"
    assert json.loads(argv[argv.index("--data-raw") + 1]) == payload
    assert "Content-Type: application/json" in argv and "X-TZ-Offset: -4" in argv
    assert not any(a.lower().startswith(("host:", "user-agent:", "content-length:")) for a in argv)


def test_curl_keeps_a_missing_content_type_missing_and_pipes_binary_bodies(make: Any) -> None:
    exchange = make(echoing).post("custom_object/", body=b"\xff\x00{'")
    command = exchange.curl()
    assert command.startswith("printf '%b' ")
    pipeline = shlex.split(command)
    assert pipeline[pipeline.index("--data-binary") + 1] == "@-"
    assert "Content-Type:" in pipeline  # curl's way to send no Content-Type
    assert "\\0377\\0000{\\0047" in pipeline


def test_exchange_accessors_and_to_dict(make: Any) -> None:
    exchange = make(echoing).post("custom_object/", json={"name": "é"})
    assert exchange.content_type == "application/json"
    assert exchange.header("CONTENT-TYPE") == "application/json; charset=utf-8"
    assert exchange.header("x-missing") is None
    assert exchange.elapsed >= 0 and exchange.attempts == 1
    data = exchange.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "method",
        "url",
        "path",
        "params",
        "request_headers",
        "request_body",
        "status",
        "response_headers",
        "response_body",
        "elapsed",
        "attempts",
    }
    assert (data["method"], data["status"], data["request_body"]) == (
        "POST",
        201,
        '{"name":"é"}',
    )


def test_exchange_json_raises_value_error_and_bodies_decode_with_replacement() -> None:
    exchange = Exchange(
        method="GET",
        url=f"{ROOT}/me/",
        path="me/",
        params=(),
        request_headers=(),
        request_body=None,
        status=502,
        response_headers=(("Content-Type", "text/html"),),
        response_body=b"<html>\xff</html>",
        elapsed=0.1,
        attempts=1,
    )
    with pytest.raises(ValueError):
        exchange.json()
    assert exchange.to_dict()["response_body"] == "<html>\ufffd</html>"
    assert exchange.content_type == "text/html"
    assert shlex.split(exchange.curl()) == ["curl", "-X", "GET", f"{ROOT}/me/"]


# -- end to end over loopback --------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append((self.command, self.path, self.headers.get("Authorization", ""), body))
        if len(self.seen) == 1:
            self._answer(
                429, b'{"error":"slow down"}', ("RateLimit", "limit=1, remaining=0, reset=1")
            )
        else:
            self._answer(201, body)

    def _answer(self, status: int, body: bytes, *extra: tuple[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


@pytest.fixture
def loopback() -> Iterator[str]:
    _Handler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_end_to_end_over_a_real_loopback_server(loopback: str, sleeps: Sleeps) -> None:
    # When a real server rate-limits the first POST, the client waits and sends it again.
    with CloseClient(loopback, KEY, sleep=sleeps) as client:
        exchange = client.post("custom_object/", json={"name": "e2e", "lead_id": "lead_1"})
    # Then the server saw both attempts with the documented Basic credentials.
    assert [s[:3] for s in _Handler.seen] == [
        ("POST", "/api/v1/custom_object/", f"Basic {BASIC}")
    ] * 2
    assert _Handler.seen[-1][3] == b'{"name":"e2e","lead_id":"lead_1"}'
    assert (exchange.status, exchange.attempts, sleeps) == (201, 2, [1.0])
    assert exchange.json() == {"name": "e2e", "lead_id": "lead_1"}
    assert exchange.content_type == "application/json"
