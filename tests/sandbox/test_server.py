"""The shared sandbox framework: a threaded local server, routing, and a movable clock."""

from __future__ import annotations

import threading

import httpx
import pytest

from omnichannel.sandbox.clock import Clock
from omnichannel.sandbox.http import Request, Response, Router, WsgiApp, json_response
from omnichannel.sandbox.server import SandboxServer


def echo_app(release: threading.Event) -> WsgiApp:
    router = Router()
    router.add("GET", "/echo/{word}", lambda r: json_response({"word": r.path_params["word"]}))

    def slow(request: Request) -> Response:
        release.wait(10)
        return json_response({"slow": True})

    router.add("GET", "/slow", slow)

    def handle(request: Request) -> Response:
        found = router.match(request.method, request.path)
        if found is None:
            return json_response({"error": "not_found"}, status=404)
        handler, params = found
        request.path_params = params
        return handler(request)

    return WsgiApp(handle)


def test_server_serves_over_real_http_on_a_free_port_and_routes_path_parameters():
    with SandboxServer(echo_app(threading.Event())) as server:
        assert server.url.startswith("http://127.0.0.1:")
        answer = httpx.get(f"{server.url}/echo/hello")
        missing = httpx.get(f"{server.url}/nowhere")
    assert answer.json() == {"word": "hello"}
    assert missing.status_code == 404


def test_a_slow_request_does_not_block_others_because_the_server_is_threaded():
    release = threading.Event()
    with SandboxServer(echo_app(release)) as server:
        slow_answers: list[int] = []
        slow = threading.Thread(
            target=lambda: slow_answers.append(httpx.get(f"{server.url}/slow").status_code)
        )
        slow.start()
        fast = httpx.get(f"{server.url}/echo/fast", timeout=5)
        release.set()
        slow.join(5)
    assert fast.json() == {"word": "fast"}
    assert slow_answers == [200]


def test_stopping_the_server_releases_it_and_url_is_unavailable():
    server = SandboxServer(echo_app(threading.Event())).start()
    url = server.url
    server.stop()
    with pytest.raises(RuntimeError):
        _ = server.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/echo/x", timeout=2)


def test_same_app_works_in_process_through_wsgi_transport():
    app = echo_app(threading.Event())
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://sandbox") as http:
        assert http.get("/echo/inproc").json() == {"word": "inproc"}


def test_frozen_clock_moves_only_when_told():
    clock = Clock(start=1_000)
    assert clock.now() == 1_000
    clock.advance(4 * 3600)
    assert clock.timestamp() == 1_000 + 4 * 3600
    clock.set(50)
    assert clock.now() == 50


def test_live_clock_follows_real_time_plus_offset():
    clock = Clock()
    before = clock.now()
    clock.advance(86_400)
    assert clock.now() >= before + 86_400


def test_a_client_keeps_its_connection_between_requests_until_the_server_stops():
    """As a marketplace's API: HTTP/1.1 keep-alive. Stopping the server cuts kept-alive
    connections too, so a stopped sandbox is really down."""
    with SandboxServer(echo_app(threading.Event())) as server, httpx.Client() as client:
        answers = [client.get(f"{server.url}/echo/w{n}") for n in range(3)]
        assert [a.json()["word"] for a in answers] == ["w0", "w1", "w2"]
        assert {a.http_version for a in answers} == {"HTTP/1.1"}
        assert "connection" not in answers[-1].headers
        assert server.open_connections == 1
        url = server.url
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get(f"{url}/echo/again")
