"""The `omni` command: run the service, manage tenants and tokens, set up the demo.

``omni up`` runs everything in one process tree (web server and job consumer);
``omni web`` and ``omni worker`` run the two halves separately, for deployments with
several processes on several machines. Operator commands (``tenant``, ``token``,
``demo``, ``manage``) use the same domain services as the API and the admin.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence

from omnichannel.errors import Conflict, DomainError, NotFound, Unprocessable
from omnichannel.supervisor import Child, supervise

SETTINGS_MODULE = "omnichannel.settings"
EXIT_USAGE = 2
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
LINKS = [
    ("API docs (Swagger)", "/api/docs"),
    ("API docs (Redoc)", "/api/redoc"),
    ("OpenAPI schema", "/api/openapi.json"),
    ("Admin", "/admin/"),
    ("Health", "/api/v1/health"),
]


def setup_django() -> None:
    """Configure Django before any model import; child processes inherit the setting."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def migrate() -> None:
    """Bring the database schema up to date; quiet when there is nothing to do."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def base_url(host: str, port: int) -> str:
    """The URL a person on this machine opens; a wildcard bind is reached via loopback."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def check_port_free(host: str, port: int) -> None:
    """Fail at once with a clear message, rather than after gunicorn's bind retries."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Conflict(
                f"Cannot listen on {host}:{port} ({exc.strerror}); choose another --port."
            ) from exc


def web_child(host: str, port: int, workers: int, threads: int) -> Child:
    """Gunicorn with threaded workers: threads suit a service that mostly waits on I/O."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "omnichannel.wsgi:application",
        "--bind",
        bind,
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--graceful-timeout",
        "20",
        "--log-level",
        "warning",
    ]
    description = f"gunicorn on {base_url(host, port)}, {workers} workers × {threads} threads"
    return Child("web", command, description, stop_signal=signal.SIGTERM)


def worker_child(threads: int | None) -> Child:
    """The Huey consumer with its periodic tasks; SIGINT lets running tasks finish.

    System checks are skipped: they import the whole URL conf, which the worker never
    uses, and a slow start leaves a longer window in which a stop signal is unhandled.
    """
    command = [sys.executable, "-m", "django", "run_huey", "--skip-checks"]
    if threads is not None:
        command += ["--workers", str(threads)]
    from django.conf import settings

    shown = threads if threads is not None else settings.HUEY["consumer"]["workers"]
    description = f"huey consumer, {shown} worker threads, periodic tasks on"
    return Child("worker", command, description, stop_signal=signal.SIGINT)


def print_links(url: str) -> None:
    print(f"\nOmnichannel is starting on {url} (Ctrl-C stops it)")
    for label, path in LINKS:
        print(f"  {label:<20} {url}{path}")
    print(flush=True)


def release_database() -> None:
    """The supervisor keeps no database connection open while the children run."""
    from django.db import connections

    connections.close_all()


def cmd_up(args: argparse.Namespace) -> int:
    check_port_free(args.host, args.port)
    setup_django()
    migrate()
    url = base_url(args.host, args.port)
    if args.demo:
        from omnichannel.demo import ensure_demo

        ensure_demo(url)
    release_database()
    children = [web_child(args.host, args.port, workers=2, threads=4), worker_child(threads=None)]
    return supervise(children, on_started=lambda: print_links(url))


def cmd_web(args: argparse.Namespace) -> int:
    check_port_free(args.host, args.port)
    setup_django()
    release_database()
    return supervise([web_child(args.host, args.port, args.workers, args.threads)])


def cmd_worker(args: argparse.Namespace) -> int:
    setup_django()
    release_database()
    return supervise([worker_child(args.workers)])


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    from omnichannel.demo import ensure_demo

    ensure_demo(base_url(args.host, args.port))
    print("Serve it with: omni up")
    return 0


