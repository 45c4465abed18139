"""Shared by the benchmarks: an emulator that counts requests, and a prepared lead.

:class:`CountingEmulator` serves the emulator on a loopback port and counts every HTTP
request it receives. The benchmarks compare two clients (close-contract and schemathesis)
that count their requests in different ways; counting at the server gives both one
definition: a request is whatever reached the emulator, probes, retries and a check's own
follow-up requests included. It is built from the emulator's public ``create_app`` and
served by uvicorn from a background thread, like ``EmulatorServer``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from contract.emulator import DEFAULT_API_KEY, OTHER_API_KEY, create_app

__all__ = ["CountingEmulator", "prepare"]

_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 15.0
_FILLERS: dict[str, Any] = {"text": "x", "number": 1, "date": "2024-01-02"}


class _Counter:
    """ASGI middleware: count HTTP requests (the event loop's thread is the only writer)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


class CountingEmulator:
    """An emulator with ``faults`` on 127.0.0.1 and a free port; a context manager.

    ``base_url`` is the API root, ``api_key`` and ``other_api_key`` the keys of the demo
    and the second organization, ``requests`` the number of requests received so far.
    """

    def __init__(self, faults: Iterable[str] = (), *, seed: int = 0) -> None:
        self.faults = tuple(faults)
        self.seed = seed
        self.api_key = DEFAULT_API_KEY
        self.other_api_key = OTHER_API_KEY
        self.port = 0
        self._counter: _Counter | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def base_url(self) -> str:
        """The API root, e.g. ``http://127.0.0.1:8765/api/v1``."""
        return f"http://127.0.0.1:{self.port}/api/v1"

    @property
    def requests(self) -> int:
        """Requests received since the start."""
        return 0 if self._counter is None else self._counter.requests

    def __enter__(self) -> CountingEmulator:
        self._counter = _Counter(create_app(faults=self.faults, seed=self.seed))
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only for
        # such sockets, and without it every response waits on Nagle's algorithm.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self._socket, self.port = sock, int(sock.getsockname()[1])
        config = uvicorn.Config(
            self._counter,
            lifespan="on",
            log_config=None,
            # Schemathesis sends malformed requests on purpose; uvicorn's warnings about them
            # are not the benchmark's output.
            log_level="error",
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError("the counting emulator did not start")
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(_STOP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None


def _filler(field: Any) -> Any:
    if field.get("type") == "choices":
        return field["choices"][0]
    return _FILLERS[field["type"]]


def prepare(server: CountingEmulator) -> tuple[Any, str, dict[str, list[str]]]:
    """What a schemathesis run needs: a type contract, a lead id and reference ids.

    The type is the emulator's richest (the most referenced types, then the most fields);
    the lead has a contact and holds one instance of each type the richest one refers to,
    which is the reference target. References: the key's user, the contact, that instance.
    """
    from contract.client import CloseClient
    from contract.discovery import discover

    with CloseClient(server.base_url, server.api_key) as client:
        org = discover(client)
    richest = max(org.types, key=lambda t: (len(t.referenced_types), len(t.fields)))
    with httpx.Client(
        base_url=server.base_url + "/", auth=(server.api_key, ""), timeout=30.0
    ) as http:
        lead = http.post("lead/", json={"name": "bench", "contacts": [{"name": "c"}]}).json()
        references = {"user": [org.user_id], "contact": [lead["contacts"][0]["id"]]}
        for other in org.types:
            if other.type_id not in richest.referenced_types:
                continue
            body = {"custom_object_type_id": other.type_id, "lead_id": lead["id"], "name": "r"}
            body |= {f"custom.{f['id']}": _filler(f) for f in other.fields if f.get("required")}
            created = http.post("custom_object/", json=body)
            created.raise_for_status()
            references[f"custom_object:{other.type_id}"] = [created.json()["id"]]
    return richest, lead["id"], references
