"""Channel fixtures: the Shopee sandbox on a real port, our app on it, an authorized shop.

The shop is authorized the way a seller does it (link → approve in the sandbox → code →
tokens); the Connection and ChannelApp rows are then stored as the authorization callback
stores them. ``demo_world`` maps the sandbox's demo items to products with stock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from omnichannel.catalog.models import Listing, Product
from omnichannel.channels.models import ChannelApp, Connection
from omnichannel.channels.services import store_tokens
from omnichannel.channels.webhooks import forget_verifiers
from omnichannel.connectors.base import ConnectorSettings
from omnichannel.connectors.shopee import ShopeeConnector
from omnichannel.connectors.transport import Transport
from omnichannel.inventory.ledger import MovementInput, post_movements
from omnichannel.inventory.models import ConnectionWarehouse, Warehouse
from omnichannel.sandbox.clock import Clock
from omnichannel.sandbox.server import SandboxServer
from omnichannel.sandbox.shopee.seed import seed_demo
from omnichannel.sandbox.shopee.simulator import ShopeeSimulator
from omnichannel.tenants.models import Tenant


@dataclass
class Sandbox:
    sim: ShopeeSimulator
    seed: dict
    url: str
    server: SandboxServer

    def down(self) -> None:
        """The marketplace is unreachable: its port refuses connections."""
        self.server.stop()

    def up(self) -> None:
        """Back on the same address."""
        self.server.port = int(self.url.rsplit(":", 1)[1])
        self.server.start()

    @property
    def shop_id(self) -> int:
        return self.seed["shop_id"]

    def order(self, *lines: tuple[str, int], pay: bool = True) -> str:
        """A buyer order in the demo shop (paid unless told otherwise); its order_sn."""
        created = self.sim.create_order(
            self.shop_id, [{"sku": sku, "quantity": qty} for sku, qty in lines]
        )
        if pay:
            self.sim.pay(created.order_sn)
        return created.order_sn


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh Shopee sandbox with the demo partner, shop and items, over real HTTP."""
    sim = ShopeeSimulator(clock=Clock(), push_retry_delays=(0.2, 0.5, 1.0), push_timeout=10.0)
    seed = seed_demo(sim)
    with SandboxServer(sim.app) as server:
        yield Sandbox(sim, seed, server.url, server)
    sim.close()
    forget_verifiers()


@pytest.fixture
def shopee_app(db, sandbox: Sandbox) -> ChannelApp:
    """The operator's Shopee app, pointed at the sandbox."""
    return ChannelApp.objects.create(
        channel="shopee",
        name="Sandbox app",
        api_base_url=sandbox.url,
        region="SG",
        credentials={
            "partner_id": str(sandbox.seed["partner_id"]),
            "partner_key": sandbox.seed["partner_key"],
        },
    )


def authorize_shop(
    tenant: Tenant, app: ChannelApp, sandbox: Sandbox, **fields: object
) -> Connection:
    """Authorize the sandbox's demo shop for ``app`` and store the connection."""

    def clock() -> datetime:
        return datetime.fromtimestamp(sandbox.sim.clock.now(), UTC)

    settings = ConnectorSettings(
        channel="shopee", api_base_url=app.api_base_url, credentials=app.credentials
    )
    connector = ShopeeConnector(settings, Transport(app.api_base_url, clock=clock))
    link = connector.authorize_url("https://omni.example/callback")
    approved = httpx.get(f"{link}&sandbox_shop_id={sandbox.shop_id}", follow_redirects=False)
    query = parse_qs(urlparse(approved.headers["location"]).query)
    tokens = connector.exchange_code({key: values[0] for key, values in query.items()})
    connection = Connection.objects.create(
        tenant=tenant,
        channel="shopee",
        app=app,
        name="Omni Demo Shop",
        external_shop_id=str(tokens.shop_id),
        region="SG",
        **fields,
    )
    store_tokens(connection, tokens)
    return connection


@pytest.fixture
def shopee_shop(tenant: Tenant, shopee_app: ChannelApp, sandbox: Sandbox) -> Connection:
    """The demo shop, authorized, in WMS fulfillment mode."""
    return authorize_shop(tenant, shopee_app, sandbox)


def map_demo_items(connection: Connection, sandbox: Sandbox, on_hand: int = 20) -> Warehouse:
    """Products for every demo SKU, listed on ``connection`` by the sandbox's ids, with
    ``on_hand`` of each in one warehouse serving the shop (posted through the ledger)."""
    tenant = connection.tenant
    warehouse, _ = Warehouse.objects.get_or_create(
        tenant=tenant, code="JKT", defaults={"name": "Jakarta"}
    )
    ConnectionWarehouse.objects.get_or_create(
        connection=connection, warehouse=warehouse, defaults={"priority": 1}
    )
    movements = []
    for item in sandbox.seed["items"]:
        variants = [(m["model_sku"], str(m["model_id"])) for m in item["models"]]
        for sku, variant_id in variants or [(item["item_sku"], "")]:
            product, _ = Product.objects.get_or_create(
                tenant=tenant, sku=sku, defaults={"name": sku}
            )
            Listing.objects.get_or_create(
                tenant=tenant,
                connection=connection,
                external_item_id=str(item["item_id"]),
                external_variant_id=variant_id,
                defaults={"product": product, "channel_sku": sku},
            )
            movements.append(
                MovementInput(
                    movement_id=f"seed-{warehouse.code}-{sku}",
                    type="inbound",
                    warehouse=warehouse.code,
                    sku=sku,
                    quantity=on_hand,
                    occurred_at=datetime.now(UTC),
                )
            )
    post_movements(tenant, movements)
    return warehouse


@pytest.fixture
def demo_world(shopee_shop: Connection, sandbox: Sandbox) -> SimpleNamespace:
    """The authorized shop with its demo items mapped and 20 of each SKU in JKT."""
    warehouse = map_demo_items(shopee_shop, sandbox)
    return SimpleNamespace(shop=shopee_shop, sandbox=sandbox, sim=sandbox.sim, warehouse=warehouse)
