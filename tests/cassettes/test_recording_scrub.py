"""A recording holds no form of a key (reason phrases and header names included), and
keeps each body decoded, whole up to a bound, cut and marked past it; replays of normal
recordings still answer exactly."""

from __future__ import annotations

import base64
import gzip
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from contract.cassettes import CASSETTE_FILE, recording, replay_transport
from contract.cassettes._bodies import RECORDED_BODY_BYTES

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


class _Handler(BaseHTTPRequestHandler):
    bodies = _bodies()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body, coding = self.bodies[self.path]
        self.send_response(200, f"OK {KEY}")  # the reason phrase quotes the key
        self.send_header("Content-Type", "application/json")
        self.send_header(f"X-Echo-{KEY}", f"Basic {FORMS[2]}")  # so does a header name
        if coding:
            self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

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
    with recording(directory, [KEY]), httpx.Client(base_url=server) as client:
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


def test_a_body_whose_coding_cannot_be_undone_is_replaced_by_a_note(recorded: Path) -> None:
    with httpx.Client(transport=replay_transport(recorded), base_url="http://x") as client:
        corrupt, brotli = client.get("/corrupt"), client.get("/brotli")
    assert corrupt.text.startswith("[not recorded: a body of ") and "gzip" in corrupt.text
    assert "content-encoding 'br'" in brotli.text