def cmd_tenant_create(args: argparse.Namespace) -> int:
    setup_django()
    from omnichannel.tenants.services import create_tenant

    tenant = create_tenant(args.name)
    print(f"Created tenant '{tenant.name}' (id {tenant.pk}).")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    """Create the API client if it is missing, else issue it another token.

    The token goes alone to stdout (``TOKEN=$(omni token create ...)`` works); what
    happened goes to stderr. An existing client keeps its scopes: asking for other ones
    is refused rather than silently granted or ignored.
    """
    setup_django()
    from omnichannel.tenants.models import SCOPES, ApiClient, ApiToken, Tenant
    from omnichannel.tenants.services import check_scopes, create_client

    tenant = Tenant.objects.filter(name=args.tenant).first()
    if tenant is None:
        raise NotFound(
            f"No tenant named '{args.tenant}'. Create it with: omni tenant create '{args.tenant}'"
        )
    try:
        scopes = check_scopes([s.strip() for s in (args.scopes or "").split(",") if s.strip()])
    except Unprocessable as exc:
        raise Unprocessable(f"{exc.message} Known scopes: {', '.join(SCOPES)}.") from exc
    client = ApiClient.objects.filter(tenant=tenant, name=args.name).first()
    if client is None:
        if not scopes:
            raise Unprocessable("A new API client needs --scopes (comma-separated).")
        client, raw = create_client(tenant, args.name, scopes)
        action = f"Created API client '{client.name}' of tenant '{tenant.name}'"
    else:
        if not client.active:
            raise Conflict(f"API client '{client.name}' is disabled; enable it first.")
        if scopes and scopes != sorted(client.scopes):
            raise Conflict(
                f"API client '{client.name}' exists with scopes {','.join(client.scopes)}; "
                "change its scopes in the admin or the API, or leave out --scopes."
            )
        _, raw = ApiToken.issue(client)
        action = f"Issued another token for API client '{client.name}' of tenant '{tenant.name}'"
    print(f"{action}, scopes {','.join(client.scopes)}.", file=sys.stderr)
    print("The token is shown once; store it now:", file=sys.stderr)
    print(raw)
    return 0


def cmd_manage(argv: Sequence[str]) -> int:
    """Django's management commands, e.g. ``omni manage createsuperuser``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["omni manage", *argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port to listen on")


def command(
    subparsers: argparse._SubParsersAction, name: str, run: Callable[..., int], help: str
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help, description=help)
    parser.set_defaults(run=run)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omni", description="Omnichannel: one API between your WMS/ERP and every channel."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = command(commands, "up", cmd_up, "migrate, then run the web server and the job worker")
    add_server_options(up)
    up.add_argument("--demo", action="store_true", help="create the demo data on first run")

    web = command(commands, "web", cmd_web, "run the web server only (gunicorn)")
    add_server_options(web)
    web.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    web.add_argument("--threads", type=int, default=4, help="threads per worker process")

    worker = command(commands, "worker", cmd_worker, "run the job worker only (huey consumer)")
    worker.add_argument("--workers", type=int, help="worker threads (default: HUEY_WORKERS)")

    demo = command(commands, "demo", cmd_demo, "set up the demo data without serving")
    add_server_options(demo)

    tenant = commands.add_parser("tenant", help="manage tenants").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    tenant_create = command(tenant, "create", cmd_tenant_create, "create a tenant")
    tenant_create.add_argument("name", help="the tenant's unique name")

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    token_create = command(
        token, "create", cmd_token_create, "create an API client or issue it another token"
    )
    token_create.add_argument("--tenant", required=True, help="the tenant's name")
    token_create.add_argument("--name", required=True, help="the API client's name, e.g. wms")
    token_create.add_argument("--scopes", help="comma-separated, e.g. orders:read,stock:write")

    commands.add_parser("manage", help="Django's management commands: omni manage help")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["manage"]:
        return cmd_manage(argv[1:])
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already explained
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return args.run(args)
    except DomainError as exc:
        print(f"omni: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
