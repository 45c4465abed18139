"""Every answer is read within bounds, and a malformed one is a finding, never a crash.

In-process: httpx.MockTransport with streamed bodies, and a fake clock for deadlines.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Generator, Iterator
from typing import Any

import httpx
import pytest

from contract.client import CloseClient, Exchange, Pacer, PageCount, RetryPolicy, pages
from contract.client._reading import STEP, parse_json, too_deep
from contract.config import Config
from contract.errors import (
    AmbiguousRequest,
    ContractWarning,
    TargetUnreachable,
    UnreadableAnswer,
)
from contract.ledger import Ledger
from contract.session._session import Inconclusive, Outcome, Session

KEY = "api_bounds_test_key_0123456789abcdef"
ROOT = "http://127.0.0.1:8000/api/v1"
CAP = 64 * 1024
DEEP = b"[" * 100_000 + b"]" * 100_000


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Chunks(httpx.SyncByteStream):
    """A streamed body: each chunk as a network read would hand it over."""

    def __init__(self, chunks: Iterator[bytes], on_chunk: Callable[[], None] = lambda: None):
        self.chunks = chunks
        self.on_chunk = on_chunk
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.on_chunk()
            self.sent += len(chunk)
            yield chunk


def streamed(status: int, body: bytes, **headers: str) -> httpx.Response:
    """An answer whose body streams in (not read ahead, as a mock's ``content=`` is)."""
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))


def client(
    handler: Callable[[httpx.Request], httpx.Response], **options: Any
) -> Generator[CloseClient, None, None]:
    options.setdefault("sleep", lambda seconds: None)
    options.setdefault("max_response_bytes", CAP)
    with CloseClient(ROOT, KEY, transport=httpx.MockTransport(handler), **options) as made:
        yield made


@pytest.fixture
def make() -> Iterator[Callable[..., CloseClient]]:
    made: list[Generator[CloseClient, None, None]] = []

    def factory(answer: Any, **options: Any) -> CloseClient:
        handler = answer if callable(answer) else (lambda request: answer)
        made.append(client(handler, **options))
        return next(made[-1])

    yield factory
    for generator in made:
        generator.close()


