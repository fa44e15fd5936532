"""Push notifications reach a real local HTTP receiver, signed, and are retried on failure."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from omnichannel.sandbox.shopee import ShopeeSimulator

from .conftest import ShopeeCaller


class Receiver:
    """A tiny threaded webhook receiver that records requests and answers scripted codes."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/shopee?x=1"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def expected_signature(key: str, url: str, body: bytes) -> str:
    return hmac.new(key.encode(), url.encode() + b"|" + body, hashlib.sha256).hexdigest()


def test_order_status_pushes_are_signed_over_url_and_raw_body(
    shopee: ShopeeCaller, receiver: Receiver
):
    sim = shopee.sim
    sim.set_push_callback(shopee.partner_id, receiver.url)
    order = sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    assert sim.wait_for_pushes()

    assert len(receiver.received) == 2
    for request in receiver.received:
        assert request["path"] == "/webhooks/shopee?x=1"
        assert request["headers"]["Authorization"] == expected_signature(
            shopee.partner_key, receiver.url, request["body"]
        )
    payloads = [json.loads(request["body"]) for request in receiver.received]
    assert [p["data"]["status"] for p in payloads] == ["UNPAID", "READY_TO_SHIP"]
    assert payloads[1] == {
        "data": {
            "items": [],
            "ordersn": order.order_sn,
            "status": "READY_TO_SHIP",
            "completed_scenario": "",
            "update_time": order.update_time,
        },
        "shop_id": shopee.shop_id,
        "code": 3,
        "timestamp": sim.clock.timestamp(),
    }
    assert all(d.status == "delivered" for d in sim.pushes())


def test_shipping_sends_a_tracking_number_push(shopee: ShopeeCaller, receiver: Receiver):
    sim = shopee.sim
    order = sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}], paid=True)
    sim.set_push_callback(shopee.partner_id, receiver.url)
    shopee.post("/api/v2/logistics/ship_order", {"order_sn": order.order_sn, "dropoff": {}})
    assert sim.wait_for_pushes()
    payloads = [json.loads(request["body"]) for request in receiver.received]
    assert [p["code"] for p in payloads] == [3, 4]
    assert payloads[1]["data"] == {
        "ordersn": order.order_sn,
        "forder_id": order.package_number,
        "package_number": order.package_number,
        "tracking_no": sim.order(order.order_sn).tracking_number,
    }


def test_a_failing_receiver_gets_retried_until_it_acknowledges(shopee: ShopeeCaller):
    with Receiver(statuses=[500, 503]) as flaky:
        shopee.sim.set_push_callback(shopee.partner_id, flaky.url)
        shopee.sim.create_order(shopee.shop_id, [{"sku": "DEMO-MUG", "quantity": 1}])
        assert shopee.sim.wait_for_pushes()
    [delivery] = shopee.sim.pushes()
    assert delivery.status == "delivered"
    assert [a.status_code for a in delivery.attempts] == [500, 503, 200]
    assert len(flaky.received) == 3
    assert len({request["body"] for request in flaky.received}) == 1


def test_retries_are_bounded_and_an_unreachable_receiver_is_given_up(sim: ShopeeSimulator, demo):
    with Receiver() as gone:
        url = gone.url
    sim.set_push_callback(demo["partner_id"], url)
    sim.issue_tokens(demo["partner_id"], demo["shop_id"])
    sim.create_order(demo["shop_id"], [{"sku": "DEMO-MUG", "quantity": 1}])
    assert sim.wait_for_pushes()
    [delivery] = sim.pushes()
    assert delivery.status == "failed"
    assert len(delivery.attempts) == 3  # first try + the two configured retries
    assert all(attempt.error for attempt in delivery.attempts)


def test_no_push_without_a_callback_or_an_authorized_partner(sim: ShopeeSimulator, demo):
    sim.create_order(demo["shop_id"], [{"sku": "DEMO-MUG", "quantity": 1}])
    assert sim.pushes() == []
