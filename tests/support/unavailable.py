"""A server that is down for maintenance: every request is answered 503 with a Retry-After
far past any wait a run accepts, so a run calls the target unreachable at once (exit 3)
instead of retrying a refused connection for seconds."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["RETRY_AFTER", "unavailable"]

#: Seconds every answer asks the client to wait: an hour, past any ``max_wait``.
RETRY_AFTER = 3600


class _Down(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = json.dumps({"error": "Service unavailable: down for maintenance."}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", str(RETRY_AFTER))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def unavailable() -> Iterator[str]:
    """Serve on 127.0.0.1 and a free port; yield the API root (``http://…/api/v1``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Down)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
