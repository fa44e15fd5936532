"""Rate limits answered the Shopee way, and injected outages, slowness and throttling."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from omnichannel.sandbox.server import SandboxServer
from omnichannel.sandbox.shopee import ShopeeSimulator

from .conftest import ShopeeCaller

CATEGORY = "/api/v2/product/get_category"
LIST = "/api/v2/product/get_item_list"


def test_rate_limit_answers_429_error_rate_limit_until_the_window_moves(shopee: ShopeeCaller):
    shopee.sim.set_rate_limit(2, per_seconds=1, path=CATEGORY)
    assert [shopee.get(CATEGORY).status_code for _ in range(2)] == [200, 200]
    throttled = shopee.get(CATEGORY)
    assert throttled.status_code == 429
    assert throttled.json()["error"] == "error_rate_limit"
    assert throttled.json()["request_id"]
    assert throttled.headers["retry-after"] == "1"
    assert shopee.get(LIST, offset=0, page_size=1, item_status="NORMAL").status_code == 200

    shopee.sim.clock.advance(1)
    assert shopee.get(CATEGORY).status_code == 200


def test_rate_limits_are_counted_per_shop_by_default(shopee: ShopeeCaller, demo: dict[str, Any]):
    sim = shopee.sim
    other_shop = sim.create_shop(shop_name="Second shop")
    sim.set_rate_limit(1, per_seconds=60)
    other = ShopeeCaller(
        sim, shopee.http, shopee.partner_id, shopee.partner_key, other_shop.shop_id
    )
    other.authorize()
    assert shopee.get(CATEGORY).status_code == 200
    assert other.get(CATEGORY).status_code == 200
    assert shopee.get(CATEGORY).status_code == 429


def test_a_partner_wide_limit_shares_one_budget(shopee: ShopeeCaller):
    shopee.sim.set_rate_limit(1, per_seconds=10, per=("partner_id",))
    assert shopee.get(CATEGORY).status_code == 200
    assert shopee.get(LIST, offset=0, page_size=1, item_status="NORMAL").status_code == 429


def test_next_calls_fail_with_the_injected_server_error_then_recover(shopee: ShopeeCaller):
    shopee.sim.inject_fault("server_error", count=2, status=503, path=CATEGORY)
    first, second = shopee.get(CATEGORY), shopee.get(CATEGORY)
    assert (first.status_code, second.status_code) == (503, 503)
    assert first.json()["error"] == "error_server"
    assert shopee.get(CATEGORY).status_code == 200


def test_a_fault_can_target_one_shop(shopee: ShopeeCaller):
    shopee.sim.inject_fault("server_error", shop_id=shopee.shop_id + 1)
    assert shopee.get(CATEGORY).status_code == 200
    assert len(shopee.sim.faults.pending()) == 1


def test_injected_throttling_answers_like_the_rate_limiter(shopee: ShopeeCaller):
    shopee.sim.inject_fault("rate_limit")
    throttled = shopee.get(CATEGORY)
    assert (throttled.status_code, throttled.json()["error"]) == (429, "error_rate_limit")
    assert shopee.get(CATEGORY).status_code == 200


def test_a_hanging_call_times_the_client_out_but_still_takes_effect(
    sim: ShopeeSimulator, demo: dict[str, Any]
):
    stock_path = "/api/v2/product/update_stock"
    mug = next(item for item in demo["items"] if item["item_sku"] == "DEMO-MUG")
    body = {
        "item_id": mug["item_id"],
        "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 2}]}],
    }
    with SandboxServer(sim.app) as server, httpx.Client(base_url=server.url) as http:
        caller = ShopeeCaller(sim, http, demo["partner_id"], demo["partner_key"], demo["shop_id"])
        caller.authorize()
        sim.inject_fault("hang", seconds=1.0, path=stock_path)
        with pytest.raises(httpx.ReadTimeout):
            http.post(stock_path, params=caller.common(stock_path), json=body, timeout=0.2)
        assert caller.get(CATEGORY).status_code == 200  # other calls are not blocked
        sim.stopping.set()  # release the held request instead of waiting it out
        assert wait_until(lambda: sim.stock_updates() != [])
    levels = {row["sku"]: row["stock"] for row in sim.stock_levels(demo["shop_id"])}
    assert levels["DEMO-MUG"] == 2


def wait_until(condition: Callable[[], bool], limit: float = 5.0) -> bool:
    """A sync point for work finishing on a server thread (not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_unknown_fault_kinds_and_non_5xx_errors_are_rejected(sim: ShopeeSimulator):
    with pytest.raises(ValueError):
        sim.inject_fault("explode")
    with pytest.raises(ValueError):
        sim.inject_fault("server_error", status=404)
