"""Hostile answers over a real socket: endless, trickled, bombed and broken bodies.

A raw server on 127.0.0.1, started by the test, answers each path with one misbehaviour
that only a real connection shows (chunked framing, reads that each arrive in time).
Bounds are small so each test ends fast; assertions are on error kinds and counters.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator

import pytest

from contract.client import CloseClient, RetryPolicy
from contract.client._reading import STEP
from contract.errors import AmbiguousRequest, TargetUnreachable, UnreadableAnswer

KEY = "api_wire_test_key_0123456789abcdef"
CAP = 256 * 1024

Send = Callable[[bytes], None]


def _bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(200)) + packer.flush()


def _head(status: str, *headers: str) -> bytes:
    return ("\r\n".join((f"HTTP/1.1 {status}", *headers)) + "\r\n\r\n").encode()


def _endless(send: Send) -> None:
    send(_head("200 OK", "Content-Type: application/json", "Transfer-Encoding: chunked"))
    chunk = b"1000\r\n" + b"[" * 4096 + b"\r\n"
    while True:
        send(chunk)
        time.sleep(0.001)


def _trickle(send: Send) -> None:
    send(_head("200 OK", "Content-Type: application/json", "Content-Length: 1000"))
    while True:
        send(b" ")
        time.sleep(0.1)


def _bombed(send: Send) -> None:
    body = BOMB
    send(_head("200 OK", "Content-Encoding: gzip", f"Content-Length: {len(body)}"))
    send(body)


def _broken_chunks(send: Send) -> None:
    send(_head("200 OK", "Transfer-Encoding: chunked") + b"zz\r\nnot a chunk size\r\n")


def _cut_short(send: Send) -> None:
    send(_head("200 OK", "Content-Length: 100") + b'{"id": "cust')


def _fine(send: Send) -> None:
    body = zlib.compress(b'{"id": "custobj_1"}')
    send(_head("200 OK", "Content-Encoding: deflate", f"Content-Length: {len(body)}") + body)


BOMB = _bomb()
MODES: dict[str, Callable[[Send], None]] = {
    "/api/v1/endless/": _endless,
    "/api/v1/trickle/": _trickle,
    "/api/v1/bomb/": _bombed,
    "/api/v1/broken/": _broken_chunks,
    "/api/v1/short/": _cut_short,
    "/api/v1/fine/": _fine,
}


def _serve(connection: socket.socket) -> None:
    with connection:
        request = b""
        while b"\r\n\r\n" not in request:
            data = connection.recv(65536)
            if not data:
                return
            request += data
        head, _, body = request.partition(b"\r\n\r\n")
        length = next(
            (
                int(line[15:])
                for line in head.lower().split(b"\r\n")
                if line.startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:  # read it all: unread bytes would make close() a reset
            data = connection.recv(65536)
            if not data:
                return
            body += data
        path = request.split(b" ", 2)[1].decode()
        try:
            MODES[path](connection.sendall)
        except OSError:
            return  # the client stopped reading: what these tests expect


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/v1"
    stop.set()
    listener.close()


@pytest.fixture
def client(root: str) -> Iterator[CloseClient]:
    with CloseClient(
        root,
        KEY,
        max_response_bytes=CAP,
        response_timeout=0.5,
        timeout=2.0,
        retry=RetryPolicy(max_attempts=2, backoff=0.0),
        pacer=None,
    ) as made:
        yield made


def unreadable(client: CloseClient, method: str, path: str) -> UnreadableAnswer:
    with pytest.raises(UnreadableAnswer) as raised:
        if method == "POST":
            client.post(path, json={})
        else:
            client.get(path)
    assert "\n" not in str(raised.value)
    return raised.value


def test_an_endless_chunked_body_stops_at_the_byte_cap(client: CloseClient) -> None:
    error = unreadable(client, "GET", "endless/")
    assert error.kind == "size" and client.bytes_read <= CAP
    assert client.requests_sent == 1


def test_an_endless_body_under_a_large_cap_stops_at_the_deadline(root: str) -> None:
    with CloseClient(root, KEY, response_timeout=0.3, pacer=None) as roomy:
        error = unreadable(roomy, "GET", "endless/")
    assert error.kind == "deadline" and "--response-timeout (now 0.3 s)" in str(error)


def test_a_trickle_stops_at_the_deadline_though_every_read_is_in_time(
    client: CloseClient,
) -> None:
    error = unreadable(client, "GET", "trickle/")
    assert error.kind == "deadline" and client.bytes_read < 1000


def test_a_gzip_bomb_stops_at_the_cap_counted_decompressed(client: CloseClient) -> None:
    error = unreadable(client, "POST", "bomb/")
    assert error.kind == "size" and error.method == "POST"
    assert CAP < client.bytes_read <= CAP + STEP and client.largest_body == client.bytes_read


def test_broken_framing_is_unreadable_and_not_sent_again(client: CloseClient) -> None:
    error = unreadable(client, "GET", "broken/")
    assert error.kind == "framing" and client.requests_sent == 1


def test_a_body_cut_short_is_a_connection_lost_after_sending(client: CloseClient) -> None:
    # A read is repeated, then the target counts as unreachable; a create is ambiguous.
    with pytest.raises(TargetUnreachable, match="without a complete answer") as raised:
        client.get("short/")
    assert not isinstance(raised.value, AmbiguousRequest) and client.requests_sent == 2
    with pytest.raises(AmbiguousRequest) as unanswered:
        client.post("short/", json={})
    assert not isinstance(unanswered.value, UnreadableAnswer)


def test_a_well_formed_compressed_answer_reads_as_before(client: CloseClient) -> None:
    exchange = client.get("fine/")
    assert exchange.json() == {"id": "custobj_1"} and client.bytes_read == 19
