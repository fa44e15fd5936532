"""The `omni` command: operator commands in-process, `omni up` as a real process tree."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from django.test import Client

from omnichannel.cli import main
from omnichannel.tenants.models import ApiClient, ApiToken, Tenant

OMNI = str(Path(sys.executable).with_name("omni"))
STARTUP_DEADLINE_SECONDS = 90
EXIT_DEADLINE_SECONDS = 60
# Set for (or by) the test suite; the service under test runs with its own defaults.
SUITE_ONLY_VARIABLES = {
    "DATABASE_URL",
    "HUEY_URL",
    "HUEY_STORAGE",
    "HUEY_IMMEDIATE",
    "REDIS_URL",
    "OMNI_API_RATE_PER_MINUTE",
}


def token_lists_warehouses(token: str) -> bool:
    response = Client().get("/api/v1/warehouses", headers={"Authorization": f"Bearer {token}"})
    return response.status_code == 200


# --- tenant and token commands ------------------------------------------------------------


def test_tenant_create_creates_the_tenant(db, capsys):
    assert main(["tenant", "create", "Brand X"]) == 0

    assert Tenant.objects.filter(name="Brand X").exists()
    assert "Created tenant 'Brand X'" in capsys.readouterr().out


def test_tenant_create_refuses_a_taken_name_with_exit_code_2(tenant, capsys):
    assert main(["tenant", "create", tenant.name]) == 2

    assert "exists" in capsys.readouterr().err
    assert Tenant.objects.filter(name=tenant.name).count() == 1


def test_token_create_makes_the_client_and_prints_a_working_token(tenant, capsys):
    code = main(
        ["token", "create", "--tenant", tenant.name, "--scopes", "catalog:read", "--name", "wms"]
    )

    assert code == 0
    token = capsys.readouterr().out.strip()
    client = ApiClient.objects.get(tenant=tenant, name="wms")
    assert client.scopes == ["catalog:read"]
    assert token_lists_warehouses(token)


def test_token_create_for_an_existing_client_issues_another_token(tenant, capsys):
    args = ["token", "create", "--tenant", tenant.name, "--scopes", "catalog:read", "--name", "wms"]
    assert main(args) == 0
    first = capsys.readouterr().out.strip()

    assert main(args) == 0
    second = capsys.readouterr().out.strip()

    assert first != second
    assert ApiClient.objects.filter(tenant=tenant).count() == 1
    assert ApiToken.objects.filter(client__tenant=tenant).count() == 2
    assert token_lists_warehouses(first) and token_lists_warehouses(second)


def test_token_create_refuses_an_unknown_scope_with_exit_code_2(tenant, capsys):
    code = main(
        ["token", "create", "--tenant", tenant.name, "--scopes", "stock:destroy", "--name", "x"]
    )

    assert code == 2
    error = capsys.readouterr().err
    assert "stock:destroy" in error and "orders:read" in error
    assert not ApiClient.objects.exists()


def test_token_create_refuses_an_unknown_tenant_with_exit_code_2(db, capsys):
    code = main(["token", "create", "--tenant", "Nobody", "--scopes", "admin", "--name", "x"])

    assert code == 2
    assert "omni tenant create 'Nobody'" in capsys.readouterr().err
    assert not ApiClient.objects.exists()


def test_token_create_will_not_change_an_existing_clients_scopes(tenant, capsys):
    args = ["token", "create", "--tenant", tenant.name, "--name", "wms", "--scopes"]
    assert main([*args, "catalog:read"]) == 0

    assert main([*args, "admin"]) == 2

    assert ApiClient.objects.get(tenant=tenant, name="wms").scopes == ["catalog:read"]
    assert ApiToken.objects.filter(client__tenant=tenant).count() == 1


def test_manage_runs_djangos_commands(db, capsys):
    assert main(["manage", "check"]) == 0
    assert "no issues" in capsys.readouterr().out


def test_up_and_web_refuse_a_port_in_use_with_exit_code_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])

        assert main(["up", "--port", port]) == 2
        assert main(["web", "--port", port]) == 2
        assert main(["up", "--demo", "--port", str(free_port()), "--sandbox-port", port]) == 2

    errors = capsys.readouterr().err
    assert f"Cannot listen on 127.0.0.1:{port}" in errors
    assert "choose another --sandbox-port" in errors


# --- omni up: the real process tree -------------------------------------------------------


@dataclass
class RunningService:
    """An `omni up` process and everything it has printed so far."""

    process: subprocess.Popen
    base_url: str
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reader = threading.Thread(target=self.lines.extend, args=(self.process.stdout,))
        self.reader.start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def child_pids(self) -> dict[str, int]:
        found = re.findall(r"^\s+(web|worker|sandbox)\s+pid (\d+)", self.output, re.MULTILINE)
        return {name: int(pid) for name, pid in found}

    def wait_until_healthy(self) -> None:
        """Poll health until it answers 200; fail if the service exits or the deadline passes."""
        deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"omni up exited early:\n{self.output}"
            try:
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"omni up never became healthy:\n{self.output}")

    def exit_code(self) -> int:
        """Wait for the exit, and for the last of the output."""
        code = self.process.wait(timeout=EXIT_DEADLINE_SECONDS)
        self.reader.join(timeout=EXIT_DEADLINE_SECONDS)
        return code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def port_accepts_connections(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def service_environment(var_dir: Path) -> dict[str, str]:
    """A fresh SQLite service in its own directory, with real (not immediate) jobs."""
    environment = {
        name: value for name, value in os.environ.items() if name not in SUITE_ONLY_VARIABLES
    }
    return {
        **environment,
        "DJANGO_SETTINGS_MODULE": "omnichannel.settings",
        "OMNI_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def omni_up(tmp_path: Path) -> Iterator[RunningService]:
    port = free_port()
    process = subprocess.Popen(
        [OMNI, "up", "--demo", "--port", str(port), "--sandbox-port", str(free_port())],
        env=service_environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    service = RunningService(process, f"http://127.0.0.1:{port}")
    try:
        service.wait_until_healthy()
        yield service
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        service.exit_code()


def test_omni_up_serves_the_api_docs_and_the_printed_demo_credentials(omni_up):
    http = httpx.Client(base_url=omni_up.base_url, timeout=10)
    token = re.search(r"API token\s+(omni_\S+)", omni_up.output)
    password = re.search(r"user admin\s+password (\S+)", omni_up.output)
    assert token and password, omni_up.output

    assert "swagger" in http.get("/api/docs").text.lower()
    assert "redoc" in http.get("/api/redoc").text.lower()
    warehouses = http.get("/api/v1/warehouses", headers={"Authorization": f"Bearer {token[1]}"})
    assert [w["code"] for w in warehouses.json()["items"]] == ["DEMO-WH"]

    login_page = http.get("/admin/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)
    assert csrf, login_page.text
    login = http.post(
        "/admin/login/?next=/admin/",
        data={"username": "admin", "password": password[1], "csrfmiddlewaretoken": csrf[1]},
    )
    assert login.status_code == 302 and login.headers["location"] == "/admin/"
    assert "Site administration" in http.get("/admin/").text
    assert re.search(r"shop 54804 authorized as connection\s+\d+ ", omni_up.output)


def test_idle_keep_alive_connections_never_stop_new_callers_being_answered(omni_up):
    """A WMS's pool and the channels' pushes keep connections open between requests; three
    times as many of them as the web server has threads (2 workers x 4), idle, must not
    leave a new caller unanswered (granian's backpressure counts connections)."""
    address = urlparse(omni_up.base_url)
    idle = []
    try:
        for _ in range(3 * 2 * 4 + 1):
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
            connection.request("GET", "/api/v1/health")
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200
            idle.append(connection)  # kept open, as a keep-alive pool does
    finally:
        for connection in idle:
            connection.close()


def test_ctrl_c_stops_the_web_server_and_the_worker_and_exits_0(omni_up):
    children = omni_up.child_pids()
    assert set(children) == {"sandbox", "web", "worker"}, omni_up.output
    port = int(omni_up.base_url.rsplit(":", 1)[1])

    omni_up.process.send_signal(signal.SIGINT)

    assert omni_up.exit_code() == 0, omni_up.output
    assert not any(process_exists(pid) for pid in children.values())
    assert not port_accepts_connections(port)


def test_when_the_worker_dies_the_web_server_is_stopped_too(omni_up):
    children = omni_up.child_pids()
    port = int(omni_up.base_url.rsplit(":", 1)[1])

    os.kill(children["worker"], signal.SIGKILL)

    assert omni_up.exit_code() != 0
    assert not process_exists(children["web"]) and not process_exists(children["sandbox"])
    assert not port_accepts_connections(port)
    assert "worker exited" in omni_up.output
