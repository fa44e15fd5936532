"""Framework-free WSGI plumbing shared by every simulator: requests, responses, routing.

We deliberately avoid a web framework (and Django above all): a simulator must start in a
test in milliseconds, run in-process through ``httpx.WSGITransport`` and on a real port
through :class:`omnichannel.sandbox.server.SandboxServer`, and stay readable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

JSON_CONTENT_TYPE = "application/json"


class BadRequest(Exception):
    """The request body or parameters cannot be parsed at all."""


@dataclass
class Request:
    """What a handler needs from a WSGI environ, already decoded."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)
    base_url: str = ""

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter, or ``default`` when absent."""
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """Every value of a repeated query parameter (``a=1&a=2`` → ``["1", "2"]``)."""
        return list(self.query.get(name, []))

    def json(self) -> Any:
        """The body parsed as JSON; an empty body reads as ``{}``."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise BadRequest(f"body is not valid JSON: {exc}") from exc

    def form(self) -> dict[str, str]:
        """A urlencoded form body as a flat dict (first value wins)."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}


@dataclass
class Response:
    """A complete HTTP response; simulators never stream."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(
    data: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Response:
    """Serialise ``data`` compactly, as marketplaces do, with a JSON content type."""
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(status, body, [("Content-Type", JSON_CONTENT_TYPE), *(headers or [])])


def html_response(text: str, status: int = 200) -> Response:
    """A small HTML page (the seller-facing authorization screen)."""
    return Response(status, text.encode(), [("Content-Type", "text/html; charset=utf-8")])


def redirect(location: str) -> Response:
    """A 302 redirect, as OAuth-like authorization flows use."""
    return Response(302, b"", [("Location", location)])


Handler = Callable[[Request], Response]


class Router:
    """Maps ``(method, path pattern)`` to handlers; patterns may hold ``{name}`` segments."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on ``pattern`` (e.g. ``/orders/{sn}/pay``)."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self._routes.append((method.upper(), re.compile(f"^{regex}$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        """The handler and path parameters for a request, or ``None`` when nothing matches."""
        for route_method, regex, handler in self._routes:
            found = regex.match(path)
            if found and route_method == method.upper():
                return handler, found.groupdict()
        return None


def request_from_environ(environ: dict[str, Any]) -> Request:
    """Decode a WSGI environ into a :class:`Request`."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    path = environ.get("PATH_INFO", "/")
    # PEP 3333 hands PATH_INFO over as latin-1 decoded bytes; undo that for UTF-8 paths.
    path = path.encode("latin-1").decode("utf-8", "replace")
    return Request(
        method=environ["REQUEST_METHOD"].upper(),
        path=path,
        query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
        headers=headers,
        body=body,
        base_url=f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
    )


class WsgiApp:
    """Adapts a ``Request -> Response`` callable to the WSGI protocol."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        response = self.handler(request_from_environ(environ))
        reason = HTTPStatus(response.status).phrase
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {reason}", headers)
        return [response.body]
