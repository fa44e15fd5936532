"""The Shopee sandbox on a real local port, an operator app for it, and the authorize flow
as a seller goes through it (link → approve in the sandbox → our callback)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from omnichannel.channels.models import ChannelApp, Connection
from omnichannel.sandbox.clock import Clock
from omnichannel.sandbox.server import SandboxServer
from omnichannel.sandbox.shopee.seed import seed_demo
from omnichannel.sandbox.shopee.simulator import ShopeeSimulator


@dataclass
class Shopee:
    sim: ShopeeSimulator
    seed: dict
    url: str
    app: ChannelApp

    @property
    def shop_id(self) -> int:
        return self.seed["shop_id"]

    def item(self, sku: str) -> dict:
        return next(row for row in self.sim.stock_levels(self.shop_id) if row["sku"] == sku)

    def stock(self, sku: str) -> int:
        return self.item(sku)["stock"]

    def stock_calls(self) -> list[dict]:
        return self.sim.stock_updates(self.shop_id)


@pytest.fixture(name="shopee")
def shopee_fixture(db) -> Iterator[Shopee]:
    sim = ShopeeSimulator(clock=Clock())
    seed = seed_demo(sim)
    with SandboxServer(sim.app) as server:
        app = ChannelApp.objects.create(
            channel="shopee",
            name="Sandbox app",
            api_base_url=server.url,
            region="SG",
            credentials={"partner_id": str(seed["partner_id"]), "partner_key": seed["partner_key"]},
        )
        yield Shopee(sim, seed, server.url, app)
    sim.close()


def approve(shopee: Shopee, link: str) -> str:
    """The seller approves in the sandbox; returns where Shopee sends the browser back."""
    approved = httpx.get(f"{link}&sandbox_shop_id={shopee.shop_id}", follow_redirects=False)
    assert approved.status_code == 302, approved.text
    return approved.headers["location"]


def authorize(caller, shopee: Shopee) -> Connection:  # noqa: ANN001
    link = caller.get("/api/v1/connections/shopee/authorize-url", app_id=shopee.app.pk)
    assert link.status_code == 200, link.json()
    answer = caller.http.get(approve(shopee, link.json()["url"]))
    assert answer.status_code == 200, answer.json()
    return Connection.objects.get(pk=answer.json()["id"])