def bomb(decoded: int) -> bytes:
    """Gzip of ``decoded`` zero bytes (about a thousandth of that on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(decoded >> 20)]
    return b"".join(parts) + packer.flush()


def test_a_gzip_bomb_stops_at_the_cap_counted_decompressed(make: Any) -> None:
    wire = bomb(20 << 20)
    c = make(streamed(200, wire, **{"Content-Encoding": "gzip"}))

    with pytest.raises(UnreadableAnswer) as raised:
        c.get("custom_object/")

    assert raised.value.kind == "size" and raised.value.status == 200
    assert "--max-response-bytes" in str(raised.value) and "\n" not in str(raised.value)
    assert CAP < c.bytes_read <= CAP + STEP and c.largest_body == c.bytes_read
    assert c.requests_sent == 1  # an answer past the cap is not asked for again


def test_a_body_past_the_cap_is_refused_by_its_content_length_unread(make: Any) -> None:
    c = make(streamed(200, b"x" * (CAP + 1), **{"Content-Length": str(CAP + 1)}))
    with pytest.raises(UnreadableAnswer, match="Content-Length of 65537 bytes"):
        c.get("me/")
    assert c.bytes_read == 0


def test_a_chunked_body_past_the_cap_stops_within_one_chunk(make: Any) -> None:
    stream = Chunks(iter([b"y" * 4096] * 10_000))
    c = make(httpx.Response(200, stream=stream))
    with pytest.raises(UnreadableAnswer, match="passed the cap of 65536 bytes"):
        c.post("custom_object/", json={})
    assert c.bytes_read <= CAP and stream.sent <= CAP + 4096


def test_a_body_read_ahead_by_an_in_process_transport_is_capped_too(make: Any) -> None:
    c = make(httpx.Response(200, content=b"z" * (CAP + 1)))
    with pytest.raises(UnreadableAnswer) as raised:
        c.get("me/")
    assert raised.value.kind == "size"


def test_an_endless_body_ends_at_the_deadline(make: Any) -> None:
    # Given a body that never ends, one chunk per second on the client's clock
    clock = Clock()

    def tick() -> None:
        clock.now += 1.0

    def endless() -> Iterator[bytes]:
        while True:
            yield b"{"

    stream = Chunks(endless(), on_chunk=tick)
    c = make(httpx.Response(200, stream=stream), clock=clock, response_timeout=5.0)

    # When it is read, Then it stops at the deadline, as an unreadable answer
    with pytest.raises(UnreadableAnswer) as raised:
        c.get("custom_object/")
    assert raised.value.kind == "deadline"
    assert "--response-timeout (now 5 s)" in str(raised.value)
    assert stream.sent <= 6 and c.requests_sent == 1


@pytest.mark.parametrize(
    ("body", "coding"),
    [
        (b"\x1f\x8b\x08\x00garbage-not-deflate", "gzip"),
        (gzip.compress(b'{"id": "x"}' * 100, mtime=0)[:-30], "gzip"),  # cut short
        (b"\x00\x01\x02 not deflate at all", "deflate"),
    ],
    ids=["corrupt", "truncated", "deflate"],
)
def test_a_body_whose_coding_does_not_decode_is_unreadable(
    make: Any, body: bytes, coding: str
) -> None:
    c = make(streamed(200, body, **{"Content-Encoding": coding}))
    with pytest.raises(UnreadableAnswer, match=f"Content-Encoding {coding} does not decode") as r:
        c.post("custom_object/", json={})
    assert r.value.kind == "encoding" and isinstance(r.value, AmbiguousRequest)
    assert c.requests_sent == 1


@pytest.mark.parametrize(
    ("coding", "packed"),
    [
        ("gzip", gzip.compress(b'{"a": 1}', mtime=0)),
        ("deflate", zlib.compress(b'{"a": 1}')),
        ("deflate", zlib.compress(b'{"a": 1}')[2:-4]),  # raw deflate, as some servers send
        ("gzip, gzip", gzip.compress(gzip.compress(b'{"a": 1}', mtime=0), mtime=0)),
        ("br", b'{"a": 1}'),  # not asked for, so passed through as it came
    ],
    ids=["gzip", "deflate", "raw-deflate", "gzip-twice", "br"],
)
def test_codings_the_client_asks_for_decode(make: Any, coding: str, packed: bytes) -> None:
    c = make(streamed(200, packed, **{"Content-Encoding": coding}))
    exchange = c.get("me/")
    assert exchange.json() == {"a": 1} and c.bytes_read == 8
    assert exchange.request_header("accept-encoding") == "gzip, deflate"


def test_an_empty_body_with_a_coding_is_just_empty(make: Any) -> None:
    c = make(streamed(204, b"", **{"Content-Encoding": "gzip"}))
    assert c.delete("custom_object/x/").response_body == b""


def test_json_nested_past_the_limit_is_unreadable_not_a_traceback(make: Any) -> None:
    c = make(streamed(200, DEEP), max_response_bytes=1 << 20)
    with pytest.raises(UnreadableAnswer, match="nests deeper than 64 levels") as raised:
        c.get("custom_object/")
    assert raised.value.kind == "nesting"


def test_a_server_errors_deep_body_is_returned_unjudged(make: Any) -> None:
    exchange = make(streamed(500, DEEP), max_response_bytes=1 << 20).get("me/")
    assert exchange.status == 500
    with pytest.raises(ValueError, match="nests deeper"):
        exchange.json()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"name": "caf\xe9"}',  # Latin-1, not UTF-8
        '{"a": 1}'.encode("utf-16"),  # json.loads alone would take UTF-16
        b'{"a": NaN}',
        b'{"a": 1' + b"0" * 5000 + b"}",  # an integer past Python's digit limit
        DEEP,
        b"\xef\xbb\xbf{}",  # a byte order mark
        b"",
    ],
)
def test_exchange_json_raises_only_value_error(body: bytes) -> None:
    exchange = Exchange("GET", f"{ROOT}/me/", "me/", (), (), None, 200, (), body, 0.0, 1)
    with pytest.raises(ValueError):
        exchange.json()


def test_nesting_is_measured_outside_strings_and_only_when_it_can_matter() -> None:
    assert not too_deep(b'{"a": "' + b"[" * 500 + b'"}', 64)
    assert not too_deep(b"<html>" + b"[" * 100, 64)  # not JSON at all: the checks say so
    assert not too_deep(b"[" + b"[1]," * 1000 + b"[1]]", 64)
    assert too_deep(b"[" * 65 + b"]" * 65, 64) and not too_deep(b"[" * 64 + b"]" * 64, 64)
    assert too_deep(b'[{"a": "\\"]"' + b", [" * 70, 64)
    assert parse_json(b"[" * 64 + b"]" * 64) is not None


def test_an_unreadable_create_makes_its_case_inconclusive(make: Any) -> None:
    # Given a create whose answer's gzip is corrupt
    c = make(streamed(200, b"\x1f\x8b broken", **{"Content-Encoding": "gzip"}))
    session = Session(Config(), c, Ledger(c))
    outcome = Outcome("lifecycle", "create", None, None)

    # When the session sends it, Then the case stops as inconclusive (exit-code class 3)
    with pytest.raises(Inconclusive) as stopped:
        session.send(outcome, "valid:create", "POST", "custom_object/", json={})
    assert isinstance(stopped.value.cause, UnreadableAnswer)
    assert stopped.value.cause.exit_code == 3
    assert outcome.inconclusive is not None and "does not decode" in outcome.inconclusive


@pytest.mark.parametrize(
    ("status", "headers", "asked"),
    [
        (429, {"RateLimit": "limit=100, remaining=0, reset=1e12"}, "RateLimit reset=1e12"),
        (429, {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}, "Retry-After: Fri"),
        (503, {"Retry-After": "86400"}, "Retry-After: 86400"),
        (429, {"RateLimit-Reset": "301"}, "RateLimit-Reset: 301"),
    ],
)
def test_a_wait_past_max_wait_makes_the_target_unreachable_at_once(
    make: Any, status: int, headers: dict[str, str], asked: str
) -> None:
    slept: list[float] = []
    c = make(httpx.Response(status, headers=headers), sleep=slept.append, pacer=None)
    with pytest.raises(TargetUnreachable, match="past --max-wait 300 s") as raised:
        c.get("me/")
    assert asked in str(raised.value) and not isinstance(raised.value, AmbiguousRequest)
    assert (slept, c.waited, c.requests_sent) == ([], 0.0, 1)


def test_waits_up_to_max_wait_are_served_and_counted(make: Any) -> None:
    slept: list[float] = []
    answers = iter([httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)])
    c = make(lambda request: next(answers), sleep=slept.append, pacer=None, max_wait=7)
    assert c.get("me/").status == 200
    assert slept == [7.0] and c.waited == 7.0


def test_the_pacers_waits_count_in_waited(make: Any) -> None:
    slept: list[float] = []
    answers = iter([httpx.Response(429, headers={"Retry-After": "4"}), httpx.Response(200)])
    c = make(lambda request: next(answers), sleep=slept.append)
    assert c.get("me/").status == 200
    assert c.waited == sum(slept) == 4.0


def test_a_budget_resetting_past_max_wait_makes_the_target_unreachable() -> None:
    # Given a pacer with a cap on waits
    slept: list[float] = []
    pacer = Pacer(sleep=slept.append, max_wait=300.0)
    absurd = Pacer.group_of("lead/")
    from contract.client import Budget

    # When an answer reports a window that resets in 1e12 s, Then the run cannot go on
    pacer.acquire(absurd)
    with pytest.raises(TargetUnreachable, match="resets in 1e\\+12 s, past --max-wait 300 s"):
        pacer.observe(absurd, 0, Budget(limit=3, remaining=0, reset=1e12))
    assert (slept, pacer.waited) == ([], 0.0)


def test_cleanup_ignores_a_budget_past_max_wait_and_warns_once() -> None:
    # Given a pacer exempt from the cap (cleanup keeps to its own timeout instead)
    slept: list[float] = []
    pacer = Pacer(sleep=slept.append, max_wait=300.0)
    pacer.exempt = True
    absurd = Pacer.group_of("lead/")
    from contract.client import Budget

    # When two answers report an absurd window, Then one warning says so and nothing waits
    with pytest.warns(ContractWarning, match="resets in 1e\\+12 s, past --max-wait 300 s"):
        for sequence in range(2):
            pacer.acquire(absurd)
            pacer.observe(absurd, sequence, Budget(limit=3, remaining=0, reset=1e12))
    pacer.acquire(absurd)
    assert (slept, pacer.ignored, pacer.waited) == ([], 2, 0.0)


def list_answer(more: bool) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"data": [{"id": request.url.params.get("_skip", "0")}], "has_more": more}
        )

    return answer


def test_a_server_that_never_stops_paging_is_cut_at_the_bound_with_a_warning(make: Any) -> None:
    c = make(list_answer(more=True), max_pages=3)
    with pytest.warns(ContractWarning, match="still said has_more after 3 page"):
        walked = list(c.pages(lambda query: c.get("custom_object/", params=query)))
    assert [p.truncated for p in walked] == [False, False, True]
    assert c.pages_read == 3 and c.paging.truncated == 1 and c.requests_sent == 3


def test_a_walk_that_ends_is_not_truncated_and_counts_its_pages(make: Any) -> None:
    c = make(list_answer(more=False))
    count = PageCount()
    walked = list(pages(lambda query: c.get("lead/", params=query), max_pages=2, count=count))
    assert [p.truncated for p in walked] == [False] and count.pages == 1


def test_bounds_must_be_usable() -> None:
    from contract.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="must be positive"):
        CloseClient(ROOT, KEY, response_timeout=0)
    with pytest.raises(ConfigurationError, match="at least 1"):
        CloseClient(ROOT, KEY, max_pages=0)


def test_the_read_timeout_never_outlasts_the_deadline(make: Any) -> None:
    seen: list[dict[str, float]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={})

    make(answer, timeout=30.0, response_timeout=2.0).get("me/")
    assert seen[0]["read"] == 2.0 and seen[0]["connect"] == 30.0


def test_retried_answers_count_no_bytes(make: Any) -> None:
    answers = iter([streamed(503, b"x" * (10 * CAP)), httpx.Response(200, json={"ok": 1})])
    c = make(lambda request: next(answers), retry=RetryPolicy(max_attempts=2), pacer=None)
    assert c.get("me/").json() == {"ok": 1}
    assert c.bytes_read == len(b'{"ok":1}')


def test_the_clients_bounds_default_to_the_configurations() -> None:
    from contract import config

    with CloseClient(ROOT, KEY) as plain:
        assert plain.max_response_bytes == config.DEFAULT_MAX_RESPONSE_BYTES
        assert plain.response_timeout == config.DEFAULT_RESPONSE_TIMEOUT
        assert plain.max_wait == config.DEFAULT_MAX_WAIT
        assert plain.max_pages == config.DEFAULT_MAX_PAGES


def test_cleanup_tries_twice_as_often_with_short_waits(make: Any) -> None:
    # Given a target that refuses its first seven tries with a 503 and no hint
    slept: list[float] = []
    tries: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        tries.append(1)
        return httpx.Response(503 if len(tries) < 8 else 204)

    c = make(flaky, sleep=slept.append, pacer=None, retry=RetryPolicy(max_attempts=5))

    # When the client switches to cleanup's rules
    c.for_cleanup()

    # Then a delete gets through on its eighth try, no wait longer than two seconds
    assert c.delete("custom_object/custobj_x1/").status == 204
    assert c.retry.max_attempts == 10 and len(tries) == 8
    assert max(slept) == 2.0 and slept[:3] == [0.5, 1.0, 2.0]
