"""The demo's marketplace shop: the Shopee sandbox's demo shop, connected as a seller would.

``omni up --demo`` runs the sandbox beside the service and calls :func:`connect_sandbox_shop`
on every start. The sandbox keeps its state in memory, so each start meets a fresh one: the
shop is authorized again through the real flow (link → the sandbox's consent page → the
callback's service function), which gives the existing connection new tokens rather than
adding a second one; the catalog is pulled again (listings are upserted by item and model
id, which the sandbox's seed keeps stable); the sandbox's stock is read back, so whatever
differs from our targets (a fresh sandbox shows its seed stock) is pushed; and the sandbox
is told where to push its notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.urls import reverse

from omnichannel.catalog.models import Listing
from omnichannel.channels.authorization import authorization_link, complete_authorization
from omnichannel.channels.catalog import pull_catalog
from omnichannel.channels.jobs import JobOutcome
from omnichannel.channels.models import Channel, ChannelApp, Connection
from omnichannel.channels.stock_sync import drain_connection, reconcile_connection
from omnichannel.channels.views import receiver_path
from omnichannel.errors import Conflict
from omnichannel.fulfillment.models import PickupRule
from omnichannel.inventory.models import ConnectionWarehouse, Warehouse
from omnichannel.sandbox.shopee.control_client import ControlClient, SandboxUnreachable
from omnichannel.sandbox.shopee.seed import DEMO_PARTNER_ID, DEMO_PARTNER_KEY, DEMO_SHOP_ID
from omnichannel.sandbox.shopee.state import ControlError
from omnichannel.tenants.models import Tenant

APP_NAME = "Shopee sandbox (demo)"
SHOP_NAME = "Omni Demo Shop (Shopee sandbox)"
SANDBOX_REGION = "SG"
PICKUP_RULE_NAME = "Demo: courier pickup in the earliest slot, any day"


@dataclass
class SandboxShop:
    """The connected shop and what this start did to it."""

    connection: Connection
    created: bool
    listings: int
    mapped: int
    in_sync: int
    push_url: str


def connect_sandbox_shop(
    tenant: Tenant, warehouse: Warehouse, sandbox_url: str, service_url: str
) -> SandboxShop:
    """Authorize the sandbox's demo shop for ``tenant`` and bring it in line with the demo.

    ``service_url`` is where the sandbox reaches this service (``OMNI_PUBLIC_URL`` wins when
    set, as for any channel). Raises ``Conflict`` when the sandbox does not answer or refuses.
    """
    public_url = (settings.OMNI_PUBLIC_URL or service_url).rstrip("/")
    control = ControlClient(sandbox_url)
    try:
        app = demo_app(tenant, sandbox_url)
        created = not Connection.objects.filter(
            tenant=tenant, channel=Channel.SHOPEE, external_shop_id=str(DEMO_SHOP_ID)
        ).exists()
        connection = authorize(tenant, app, control, public_url)
        if created:
            connection.name = SHOP_NAME
            connection.fulfillment_mode = Connection.FulfillmentMode.AUTO
            connection.save(update_fields=["name", "fulfillment_mode", "updated_at"])
        ConnectionWarehouse.objects.get_or_create(connection=connection, warehouse=warehouse)
        demo_pickup_rule(connection)
        checked(pull_catalog(connection))
        checked(reconcile_connection(connection))
        checked(drain_connection(connection))
        push_url = public_url + receiver_path(Channel.SHOPEE, app.pk)
        control.set_push_callback(DEMO_PARTNER_ID, push_url)
    except (SandboxUnreachable, ControlError) as exc:
        raise Conflict(f"The demo could not connect the Shopee sandbox shop: {exc}") from exc
    listings = Listing.objects.filter(connection=connection)
    return SandboxShop(
        connection=connection,
        created=created,
        listings=listings.count(),
        mapped=listings.filter(product__isnull=False).count(),
        in_sync=listings.filter(push_state=Listing.PushState.IN_SYNC).count(),
        push_url=push_url,
    )


def demo_app(tenant: Tenant, sandbox_url: str) -> ChannelApp:
    """The demo tenant's Shopee app on the sandbox, with the sandbox's demo partner; its
    address follows the sandbox's port from one start to the next."""
    app, _ = ChannelApp.objects.update_or_create(
        tenant=tenant,
        channel=Channel.SHOPEE,
        name=APP_NAME,
        defaults={
            "api_base_url": sandbox_url,
            "region": SANDBOX_REGION,
            "credentials": {"partner_id": str(DEMO_PARTNER_ID), "partner_key": DEMO_PARTNER_KEY},
            "active": True,
        },
    )
    return app


def authorize(
    tenant: Tenant, app: ChannelApp, control: ControlClient, public_url: str
) -> Connection:
    """The seller's flow, unattended: our authorization link, the sandbox's consent page and
    its approval, then what our callback does with the redirect (the web server is not up
    yet, so the callback's service function is called with the redirect's parameters)."""
    callback = public_url + reverse("api:authorization_callback", kwargs={"channel": "shopee"})
    link = authorization_link(tenant, Channel.SHOPEE, app.pk, callback)
    redirect = control.approve(link, DEMO_SHOP_ID)
    params = {key: values[0] for key, values in parse_qs(urlsplit(redirect).query).items()}
    connection, _ = complete_authorization(Channel.SHOPEE, params)
    return connection


def demo_pickup_rule(connection: Connection) -> PickupRule:
    """Auto mode arranges a ready order by its pickup rule; this one takes the earliest slot
    the sandbox offers on any day, so the demo flows whenever it runs."""
    rule, _ = PickupRule.objects.get_or_create(
        tenant=connection.tenant,
        connection=connection,
        warehouse=None,
        defaults={
            "name": PICKUP_RULE_NAME,
            "mode": PickupRule.Mode.PICKUP,
            "timezone": "Asia/Jakarta",
            "slot_preference": PickupRule.SlotPreference.EARLIEST,
            "pickup_window_start": time(0, 0),
            "pickup_window_end": time(23, 59),
            "working_days": [1, 2, 3, 4, 5, 6, 7],
        },
    )
    return rule


def checked(outcome: JobOutcome) -> JobOutcome:
    """A job that failed stops the demo with its error; one skipped (the connection was
    disabled in the admin, or a worker runs the job) is left to the worker."""
    if outcome.error:
        raise Conflict(f"The demo's {outcome.job} job failed: {outcome.error}")
    return outcome
