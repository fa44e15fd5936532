"""A ShopeeConnector authorized on the Shopee sandbox over real HTTP, as the service does it
(link → the seller approves → code → tokens), with tokens kept in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from omnichannel.connectors.base import ConnectorSettings
from omnichannel.connectors.memory import MemoryRecorder
from omnichannel.connectors.shopee import ShopeeConnector
from omnichannel.connectors.transport import AccessToken, Transport
from omnichannel.sandbox.clock import Clock
from omnichannel.sandbox.server import SandboxServer
from omnichannel.sandbox.shopee.seed import seed_demo
from omnichannel.sandbox.shopee.simulator import ShopeeSimulator
from omnichannel.unified.auth import TokenSet
from omnichannel.unified.shipments import ShipRequest


class ConnectionTokens:
    """What the Django side does with a row and a lock, in memory: refresh rotates the pair."""

    def __init__(self, tokens: TokenSet) -> None:
        self.tokens = tokens
        self.connector: ShopeeConnector | None = None
        self.refreshes = 0

    def current(self) -> AccessToken:
        return AccessToken(self.tokens.access_token, self.tokens.access_expires_at)

    def refresh(self) -> AccessToken:
        self.tokens = self.connector.refresh_tokens(self.tokens.refresh_token)
        self.refreshes += 1
        return self.current()


@pytest.fixture
def sandbox() -> Iterator[tuple[ShopeeSimulator, dict, str]]:
    """The demo shop and items on a fresh simulator, served on a local port."""
    sim = ShopeeSimulator(clock=Clock())
    seed = seed_demo(sim)
    with SandboxServer(sim.app) as server:
        yield sim, seed, server.url
    sim.close()


def settings(seed: dict, url: str, shop_id: str | None) -> ConnectorSettings:
    return ConnectorSettings(
        channel="shopee",
        api_base_url=url,
        credentials={"partner_id": str(seed["partner_id"]), "partner_key": seed["partner_key"]},
        shop_id=shop_id,
    )


def connect(
    sim: ShopeeSimulator, seed: dict, url: str
) -> tuple[ShopeeConnector, ConnectionTokens, MemoryRecorder]:
    """Authorize the demo shop the way the API will: link → seller approves → code → tokens."""

    def clock() -> datetime:
        return datetime.fromtimestamp(sim.clock.now(), UTC)

    app = ShopeeConnector(settings(seed, url, None), Transport(url, clock=clock))
    link = app.authorize_url("https://omni.example/callback")
    approved = httpx.get(f"{link}&sandbox_shop_id={seed['shop_id']}", follow_redirects=False)
    callback = {k: v[0] for k, v in parse_qs(urlparse(approved.headers["location"]).query).items()}
    tokens = ConnectionTokens(app.exchange_code(callback))
    recorder = MemoryRecorder()
    transport = Transport(
        url, token_provider=tokens, recorder=recorder, clock=clock, sleep=lambda s: None
    )
    connector = ShopeeConnector(settings(seed, url, tokens.tokens.shop_id), transport)
    tokens.connector = connector
    return connector, tokens, recorder


@dataclass
class Shop:
    """An authorized connector with the simulator behind it."""

    sim: ShopeeSimulator
    seed: dict
    connector: ShopeeConnector
    recorder: MemoryRecorder

    @property
    def shop_id(self) -> int:
        return self.seed["shop_id"]

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.sim.clock.now(), UTC)

    def delivered_order(self, *lines: tuple[str, int]) -> str:
        """An order paid, shipped and delivered (so the buyer may return it); its order_sn."""
        order = self.sim.create_order(
            self.shop_id, [{"sku": sku, "quantity": quantity} for sku, quantity in lines]
        )
        self.sim.pay(order.order_sn)
        address = self.connector.shipping_options(order.order_sn).pickup_addresses[0]
        self.connector.ship(
            order.order_sn,
            ShipRequest(pickup_address_id=address.id, pickup_slot_id=address.slots[0].id),
        )
        self.sim.pickup(order.order_sn)
        self.sim.deliver(order.order_sn)
        return order.order_sn


@pytest.fixture
def shop(sandbox: tuple[ShopeeSimulator, dict, str]) -> Shop:
    sim, seed, url = sandbox
    connector, _, recorder = connect(sim, seed, url)
    return Shop(sim, seed, connector, recorder)
