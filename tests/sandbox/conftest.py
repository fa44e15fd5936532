"""Fixtures for simulator tests: a frozen movable clock, a seeded Shopee simulator, and a
tiny signed caller that speaks the documented protocol (independently of our connector)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from omnichannel.sandbox.clock import Clock
from omnichannel.sandbox.shopee import ShopeeSimulator, seed_demo

START = 1_700_000_000  # 2023-11-14T22:13:20Z


def shopee_sign(key: str, *parts: object) -> str:
    """The documented signature, computed here from scratch rather than with our module."""
    return hmac.new(
        key.encode(), "".join(str(p) for p in parts).encode(), hashlib.sha256
    ).hexdigest()


@dataclass
class ShopeeCaller:
    """Calls Shopee APIs as a partner on one shop, signing with the simulator's clock."""

    sim: ShopeeSimulator
    http: httpx.Client
    partner_id: int
    partner_key: str
    shop_id: int
    access_token: str = ""
    refresh_token: str = ""

    def common(self, path: str, public: bool = False) -> dict[str, Any]:
        timestamp = self.sim.clock.timestamp()
        if public:
            sign = shopee_sign(self.partner_key, self.partner_id, path, timestamp)
            return {"partner_id": self.partner_id, "timestamp": timestamp, "sign": sign}
        sign = shopee_sign(
            self.partner_key, self.partner_id, path, timestamp, self.access_token, self.shop_id
        )
        return {
            "partner_id": self.partner_id,
            "timestamp": timestamp,
            "sign": sign,
            "access_token": self.access_token,
            "shop_id": self.shop_id,
        }

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params={**self.common(path), **params})

    def post(self, path: str, body: dict[str, Any], public: bool = False) -> httpx.Response:
        return self.http.post(path, params=self.common(path, public), json=body)

    def authorize(self) -> None:
        """Seller approval, then ``token/get``: leaves fresh tokens on the caller."""
        redirect = self.sim.authorize(self.partner_id, self.shop_id, "https://omni.test/cb")
        code = httpx.URL(redirect).params["code"]
        body = {"code": code, "shop_id": self.shop_id, "partner_id": self.partner_id}
        answer = self.post("/api/v2/auth/token/get", body, public=True).json()
        self.access_token = answer["access_token"]
        self.refresh_token = answer["refresh_token"]

    def refresh(self) -> httpx.Response:
        body = {
            "refresh_token": self.refresh_token,
            "partner_id": self.partner_id,
            "shop_id": self.shop_id,
        }
        return self.post("/api/v2/auth/access_token/get", body, public=True)


@pytest.fixture
def clock() -> Clock:
    return Clock(start=START)


@pytest.fixture
def sim(clock: Clock) -> Iterator[ShopeeSimulator]:
    simulator = ShopeeSimulator(clock, push_retry_delays=(0.01, 0.01), push_timeout=2.0)
    yield simulator
    simulator.close()


@pytest.fixture
def demo(sim: ShopeeSimulator) -> dict[str, Any]:
    return seed_demo(sim)


@pytest.fixture
def shopee(sim: ShopeeSimulator, demo: dict[str, Any]) -> Iterator[ShopeeCaller]:
    """An authorized caller on the demo shop, in-process."""
    with sim.client() as http:
        caller = ShopeeCaller(sim, http, demo["partner_id"], demo["partner_key"], demo["shop_id"])
        caller.authorize()
        yield caller


def sku_ids(demo: dict[str, Any], sku: str) -> tuple[int, int]:
    """``(item_id, model_id)`` of a demo SKU (model_id 0 for items without variations)."""
    for item in demo["items"]:
        for model in item["models"]:
            if model["model_sku"] == sku:
                return item["item_id"], model["model_id"]
        if item["item_sku"] == sku and not item["models"]:
            return item["item_id"], 0
    raise KeyError(sku)
