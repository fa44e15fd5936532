"""The control API over real HTTP: what tests and the demo drive the simulator with."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from omnichannel.sandbox.server import SandboxServer
from omnichannel.sandbox.shopee import DEMO_PARTNER_ID, DEMO_SHOP_ID, ShopeeSimulator

from .conftest import ShopeeCaller


@pytest.fixture
def control(sim: ShopeeSimulator) -> Iterator[httpx.Client]:
    with SandboxServer(sim.app) as server, httpx.Client(base_url=server.url) as http:
        yield http


def test_seed_place_pay_and_advance_an_order_through_the_control_api(control: httpx.Client):
    seeded = control.post("/_sandbox/shopee/seed-demo").json()
    assert (seeded["partner_id"], seeded["shop_id"]) == (DEMO_PARTNER_ID, DEMO_SHOP_ID)
    order = control.post(
        "/_sandbox/shopee/orders",
        json={"shop_id": DEMO_SHOP_ID, "lines": [{"sku": "DEMO-TEE-L", "quantity": 2}]},
    ).json()
    assert order["status"] == "UNPAID"
    order_sn = order["order_sn"]
    assert control.post(f"/_sandbox/shopee/orders/{order_sn}/pay").json()["status"] == (
        "READY_TO_SHIP"
    )
    stock = control.get("/_sandbox/shopee/stock", params={"shop_id": DEMO_SHOP_ID}).json()
    assert next(row for row in stock if row["sku"] == "DEMO-TEE-L")["stock"] == 6
    refused = control.post(f"/_sandbox/shopee/orders/{order_sn}/deliver")
    assert refused.status_code == 400
    assert refused.json()["error"] == "control_error"
    cancel = control.post(f"/_sandbox/shopee/orders/{order_sn}/buyer-cancel", json={"reason": "x"})
    assert cancel.json()["status"] == "IN_CANCEL"


def test_tokens_faults_stock_history_and_reset(control: httpx.Client, sim: ShopeeSimulator):
    control.post("/_sandbox/shopee/seed-demo")
    tokens = control.post(
        "/_sandbox/shopee/tokens", json={"partner_id": DEMO_PARTNER_ID, "shop_id": DEMO_SHOP_ID}
    ).json()
    caller = ShopeeCaller(
        sim, control, DEMO_PARTNER_ID, sim.state.partners[DEMO_PARTNER_ID].partner_key, DEMO_SHOP_ID
    )
    caller.access_token = tokens["access_token"]
    mug = sim.state.find_model_by_sku(DEMO_SHOP_ID, "DEMO-MUG")
    assert mug is not None
    body = {
        "item_id": mug[0].item_id,
        "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 5}]}],
    }

    control.post("/_sandbox/shopee/faults", json={"kind": "server_error", "count": 1})
    assert caller.post("/api/v2/product/update_stock", body).status_code == 500
    assert caller.post("/api/v2/product/update_stock", body).status_code == 200
    history = control.get("/_sandbox/shopee/stock-updates").json()
    assert [(h["item_id"], h["requested_stock"], h["success"]) for h in history] == [
        (mug[0].item_id, 5, True)
    ]

    control.post(f"/_sandbox/shopee/shops/{DEMO_SHOP_ID}/revoke", json={})
    assert caller.get("/api/v2/product/get_category").json()["error"] == "error_auth"

    control.post("/_sandbox/shopee/clock/advance", json={"seconds": 60})
    assert control.get("/_sandbox/shopee/clock").json()["now"] == sim.clock.now()

    control.post("/_sandbox/shopee/reset")
    assert control.get("/_sandbox/shopee/stock").json() == []


def test_authorize_returns_the_redirect_with_a_code(control: httpx.Client):
    control.post("/_sandbox/shopee/seed-demo")
    answer = control.post(
        "/_sandbox/shopee/authorize",
        json={
            "partner_id": DEMO_PARTNER_ID,
            "shop_id": DEMO_SHOP_ID,
            "redirect": "https://x.test/cb",
        },
    ).json()
    url = httpx.URL(answer["redirect_url"])
    assert url.host == "x.test"
    assert url.params["shop_id"] == str(DEMO_SHOP_ID)


def test_unknown_control_path_is_404(control: httpx.Client):
    assert control.get("/_sandbox/shopee/nothing").status_code == 404


def test_concurrent_buyers_over_http_never_oversell(control: httpx.Client, sim: ShopeeSimulator):
    control.post("/_sandbox/shopee/seed-demo")
    base_url = str(control.base_url)
    outcomes: list[int] = []
    lock = threading.Lock()

    def buy() -> None:
        with httpx.Client(base_url=base_url) as http:
            answer = http.post(
                "/_sandbox/shopee/orders",
                json={"shop_id": DEMO_SHOP_ID, "lines": [{"sku": "DEMO-TEE-L"}], "paid": True},
            )
        with lock:
            outcomes.append(answer.status_code)

    buyers = [threading.Thread(target=buy) for _ in range(12)]
    for buyer in buyers:
        buyer.start()
    for buyer in buyers:
        buyer.join(10)
    assert sorted(outcomes) == [200] * 8 + [400] * 4  # 8 in stock
    levels = {row["sku"]: row["stock"] for row in sim.stock_levels(DEMO_SHOP_ID)}
    assert levels["DEMO-TEE-L"] == 0


def test_a_return_is_opened_accepted_and_shipped_back_through_the_control_api(
    control: httpx.Client, sim: ShopeeSimulator
):
    control.post("/_sandbox/shopee/seed-demo")
    order = sim.create_order(DEMO_SHOP_ID, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    order.status = "TO_CONFIRM_RECEIVE"  # delivered; the lifecycle has its own tests
    opened = control.post("/_sandbox/shopee/returns", json={"order_sn": order.order_sn}).json()
    path = f"/_sandbox/shopee/returns/{opened['return_sn']}"

    early = control.post(f"{path}/ship", json={"tracking_number": "RN1"})
    control.post(f"{path}/status", json={"status": "ACCEPTED"})
    shipped = control.post(f"{path}/ship", json={"tracking_number": "RN1"}).json()

    assert early.status_code == 400 and early.json()["error"] == "control_error"
    assert (shipped["status"], shipped["tracking_number"]) == ("PROCESSING", "RN1")
