"""`EmulatorServer`: the emulator on a real loopback port, served from a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import uvicorn

from contract.emulator._app import build_app
from contract.emulator._faults import FaultSet
from contract.emulator._network import NetworkConditions
from contract.emulator._seed import DEFAULT_API_KEY, OTHER_API_KEY
from contract.emulator._state import EmulatorState

__all__ = ["EmulatorServer"]

_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 15.0


class _ThreadServer(uvicorn.Server):
    """uvicorn without signal handling, with a prompt wake-up when asked to exit."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        self._wake = asyncio.Event()
        await super().startup(sockets=sockets)
        self._loop = asyncio.get_running_loop()
        self.ready.set()

    async def main_loop(self) -> None:
        # uvicorn polls `should_exit` every 0.1 s; waiting on an event instead lets
        # `request_exit` stop the server without that delay.
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            assert self._wake is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's shutdown asks the open connections to close and then waits 0.1 s for
        # them, whether any is open or not. With none open (every client has closed its
        # own, as a run's and a test's do) there is nothing to wait for, and a suite that
        # starts hundreds of emulators would otherwise wait that long for each.
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets=sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()

    def request_exit(self) -> None:
        """Ask the server to shut down; callable from any thread."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop may already be closed
                loop.call_soon_threadsafe(wake.set)


class EmulatorServer:
    """A Close stand-in listening on a free loopback port, usable as a context manager.

    ```python
    with EmulatorServer(faults=("lost_writes",)) as srv:
        httpx.get(srv.base_url + "/me/", auth=(srv.api_key, ""))
    ```

    Attributes: `base_url` (the API root, no trailing slash), `api_key` (demo
    organization), `other_api_key` (second organization), `db_path`, `faults` (sorted
    names), `network` (the `chaos`, `chaos_seed`, `chaos_retry_after` and `latency`
    options), `refuse_blank_text`, `host` and `port` (the bound port once started), and
    `other_lead_id` once started with `other_lead=True` (a lead the second organization
    holds, with one contact and one instance: ids the first organization must not reach).

    Network conditions: `chaos=P` (0..1) disturbs a share P of requests, drawn from
    `chaos_seed` in arrival order; half of them are answered 503 with `Retry-After:
    chaos_retry_after` before any work, half are done and committed and then the
    connection is closed mid-answer (httpx raises `RemoteProtocolError`). `latency=S`
    delays every answer by S seconds. `rate_limit=N` enforces N requests per `rate_window`
    seconds per key (429 past it, as Close answers); without it the `RateLimit` header
    reports a generous budget that is never enforced.

    Behaviour Close leaves open (variants, not faults: either keeps the contract):
    `refuse_blank_text=True` answers 400 with Close's validation body to a `name`, or a
    value of a required text field, that is empty, only whitespace or has leading or
    trailing whitespace (by default only a blank `name` is refused, and text values are
    kept as sent).

    The server runs uvicorn in a background thread (it installs no signal handlers,
    so it works from any thread) and `start()` returns once it accepts connections.
    `stop()` shuts it down, joins the thread and closes the database.
    """

    def __init__(
        self,
        faults: Iterable[str] = (),
        throttle: int | None = None,
        throttle_reset: float = 1.0,
        db_path: Path | str | None = None,
        api_key: str | None = None,
        port: int = 0,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        chaos: float = 0.0,
        chaos_seed: int = 0,
        chaos_retry_after: int = 1,
        latency: float = 0.0,
        rate_limit: int | None = None,
        rate_window: float = 1.0,
        refuse_blank_text: bool = False,
        other_lead: bool = False,
    ) -> None:
        # Validate eagerly so a bad option fails at construction, not in the thread.
        self.faults: tuple[str, ...] = tuple(sorted(FaultSet.of(faults).names))
        if throttle is not None and throttle < 1:
            raise ValueError(f"throttle must be a positive integer, got {throttle}")
        if throttle_reset < 0:
            raise ValueError(f"throttle_reset must not be negative, got {throttle_reset}")
        self.network = NetworkConditions(
            chaos=chaos, chaos_seed=chaos_seed, chaos_retry_after=chaos_retry_after, latency=latency
        )
        if rate_limit is not None and rate_limit < 1:
            raise ValueError(f"rate limit must be a positive integer, got {rate_limit}")
        if not rate_window > 0:
            raise ValueError(f"rate window must be positive seconds, got {rate_window}")
        self.throttle = throttle
        self.throttle_reset = throttle_reset
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.refuse_blank_text = refuse_blank_text
        self.other_lead = other_lead
        self.db_path = None if db_path is None else Path(db_path)
        self.api_key = api_key or DEFAULT_API_KEY
        self.other_api_key = OTHER_API_KEY
        self.host = host
        self.port = port
        self.seed = seed
        self._state: EmulatorState | None = None
        self._server: _ThreadServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        """The API root, e.g. `http://127.0.0.1:8765/api/v1` (no trailing slash)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/api/v1"

    @property
    def other_lead_id(self) -> str | None:
        """The second organization's lead (started with `other_lead=True`), else None."""
        return None if self._state is None else self._state.other_lead_id

    @property
    def running(self) -> bool:
        """True between a successful `start()` and `stop()`, while the thread serves."""
        return self._thread is not None and self._thread.is_alive()

    def count_rows(self, table: str) -> int:
        """Rows in one table of the database, across all organizations (for tests)."""
        if self._state is None:
            raise RuntimeError("the emulator is not running")
        return self._state.store.count_rows(table)

    def start(self) -> EmulatorServer:
        """Open the database, bind the port and serve; return once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        state = EmulatorState.open(
            faults=self.faults,
            throttle=self.throttle,
            throttle_reset=self.throttle_reset,
            db_path=self.db_path,
            api_key=self.api_key,
            seed=self.seed,
            network=self.network,
            rate_limit=self.rate_limit,
            rate_window=self.rate_window,
            refuse_blank_text=self.refuse_blank_text,
            other_lead=self.other_lead,
        )
        try:
            sock = self._bind()
        except BaseException:
            state.close()
            raise
        config = uvicorn.Config(
            build_app(state),
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
        server = _ThreadServer(config)
        self._state, self._server, self._socket, self._error = state, server, sock, None
        self._thread = threading.Thread(
            target=self._serve, args=(server, sock), name=f"close-emulator:{self.port}", daemon=True
        )
        self._thread.start()
        while not server.ready.wait(0.01):
            if not self._thread.is_alive() or server.should_exit:
                break
        if not server.ready.is_set():
            error = self._error
            self.stop()
            raise RuntimeError(f"the emulator did not start: {error!r}") from error
        return self

    def stop(self) -> None:
        """Shut the server down, join its thread and close the database (idempotent)."""
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.request_exit()
            thread.join(_STOP_TIMEOUT)
            if thread.is_alive():
                server.force_exit = True
                thread.join(_STOP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        if self._state is not None:
            self._state.close()
        self._server = self._thread = self._socket = self._state = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # An explicit IPPROTO_TCP matters: asyncio enables TCP_NODELAY on accepted
        # connections only for sockets that say so, and without it every response
        # waits ~40 ms on Nagle's algorithm meeting the client's delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            # Lets a restarted emulator take back its port while old connections linger.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)
        except BaseException:
            sock.close()
            raise
        self.port = int(sock.getsockname()[1])
        return sock

    def _serve(self, server: _ThreadServer, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the starting thread by start()
            self._error = exc
