"""A recording holds no form of a key (reason phrases and header names included), and
keeps each body decoded, whole up to a bound, cut and marked past it; replays of normal
recordings still answer exactly. Recording reads nothing the client did not read: a body
the client stopped at its bound is stored as far as it read, marked cut, and its replay
ends it the same way."""

from __future__ import annotations

import base64
import gzip
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml

from contract.cassettes import CASSETTE_FILE, CUT_HEADER, recording, replay_transport
from contract.cassettes._bodies import RECORDED_BODY_BYTES
from contract.client import CloseClient, RetryPolicy
from contract.errors import UnreadableAnswer

KEY = "api_canary_recording_key_0123456789"
FORMS = (KEY, quote(KEY, safe=""), base64.b64encode(f"{KEY}:".encode()).decode())
BIG = RECORDED_BODY_BYTES + 5000


def _bodies() -> dict[str, tuple[bytes, str | None]]:
    """What each path answers: its body and its Content-Encoding."""
    return {
        "/leaky": (f'{{"note": "key {KEY}"}}'.encode(), None),
        "/gzip": (gzip.compress(f'{{"n": 1, "k": "{KEY}"}}'.encode()), "gzip"),
        "/deflate": (zlib.compress(b'{"n": 2}'), "deflate"),
        "/big": (b"x" * BIG, None),
        # 64 MiB of zeros in about 64 KiB: decoded whole, it would be the whole body.
        "/bomb": (gzip.compress(b"0" * (64 * 1024 * 1024), compresslevel=9), "gzip"),
        "/corrupt": (b"\x1f\x8b\x08\x00garbage that is no gzip at all", "gzip"),
        "/brotli": (b"\x8b\x03\x80not brotli, but said to be", "br"),
    }


# An endless answer stops on its own past this many bytes (a client that never lets go).
ENDLESS_CAP = 64 * 1024 * 1024
CHUNK = b"x" * (64 * 1024)


