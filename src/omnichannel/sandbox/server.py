"""Serve a simulator's WSGI app on a local port, in a background thread.

Tests and the demo talk to simulators over real HTTP through this server; fast tests skip it
and use ``httpx.Client(transport=httpx.WSGITransport(app=app))`` instead. The server is
threaded because a client may hold a slow ("hanging") request open while others proceed.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer


class _QuietHandler(WSGIRequestHandler):
    """Request handler that keeps test output clean (no access log on stderr)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return None


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per connection; daemon threads so a hung request never blocks exit."""

    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self) -> None:
        """Bind without ``socket.getfqdn``, which can stall on reverse DNS lookups."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()


class SandboxServer:
    """A WSGI app on ``127.0.0.1`` (free port unless given), usable as a context manager.

    >>> with SandboxServer(app) as server:
    ...     httpx.get(f"{server.url}/health")
    """

    def __init__(self, app: Callable[..., Any], host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: _ThreadingWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL (scheme, host and port, no trailing slash) of the running server."""
        if self._server is None:
            raise RuntimeError("SandboxServer is not running")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> SandboxServer:
        """Bind the port and serve in a daemon thread; returns ``self`` for chaining."""
        if self._server is not None:
            return self
        server = _ThreadingWSGIServer((self.host, self.port), _QuietHandler)
        server.set_app(self.app)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-server-{server.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting requests and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
