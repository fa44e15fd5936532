"""The `omni` command: run the service, manage tenants and tokens, set up the demo.

``omni up`` runs everything in one process tree (web server and job consumer; with
``--demo`` also the Shopee sandbox, whose demo shop the demo connects);
``omni web`` and ``omni worker`` run the two halves separately, for deployments with
several processes on several machines. Operator commands (``tenant``, ``token``,
``demo``, ``manage``) use the same domain services as the API and the admin;
``omni sandbox`` plays the buyer and the courier in the running sandbox.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from omnichannel.errors import Conflict, DomainError, NotFound, Unprocessable
from omnichannel.supervisor import Child, supervise

SETTINGS_MODULE = "omnichannel.settings"
EXIT_USAGE = 2
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SANDBOX_HOST = "127.0.0.1"
DEFAULT_SANDBOX_PORT = 8701
SANDBOX_STARTUP_SECONDS = 30
# What the buyer or the courier does next to a sandbox order, by its Shopee status.
NEXT_STEP = {
    "UNPAID": "pay {order_sn}",
    "READY_TO_SHIP": "ship {order_sn}   (the courier, once the pickup is arranged)",
    "PROCESSED": "ship {order_sn}   (the courier picks the parcel up)",
    "SHIPPED": "deliver {order_sn}",
}
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


def check_port_free(host: str, port: int, option: str = "--port") -> None:
    """Fail at once with a clear message, rather than with the server's bind error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Conflict(
                f"Cannot listen on {host}:{port} ({exc.strerror}); choose another {option}."
            ) from exc


def web_child(host: str, port: int, workers: int, threads: int) -> Child:
    """Granian serving the WSGI app: HTTP is parsed in Rust, so a request costs the
    service half the CPU it did under gunicorn (decision 0011). Each worker process runs
    the app on ``threads`` threads; requests beyond them wait in the server's queue.

    Granian's backpressure counts open connections, not requests: a keep-alive connection
    holds its slot while idle, and a worker whose slots are all held stops accepting, so
    its share of new connections hang unanswered. The limit is therefore granian's own
    default (its backlog over the workers, 512 each at 2 workers), far above the
    connections a WMS's pool and the channels' pushes keep open."""
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "omnichannel.wsgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--workers-kill-timeout",
        "20",
        "--log-level",
        "warning",
    ]
    description = f"granian on {base_url(host, port)}, {workers} workers × {threads} threads"
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


def sandbox_child(port: int, after_start: Callable[[Child], None]) -> Child:
    """The Shopee sandbox with its demo partner, shop and items; SIGINT ends it cleanly."""
    command = [
        sys.executable,
        "-m",
        "omnichannel.sandbox.shopee",
        "--host",
        SANDBOX_HOST,
        "--port",
        str(port),
    ]
    description = f"Shopee sandbox on {base_url(SANDBOX_HOST, port)}, state in memory"
    return Child("sandbox", command, description, signal.SIGINT, after_start=after_start)


def demo_with_sandbox(service_url: str, sandbox_url: str) -> Callable[[Child], None]:
    """Once the sandbox answers, create the demo and connect its shop; before the web
    server and the worker start, so their first jobs already find fresh tokens."""

    def after_start(sandbox: Child) -> None:
        from omnichannel.demo import ensure_demo
        from omnichannel.sandbox.shopee.control_client import ControlClient

        control = ControlClient(sandbox_url)
        deadline = time.monotonic() + SANDBOX_STARTUP_SECONDS
        while not control.serving():
            if not sandbox.running() or time.monotonic() > deadline:
                raise Conflict(f"The Shopee sandbox did not start on {sandbox_url}.")
            time.sleep(0.1)
        ensure_demo(service_url, sandbox_url)
        release_database()

    return after_start


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
    if args.demo:
        check_port_free(SANDBOX_HOST, args.sandbox_port, "--sandbox-port")
    setup_django()
    migrate()
    release_database()
    url = base_url(args.host, args.port)
    children = [web_child(args.host, args.port, workers=2, threads=4), worker_child(threads=None)]
    if args.demo:
        sandbox_url = base_url(SANDBOX_HOST, args.sandbox_port)
        children.insert(0, sandbox_child(args.sandbox_port, demo_with_sandbox(url, sandbox_url)))
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


