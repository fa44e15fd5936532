"""Serve a simulator's WSGI app on a local port, in a background thread.

Tests and the demo talk to simulators over real HTTP through this server; fast tests skip it
and use ``httpx.Client(transport=httpx.WSGITransport(app=app))`` instead. The server is
threaded because a client may hold a slow ("hanging") request open while others proceed.
"""

from __future__ import annotations

import contextlib
import io
import socket
import socketserver
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer


class _KeepAliveServerHandler(ServerHandler):
    """Answers in HTTP/1.1; a response whose length is unknown closes the connection."""

    http_version = "1.1"
    request_handler: _QuietHandler

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        if "Content-Length" not in self.headers or self.request_handler.close_connection:
            self.headers["Connection"] = "close"
            self.request_handler.close_connection = True


class _QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive, as a marketplace's API is served (wsgiref's own handler
    closes the connection after every request, so each call paid a new connection), and
    no access log on stderr."""

    protocol_version = "HTTP/1.1"
    # wsgiref writes a response in pieces; with Nagle's algorithm a kept-alive connection
    # then waits ~40 ms on the client's delayed ACK before each answer's last piece.
    disable_nagle_algorithm = True

    server: _ThreadingWSGIServer

    def setup(self) -> None:
        super().setup()
        self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        self.server.open_connections.discard(self.connection)
        super().finish()

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():  # an error was sent
            return
        # The body read here whole, so a reply that ignores it cannot leave it in the way
        # of the next request on this connection.
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        handler = _KeepAliveServerHandler(
            io.BytesIO(body), self.wfile, self.get_stderr(), self.get_environ()
        )
        handler.request_handler = self
        handler.run(self.server.get_app())

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return None


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per connection; daemon threads so a hung request never blocks exit."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.open_connections: set[socket.socket] = set()
        super().__init__(*args, **kwargs)

    def close_open_connections(self) -> None:
        """Cut the kept-alive connections too: a stopped marketplace answers nothing."""
        for sock in list(self.open_connections):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

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

    @property
    def open_connections(self) -> int:
        """Client connections open now (kept alive between requests)."""
        return len(self._server.open_connections) if self._server is not None else 0

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
        self._server.close_open_connections()
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
