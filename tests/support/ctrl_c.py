"""A proxy in front of an emulator that presses Ctrl-C at a chosen request: the worst moment,
when the server has done the work and the run does not know yet."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

__all__ = ["CtrlCProxy", "Trigger", "ctrl_c", "first", "nth_request"]

#: Whether to press Ctrl-C after this request: (method, path without the query, its number
#: among the requests the proxy forwarded, from 1).
Trigger = Callable[[str, str, int], bool]


def ctrl_c() -> None:
    """What pressing Ctrl-C does to this process."""
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)


def first(method: str, path: str) -> Trigger:
    """Ctrl-C once the server answered the first ``method path`` (e.g. the lead's create)."""
    return lambda m, p, _: (m, p) == (method, path)


def nth_request(n: int) -> Trigger:
    """Ctrl-C once the server answered the ``n``-th request, whatever it was."""
    return lambda _m, _p, count: count == n


class CtrlCProxy:
    """Forwards to an emulator (its API root ``upstream``); presses Ctrl-C once, right after
    the server answered the request ``trigger`` picks and before the client reads it.

    ``base_url`` is the proxy's API root; ``triggered`` says whether Ctrl-C was pressed.
    """

    def __init__(self, upstream: str, trigger: Trigger) -> None:
        self.triggered = False
        self.forwarded = 0
        lock = threading.Lock()
        proxy = self
        client = httpx.Client(base_url=upstream.removesuffix("/api/v1"))

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                skip = {"host", "content-length", "connection", "accept-encoding"}
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                answer = client.request(self.command, self.path, content=body, headers=headers)
                with lock:
                    proxy.forwarded += 1
                    press = not proxy.triggered and trigger(
                        self.command, self.path.split("?")[0], proxy.forwarded
                    )
                    proxy.triggered = proxy.triggered or press
                if press:
                    ctrl_c()
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in {"content-length", "connection", "transfer-encoding"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._client = client
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/api/v1"

    def __enter__(self) -> CtrlCProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
        self._client.close()