def sandbox_control(args: argparse.Namespace):  # noqa: ANN201 - imported lazily
    from omnichannel.sandbox.shopee.control_client import ControlClient

    return ControlClient(base_url(SANDBOX_HOST, args.sandbox_port))


def sandbox_call(action: Callable[[], dict]) -> dict:
    """Run a control call; the sandbox's refusals and absence become operator errors."""
    from omnichannel.sandbox.shopee.control_client import SandboxUnreachable
    from omnichannel.sandbox.shopee.state import ControlError

    try:
        return action()
    except SandboxUnreachable as exc:
        raise Conflict(f"{exc} Is `omni up --demo` running?") from exc
    except ControlError as exc:
        raise Unprocessable(f"The sandbox refused: {exc}") from exc


def cmd_sandbox_order(args: argparse.Namespace) -> int:
    """A buyer orders in the sandbox's demo shop; the sandbox pushes it to the service."""
    from omnichannel.sandbox.shopee.seed import DEMO_SHOP_ID

    control = sandbox_control(args)
    lines = [{"sku": args.sku, "quantity": args.qty}]
    order = sandbox_call(lambda: control.place_order(DEMO_SHOP_ID, lines, paid=args.pay))
    print_sandbox_order(order, base_url(args.host, args.port), control.base_url)
    return 0


def sandbox_step(step: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        control = sandbox_control(args)
        order = sandbox_call(lambda: control.order_step(args.order_sn, step))
        print_sandbox_order(order, base_url(args.host, args.port), control.base_url)
        return 0

    return run


def print_sandbox_order(order: dict, service_url: str, sandbox_url: str) -> None:
    """The order's state in the sandbox, and where to watch it arrive in the service."""
    order_sn = order["order_sn"]
    orders_url = f"{service_url}/api/v1/orders?" + urlencode(
        {"channel": "shopee", "external_id": order_sn}
    )
    lines = [
        f"{line['quantity']} × {line['model_sku'] or line['item_sku']}" for line in order["lines"]
    ]
    print(f"Sandbox order {order_sn}: {order['status']} ({', '.join(lines)})")
    print(f"  Sandbox  {sandbox_url}/_sandbox/shopee/orders/{order_sn}")
    print(f"  API      curl -H \"Authorization: Bearer $TOKEN\" '{orders_url}'")
    print(f"  Admin    {service_url}/admin/orders/order/?q={order_sn}")
    if order["status"] in NEXT_STEP:
        print(f"  Next     omni sandbox {NEXT_STEP[order['status']].format(order_sn=order_sn)}")


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


def add_sandbox_port(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sandbox-port",
        type=int,
        default=int(os.environ.get("OMNI_SANDBOX_PORT") or DEFAULT_SANDBOX_PORT),
        help=f"the Shopee sandbox's port (default: $OMNI_SANDBOX_PORT or {DEFAULT_SANDBOX_PORT})",
    )


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
    up.add_argument(
        "--demo",
        action="store_true",
        help="create the demo data on first run; run the Shopee sandbox and connect its shop",
    )
    add_sandbox_port(up)

    web = command(commands, "web", cmd_web, "run the web server only (granian, WSGI)")
    add_server_options(web)
    web.add_argument("--workers", type=int, default=2, help="web server worker processes")
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

    sandbox = commands.add_parser(
        "sandbox", help="be the buyer or the courier in the Shopee sandbox of omni up --demo"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    order = command(sandbox, "order", cmd_sandbox_order, "place a buyer order in the demo shop")
    order.add_argument("--sku", required=True, help="the item's SKU, e.g. DEMO-TEE-M")
    order.add_argument("--qty", type=int, default=1, help="how many (default 1)")
    order.add_argument("--pay", action="store_true", help="the buyer pays at once")
    steps = [
        ("pay", "pay", "the buyer pays an unpaid order"),
        ("ship", "pickup", "the courier picks the parcel up (after the pickup is arranged)"),
        ("deliver", "deliver", "the parcel reaches the buyer"),
    ]
    for name, step, help_text in steps:
        command(sandbox, name, sandbox_step(step), help_text).add_argument(
            "order_sn", help="the sandbox order number"
        )
    for action in sandbox.choices.values():
        add_sandbox_port(action)
        action.add_argument("--host", default=DEFAULT_HOST, help="the service's host, for links")
        action.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help="the service's port, for links"
        )

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