class _Handler(BaseHTTPRequestHandler):
    bodies = _bodies()
    # Bytes each endless answer wrote before the client hung up (or the cap ended it).
    endless: list[int] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path.startswith("/endless"):
            self._endless()
            return
        body, coding = self.bodies[self.path]
        self.send_response(200, f"OK {KEY}")  # the reason phrase quotes the key
        self.send_header("Content-Type", "application/json")
        self.send_header(f"X-Echo-{KEY}", f"Basic {FORMS[2]}")  # so does a header name
        if coding:
            self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        try:
            while sent < ENDLESS_CAP:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                sent += len(CHUNK)
        except OSError:
            pass  # the client hung up: what it read is all it will read
        self.endless.append(sent)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def recorded(server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording of every path, made through the public recording() hook."""
    directory = tmp_path_factory.mktemp("rec")
    with (
        recording(directory, [KEY]) as recorder,
        httpx.Client(base_url=server, transport=recorder.transport()) as client,
    ):
        for path in _bodies():
            try:
                client.get(path, headers={"X-Sent": f"token {KEY}"})
            except httpx.DecodingError:
                pass  # the client refuses what it cannot decode; the recording goes on
    return directory


def test_no_form_of_the_key_is_in_the_cassette(recorded: Path) -> None:
    text = (recorded / CASSETTE_FILE).read_text("utf-8")
    for form in FORMS:
        assert form not in text
    assert "OK [REDACTED]" in text  # the reason phrase
    assert "x-echo-[redacted]" in text.lower()  # a header name
    assert "token [REDACTED]" in text  # a request header the run sent


def test_bodies_are_decoded_whole_within_the_bound(recorded: Path) -> None:
    with httpx.Client(transport=replay_transport(recorded), base_url="http://x") as client:
        # Given the replay of a recording made of ordinary answers
        gzipped, deflated = client.get("/gzip"), client.get("/deflate")
    # Then each answers what the target sent, decoded, without a coding to undo
    assert gzipped.json() == {"n": 1, "k": "[REDACTED]"}
    assert deflated.json() == {"n": 2}
    assert "content-encoding" not in gzipped.headers
    assert gzipped.headers["content-length"] == str(len(gzipped.content))


def test_a_body_past_the_bound_is_cut_and_marked(recorded: Path) -> None:
    with httpx.Client(transport=replay_transport(recorded), base_url="http://x") as client:
        big, bomb = client.get("/big"), client.get("/bomb")
    assert big.content.startswith(b"x" * RECORDED_BODY_BYTES)
    assert big.content.endswith(f"...[cut: {BIG:,} bytes in all]".encode())
    assert bomb.content.endswith(f"...[cut: {64 * 1024 * 1024:,} bytes in all]".encode())
    assert len(bomb.content) < RECORDED_BODY_BYTES + 100
    assert (recorded / CASSETTE_FILE).stat().st_size < 4 * RECORDED_BODY_BYTES


def _interactions(directory: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load((directory / CASSETTE_FILE).read_text("utf-8"))
    interactions: list[dict[str, Any]] = data["interactions"]
    return interactions


def test_a_body_whose_coding_cannot_be_undone_is_replaced_by_a_note(recorded: Path) -> None:
    # Given the bodies the recording could not decode: a corrupt gzip body, and one in a
    # coding nobody asked for
    stored = {i["request"]["uri"].rsplit("/", 1)[1]: i["response"] for i in _interactions(recorded)}
    corrupt, brotli = stored["corrupt"], stored["brotli"]
    # Then the cassette holds a note in their place, never the undecoded bytes
    assert corrupt["body"]["string"].startswith("[not recorded: a body of ")
    assert "gzip" in corrupt["body"]["string"]
    assert "content-encoding 'br'" in brotli["body"]["string"]
    # ...and a gzip body, which a client inflates and finds unreadable, is marked cut (the
    # client stopped reading it, or read it to an end that did not decode): its replay
    # breaks off as the answer did, and the note is never served as the body
    assert corrupt["headers"][CUT_HEADER][0] in ("unread", "undecodable")
    with httpx.Client(transport=replay_transport(recorded), base_url="http://x") as client:
        with pytest.raises(httpx.RemoteProtocolError, match="was cut"):
            client.get("/corrupt")
        assert "content-encoding 'br'" in client.get("/brotli").text


def _client(base_url: str, transport: httpx.BaseTransport, cap: int) -> CloseClient:
    return CloseClient(
        base_url,
        KEY,
        transport=transport,
        pacer=None,
        retry=RetryPolicy(max_attempts=1),
        max_response_bytes=cap,
    )


def test_recording_reads_no_further_than_the_client_and_marks_the_answer_cut(
    server: str, tmp_path: Path
) -> None:
    # Given a server whose answer never ends, and a client with a bound of 256 KiB that
    # records through the recording's transport
    cap = 256 * 1024
    seen = len(_Handler.endless)
    with recording(tmp_path, [KEY]) as recorder:
        with _client(server, recorder.transport(), cap) as client:
            # When the client reads the answer
            with pytest.raises(UnreadableAnswer) as read:
                client.get("endless")
    assert read.value.kind == "size"

    # Then the recording read no further than the client: the server's answer ended
    # because the client hung up, not at the server's own cap
    wrote = _waited(seen)
    assert wrote < ENDLESS_CAP
    # ...the cassette holds what the client read, within the bound, marked as cut
    (answer,) = (i["response"] for i in _interactions(tmp_path))
    assert answer["headers"][CUT_HEADER] == ["unread"]
    body = answer["body"]["string"].encode()
    assert body.startswith(b"x" * 1024) and b"...[cut: more than " in body
    assert len(body) <= cap + 2 * len(CHUNK)

    # ...and its replay ends that answer as the run saw it end: unreadable, not whole
    with _client(server, replay_transport(tmp_path), cap) as replayed:
        with pytest.raises(UnreadableAnswer):
            replayed.get("endless")


def _waited(seen: int) -> int:
    """The bytes the next endless answer wrote, once its handler noticed the hang-up (the
    server's thread notices a moment after the client let go: a synchronisation)."""
    ended = threading.Event()
    for _ in range(400):
        if len(_Handler.endless) > seen:
            break
        ended.wait(0.05)
    assert len(_Handler.endless) > seen, "the endless answer never ended"
    return _Handler.endless[seen]
