"""A hostile HTTP/1.1 reverse proxy on 127.0.0.1, in front of a Close-compatible server.

It forwards every request to the server behind it (the embedded emulator in the tests) and
then answers with its own bytes, distorted by its one mode: a lie about an id, a list that
lies about its items' lead, a malformed or endless body, a trickle, endless paging or an
absurd ``RateLimit``. It is a raw asyncio server, not a framework, because broken framing
and endless bodies are exactly what a framework would not let it send.

Everything it receives is logged (method and the request target exactly as it arrived,
before any normalisation) so a test can tell which PUT or DELETE reached what. Modes that
could keep a client without bounds busy forever stop on their own after a safety cap and
say so in :attr:`HostileProxy.exhausted`: a test asserts that the client let go first.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import json
import re
import threading
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

__all__ = [
    "ABSURD_RATELIMIT",
    "BOMB_BYTES",
    "MODES",
    "Customer",
    "HostileProxy",
    "Seen",
    "bomb",
]

#: Every mode a proxy can run in; ``passthrough`` changes nothing (the control).
MODES = (
    "passthrough",
    "wrong_lead_id",
    "foreign_instance_id",
    "foreign_org_instance_id",
    "traversal_id",
    "newline_id",
    "huge_id",
    "lying_list",
    "invalid_json",
    "invalid_json_read",
    "non_utf8",
    "deep_json",
    "corrupt_gzip",
    "broken_chunked",
    "gzip_bomb",
    "endless_chunked",
    "trickle",
    "endless_paging",
    "absurd_ratelimit",
    "absurd_429",
)

ABSURD_RATELIMIT = "limit=100, remaining=0, reset=1000000000000"
#: Decompressed size of the gzip bomb: zeros, a few hundred kilobytes on the wire.
BOMB_BYTES = 200 * 1024 * 1024
#: Depth of the deeply nested JSON answer.
DEPTH = 100_000
#: A huge id: past 64 KiB.
HUGE_ID = "custobj_" + "A" * 70_000

_API = "/api/v1/"
_LIST = re.compile(r"/api/v1/custom_object/")
_READ = re.compile(r"/api/v1/custom_object/[^/]+/")
_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "content-encoding",
        "host",
        "accept-encoding",
    }
)
_REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 404: "Not Found"}


@functools.cache
def bomb() -> bytes:
    """:data:`BOMB_BYTES` zeros, gzipped (compressed in steps, never held whole)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip container
    zeros = bytes(1024 * 1024)
    parts = [packer.compress(zeros) for _ in range(BOMB_BYTES // len(zeros))]
    return b"".join(parts) + packer.flush()


@dataclass(frozen=True)
class Customer:
    """Pre-existing data the proxy may hand out in its lies.

    ``lead_id`` is the customer's lead in the key's organization, ``instance_id`` an
    instance on it, ``other_org_instance_id`` an instance of the other organization, and
    ``instances`` the customer's instances as the API shows them (for a lying list).
    """

    lead_id: str
    instance_id: str
    other_org_instance_id: str
    instances: tuple[dict[str, Any], ...] = ()


@dataclass
class Seen:
    """One request the proxy received: its method, its raw target, what it answered (0:
    not yet) and how many body bytes it wrote (for a stream: until the client hung up)."""

    method: str
    target: str
    status: int = 0
    sent: int = 0

    @property
    def path(self) -> str:
        """The target's path (no query), as it arrived."""
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))


@dataclass
class _Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    # Writes the body itself (framing included); returns the body bytes it wrote.
    stream: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[int]] | None = None
    close: bool = False


@dataclass
class _Request:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass
class HostileProxy:
    """A proxy in ``mode`` (one of :data:`MODES`) in front of ``upstream`` (an origin such
    as ``http://127.0.0.1:8765``); a context manager that serves from a thread.

    ``base_url`` is its API root. ``seen`` logs every request, ``walks`` the pages each
    list walk read, ``streams`` the body bytes each endless or trickled answer wrote before
    the client let go, ``exhausted`` every time a safety cap, not the client, ended one.
    """

    mode: str
    upstream: str
    customer: Customer | None = None
    # Safety caps, past which the proxy gives up on a client that never lets go.
    endless_cap: int = 64 * 1024 * 1024
    trickle_interval: float = 2.0
    trickle_cap: float = 6.0
    trickle_total: float = 20.0
    ratelimit_cap: int = 12
    # Distort list answers only after the first DELETE: a server that breaks in the middle
    # of a run, so that every list cleanup's own search reads is broken too.
    late: bool = False
    seen: list[Seen] = field(default_factory=list)
    walks: list[int] = field(default_factory=list)
    streams: list[int] = field(default_factory=list)
    exhausted: list[str] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _ready: threading.Event = field(default_factory=threading.Event, repr=False)
    _stop: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _walk_of: dict[str, int] = field(default_factory=dict, repr=False)
    _trickled: float = 0.0
    _limited: int = 0
    _broken: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r}; one of {', '.join(MODES)}")
        needs_customer = self.mode in {
            "wrong_lead_id",
            "foreign_instance_id",
            "foreign_org_instance_id",
            "traversal_id",
            "lying_list",
        }
        if needs_customer and self.customer is None:
            raise ValueError(f"mode {self.mode} lies with a customer's ids: pass customer=")

    @property
    def base_url(self) -> str:
        """The API root the run talks to, e.g. ``http://127.0.0.1:8766/api/v1``."""
        return f"http://127.0.0.1:{self.port}/api/v1"

    # --- what the log shows ----------------------------------------------------------

    def writes(self) -> list[Seen]:
        """Every PUT and DELETE that came in, in order."""
        return [s for s in self.seen if s.method in {"PUT", "DELETE"}]

    def requests(self, method: str, path: str) -> list[Seen]:
        """The requests of ``method`` on exactly ``path`` (below the API root, e.g. ``lead/``)."""
        return [s for s in self.seen if s.method == method and s.path == _API + path]

    def streamed(self, wait: float = 10.0) -> list[int]:
        """:attr:`streams` once at least one endless or trickled answer has ended.

        The proxy notices a client's hang-up on its own thread, a moment after the run
        already finished: this waits for that (a synchronisation, not a time assertion).
        """
        ended = threading.Event()
        for _ in range(int(wait / 0.05)):
            if self.streams:
                break
            ended.wait(0.05)
        return list(self.streams)

    # --- life cycle --------------------------------------------------------------------

    def __enter__(self) -> HostileProxy:
        self._thread = threading.Thread(target=self._main, name="hostile-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the hostile proxy did not start")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(30)

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()

    async def _serve(self) -> None:
        tasks: set[asyncio.Task[None]] = set()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            try:
                await self._connection(reader, writer, upstream)
            except asyncio.CancelledError:
                pass  # stopping: the connection is closed below, the task ends normally
            finally:
                tasks.discard(task)

        async with httpx.AsyncClient(base_url=self.upstream, timeout=60.0) as upstream:
            # A request target past 64 KiB (a huge id in a URL) must still be read and logged.
            server = await asyncio.start_server(connection, "127.0.0.1", 0, limit=4 << 20)
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            async with server:
                await self._stop.wait()
                server.close()
                for task in list(tasks):
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _connection(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: httpx.AsyncClient,
    ) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                seen = Seen(request.method, request.target)
                self.seen.append(seen)  # logged before it is answered: a write counts as sent
                answer = await self._answer(request, upstream)
                seen.status = answer.status
                seen.sent = await self._write(answer, reader, writer)
                if answer.close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _write(
        self, answer: _Answer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> int:
        head = [f"HTTP/1.1 {answer.status} {answer.reason}"]
        head += [f"{name}: {value}" for name, value in answer.headers]
        if answer.stream is None:
            head.append(f"Content-Length: {len(answer.body)}")
        head.append("Connection: " + ("close" if answer.close else "keep-alive"))
        body = answer.body if answer.stream is None else b""
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        if answer.stream is None:
            return len(answer.body)
        try:
            return await answer.stream(reader, writer)
        except ConnectionError:
            return -1

    # --- the answers ---------------------------------------------------------------------

    async def _answer(self, request: _Request, upstream: httpx.AsyncClient) -> _Answer:
        if request.method == "GET" and _list(request.path):
            self._count_page(request)
        if self.mode == "endless_paging" and request.method == "GET" and _list(request.path):
            # The same page every time: a server that ignores _skip and never stops.
            query = [(k, v) for k, v in _query(request.target) if k != "_skip"]
            request.target = request.path + ("?" + urlencode(query) if query else "")
        try:
            response = await upstream.request(
                request.method,
                request.target,
                headers=[(n, v) for n, v in request.headers if n.lower() not in _HOP]
                + [("Accept-Encoding", "identity")],
                content=request.body or None,
            )
        except httpx.InvalidURL:
            return _Answer(400, "Bad Request", [("Content-Type", "text/plain")], b"bad target")
        headers = [(n, v) for n, v in response.headers.multi_items() if n.lower() not in _HOP]
        answer = _Answer(
            response.status_code,
            response.reason_phrase or _REASONS.get(response.status_code, "Unknown"),
            headers,
            response.content,
        )
        if self.mode in {"absurd_ratelimit", "absurd_429"}:
            if self._limited < self.ratelimit_cap:
                self._limited += 1
                answer.headers = [(n, v) for n, v in headers if n.lower() != "ratelimit"]
                answer.headers.append(("RateLimit", ABSURD_RATELIMIT))
                if self.mode == "absurd_429":
                    answer.status, answer.reason = 429, "Too Many Requests"
                    answer.body = b'{"error": "Rate limit exceeded, please try again later."}'
                    return answer
            elif not self.exhausted:
                self.exhausted.append(f"RateLimit: {ABSURD_RATELIMIT} on {self._limited} answers")
        if 200 <= response.status_code < 300:
            self._distort(request, answer)
        return answer

    def _count_page(self, request: _Request) -> None:
        query = dict(_query(request.target))
        key = json.dumps(sorted((k, v) for k, v in query.items() if k not in {"_skip", "_limit"}))
        skip = query.get("_skip", "")
        # A next page has a positive _skip; a malformed one (the query probes send
        # "abc", "-1", 30 digits) is a read of its own, not a page of a walk.
        if skip.isdigit() and 0 < int(skip) < 10**9 and key in self._walk_of:
            self.walks[self._walk_of[key]] += 1
        else:
            self._walk_of[key] = len(self.walks)
            self.walks.append(1)

    def _distort(self, request: _Request, answer: _Answer) -> None:
        mode, method, path = self.mode, request.method, request.path
        customer = self.customer
        if method == "POST" and path == _API + "lead/":
            if mode == "wrong_lead_id" and customer is not None:
                answer.body = _with_id(answer.body, customer.lead_id)
            return
        if method == "POST" and path == _API + "custom_object/":
            new_id = self._lying_id(answer.body)
            if new_id is not None:
                answer.body = _with_id(answer.body, new_id)
            return
        if method == "DELETE":
            self._broken = True
        if method != "GET":
            return
        if _list(path) and (self._broken or not self.late):
            self._distort_list(request, answer)
        elif _READ.fullmatch(path) and mode == "invalid_json_read":
            answer.body = b'{"id": "custobj_'

    def _lying_id(self, body: bytes) -> str | None:
        customer = self.customer
        if customer is None:
            return HUGE_ID if self.mode == "huge_id" else self._newline_id(body)
        return {
            "foreign_instance_id": customer.instance_id,
            "foreign_org_instance_id": customer.other_org_instance_id,
            "traversal_id": f"../lead/{customer.lead_id}",
            "huge_id": HUGE_ID,
        }.get(self.mode, self._newline_id(body))

    def _newline_id(self, body: bytes) -> str | None:
        if self.mode != "newline_id":
            return None
        real = json.loads(body).get("id", "custobj_x")
        return f"{real}\n"

    def _distort_list(self, request: _Request, answer: _Answer) -> None:
        mode = self.mode
        if mode == "lying_list":
            answer.body = self._lie(request, answer.body)
        elif mode == "endless_paging":
            body = json.loads(answer.body)
            body["has_more"] = True
            answer.body = json.dumps(body).encode()
        elif mode == "invalid_json":
            answer.body = answer.body[: len(answer.body) // 2] or b'{"data": ['
        elif mode == "non_utf8":
            answer.body = b'{"data": [], "has_more": false, "note": "\xff\xfe\xc3\x28"}'
        elif mode == "deep_json":
            answer.body = b'{"data": [' + b"[" * DEPTH + b"]" * DEPTH + b'], "has_more": false}'
        elif mode == "corrupt_gzip":
            packed = gzip.compress(answer.body)
            answer.body = packed[:12] + b"\x00this is not deflate data\xff" * 8
            answer.headers.append(("Content-Encoding", "gzip"))
        elif mode == "gzip_bomb":
            answer.body = bomb()
            answer.headers.append(("Content-Encoding", "gzip"))
        elif mode == "broken_chunked":
            answer.stream, answer.close = _broken_chunks, True
            answer.headers.append(("Transfer-Encoding", "chunked"))
        elif mode == "endless_chunked":
            answer.stream, answer.close = self._endless, True
            answer.headers.append(("Transfer-Encoding", "chunked"))
        elif mode == "trickle":
            body = answer.body
            answer.headers.append(("Content-Length", str(len(body))))
            answer.stream = functools.partial(self._trickle, body)
            answer.close = True

    def _lie(self, request: _Request, raw: bytes) -> bytes:
        """The run's lead for every item, plus the customer's instances on it."""
        assert self.customer is not None
        query = dict(_query(request.target))
        lead = query.get("lead_id")
        if lead is None:
            return raw
        body = json.loads(raw)
        items = list(body.get("data") or [])
        known = {item.get("id") for item in items}
        wanted = query.get("custom_object_type_id")
        for item in self.customer.instances:
            if item["id"] not in known and wanted in (None, item["custom_object_type_id"]):
                items.append(dict(item))
        for item in items:
            item["lead_id"] = lead
        body["data"] = items
        return json.dumps(body).encode()

    async def _endless(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
        sent = 0
        chunk = b'{"data": [' + b"0," * 32_768
        while sent < self.endless_cap:
            try:
                if reader.at_eof() or writer.is_closing():
                    raise ConnectionResetError
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
            except ConnectionError:
                self.streams.append(sent)  # the client hung up: what it let in so far
                return sent
            sent += len(chunk)
            chunk = b"0," * 32_768
        self.streams.append(sent)
        self.exhausted.append(f"endless body: the client read {sent} bytes and kept reading")
        return sent

    async def _trickle(
        self, body: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> int:
        sent = 0
        spent = 0.0
        for byte in body:
            if reader.at_eof() or writer.is_closing():
                self.streams.append(sent)  # the client hung up
                return sent
            if spent >= self.trickle_cap or self._trickled >= self.trickle_total:
                self.exhausted.append(f"trickle: the client waited {spent:g} s for one answer")
                writer.write(body[sent:])
                await writer.drain()
                self.streams.append(sent)
                return len(body)
            try:
                writer.write(bytes([byte]))
                await writer.drain()
            except ConnectionError:
                self.streams.append(sent)
                return sent
            sent += 1
            await asyncio.sleep(self.trickle_interval)
            spent += self.trickle_interval
            self._trickled += self.trickle_interval
        self.streams.append(sent)
        return sent


async def _broken_chunks(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
    """A chunk, then a chunk-size line that is not hexadecimal, then the end."""
    data = b'5\r\n{"dat\r\nzz; not a size\r\na": []}\r\n0\r\n\r\n'
    writer.write(data)
    await writer.drain()
    return len(data)


def _list(path: str) -> bool:
    return _LIST.fullmatch(path) is not None


def _query(target: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(target).query, keep_blank_values=True)


def _with_id(body: bytes, new_id: str) -> bytes:
    data = json.loads(body)
    data["id"] = new_id
    return json.dumps(data).encode()


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    """The next request on a kept-alive connection, or None when the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
    body = await reader.readexactly(length) if length else b""
    return _Request(method, target, headers, body)
