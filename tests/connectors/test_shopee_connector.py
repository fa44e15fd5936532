"""ShopeeConnector over a fake Shopee: envelopes, errors, batching, auth, labels, webhooks."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from omnichannel.connectors.base import TimeWindow
from omnichannel.connectors.errors import (
    AuthExpired,
    AuthRevoked,
    InvalidRequest,
    NotFound,
    RateLimited,
    RemoteUnavailable,
)
from omnichannel.connectors.shopee import vocab
from omnichannel.connectors.shopee.webhooks import push_signature
from omnichannel.unified.events import WebhookKind
from omnichannel.unified.stock import StockUpdate

from .shopee_support import NOW, PARTNER_KEY, fixture, fixture_bytes, make_connector, routes


def error(code: str, message: str = "") -> dict:
    return {"error": code, "message": message, "request_id": "req-err"}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("error_auth", AuthExpired),
        ("invalid_acceess_token", AuthExpired),
        ("refresh_token_expired", AuthRevoked),
        ("shop_access_expired", AuthRevoked),
        ("error_rate_limit", RateLimited),
        ("ads.rate_limit.exceed_api", RateLimited),
        ("error_server", RemoteUnavailable),
        ("error_not_found", NotFound),
        ("logistics.package_not_exist", NotFound),
        ("error_param", InvalidRequest),
        ("error_sign", InvalidRequest),
        ("order.order_list_invalid_time", InvalidRequest),
    ],
)
def test_shopee_error_codes_become_typed_errors(code, expected):
    assert vocab.error_class(code) is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("The return you queried doesn't exist.", NotFound),
        ("data not exist", NotFound),
        ("Query return info failed. Please try later.", RemoteUnavailable),
        ("lack of param", InvalidRequest),
    ],
)
def test_shopees_catch_all_error_data_is_typed_by_its_message(message, expected):
    assert vocab.error_class("error_data", message) is expected


def test_an_error_envelope_is_raised_with_its_code_message_and_request_id():
    connector, recorder, _ = make_connector(
        routes({"/api/v2/order/get_order_list": "error_order_list_invalid_time.json"})
    )
    window = TimeWindow(NOW - timedelta(days=1), NOW)

    with pytest.raises(InvalidRequest) as raised:
        connector.list_order_ids(window)

    assert raised.value.channel_code == "order.order_list_invalid_time"
    assert "15days" in raised.value.message
    assert raised.value.request_id == "2ca3ed1fe1fab0d1e12e5e1efa90e4ac"
    assert recorder.calls[0].error_code == "order.order_list_invalid_time"


def test_order_windows_longer_than_fifteen_days_are_refused_before_calling():
    connector, recorder, _ = make_connector(routes({}))

    with pytest.raises(InvalidRequest):
        connector.list_order_ids(TimeWindow(NOW - timedelta(days=16), NOW))
    assert recorder.calls == []


def test_order_ids_come_a_page_at_a_time_with_the_next_cursor():
    seen = []

    def handle(request):
        seen.append(request.url.params)
        return httpx.Response(200, json=fixture("get_order_list.json"))

    connector, _, _ = make_connector(handle)
    page = connector.list_order_ids(TimeWindow(NOW - timedelta(days=15), NOW), cursor="10")

    assert page.ids == ["201218V2Y6E59M", "201218V2W2SG1E"]
    assert page.next_cursor == "20"
    assert seen[0]["cursor"] == "10"
    assert seen[0]["time_range_field"] == "update_time"


def test_order_details_are_fetched_in_batches_of_fifty():
    batches = []
    detail = fixture("get_order_detail.json")

    def handle(request):
        batches.append(request.url.params["order_sn_list"].split(","))
        return httpx.Response(200, json=detail)

    connector, _, _ = make_connector(handle)
    orders = connector.get_orders([f"SN{i}" for i in range(120)])

    assert [len(batch) for batch in batches] == [50, 50, 20]
    assert len(orders) == 3  # the fake answers one order per batch


def test_push_stock_sends_one_call_per_item_and_reports_each_model():
    bodies = []

    def handle(request):
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=fixture("update_stock.json"))

    connector, _, _ = make_connector(handle)
    results = connector.push_stock(
        [
            StockUpdate(external_item_id="1000", external_variant_id="2000458802", quantity=30),
            StockUpdate(external_item_id="1000", external_variant_id="2000458803", quantity=0),
        ]
    )

    assert len(bodies) == 1
    assert [result.ok for result in results] == [True, False]
    assert connector.stock_batch_size == 50


def test_a_refused_stock_call_fails_only_that_items_results():
    def handle(request):
        if json.loads(request.content)["item_id"] == 1:
            return httpx.Response(200, json=error("error_item_not_found", "item not found"))
        return httpx.Response(
            200, json={"error": "", "response": {"success_list": [{"model_id": 0}]}}
        )

    connector, _, _ = make_connector(handle)
    results = connector.push_stock(
        [
            StockUpdate(external_item_id="1", quantity=1),
            StockUpdate(external_item_id="2", quantity=2),
        ]
    )

    assert [(r.external_item_id, r.ok, r.error_code) for r in results] == [
        ("1", False, "error_item_not_found"),
        ("2", True, None),
    ]


def test_stock_pushes_surface_auth_errors_instead_of_swallowing_them():
    connector, _, _ = make_connector(
        routes({"/api/v2/product/update_stock": error("shop_access_expired")})
    )

    with pytest.raises(AuthRevoked):
        connector.push_stock([StockUpdate(external_item_id="1", quantity=1)])


def test_exchanging_the_callback_code_returns_tokens_for_the_shop():
    seen = []

    def handle(request):
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "refresh_token": "456e416149664b76745a6a794156794a",
                "access_token": "6a55746e61546f707579627656637464",
                "expire_in": 13859,
                "request_id": "c040b886cfcabdfa5a23af51c595cd1b",
                "error": "",
                "message": "",
            },
        )

    connector, recorder, _ = make_connector(handle, shop_id=None)
    tokens = connector.exchange_code({"code": "abc", "shop_id": "54804"})

    assert tokens.shop_id == "54804"
    assert tokens.access_token == "6a55746e61546f707579627656637464"
    assert tokens.access_expires_at == NOW + timedelta(seconds=13859)
    assert "access_token" not in seen[0].url.params  # a public call
    assert json.loads(seen[0].content) == {"code": "abc", "shop_id": 54804, "partner_id": 2001887}
    assert "6a55746e61546f707579627656637464" not in repr(recorder.calls)


def test_a_refused_refresh_is_auth_revoked_and_never_retried():
    calls = []

    def handle(request):
        calls.append(request)
        return httpx.Response(200, json=error("error_shop_refresh_token", "invalid refresh"))

    connector, _, _ = make_connector(handle)
    with pytest.raises(AuthRevoked):
        connector.refresh_tokens("old-refresh")
    assert len(calls) == 1


def test_a_label_is_created_polled_until_ready_and_downloaded():
    pdf = b"%PDF-1.4 label"
    connector, _, sleeps = make_connector(
        routes(
            {
                "/api/v2/logistics/create_shipping_document": {
                    "error": "",
                    "response": {"result_list": [{"order_sn": "SN1"}]},
                },
                "/api/v2/logistics/get_shipping_document_result": [
                    {
                        "error": "",
                        "response": {"result_list": [{"order_sn": "SN1", "status": "PROCESSING"}]},
                    },
                    {
                        "error": "",
                        "response": {"result_list": [{"order_sn": "SN1", "status": "READY"}]},
                    },
                ],
                "/api/v2/logistics/download_shipping_document": httpx.Response(
                    200, content=pdf, headers={"content-type": "application/pdf"}
                ),
            }
        )
    )

    label = connector.label("SN1")

    assert label.content == pdf
    assert sleeps == [1.0]


def test_a_webhook_signed_with_the_partner_key_is_accepted():
    connector, _, _ = make_connector(routes({}))
    body = fixture_bytes("push_order_status.json")
    url = "https://example.com/shopee/push"
    headers = {"Authorization": push_signature(PARTNER_KEY, url, body)}

    assert connector.verify(url, headers, body)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url, body, sig: (url, body.replace(b"PROCESSED", b"CANCELLED"), sig),
        lambda url, body, sig: ("https://evil.example/shopee/push", body, sig),
        lambda url, body, sig: (url, body, "0" * 64),
        lambda url, body, sig: (url, body, ""),
    ],
)
def test_a_webhook_with_a_wrong_or_missing_signature_is_refused(tamper):
    connector, _, _ = make_connector(routes({}))
    body = fixture_bytes("push_order_status.json")
    url = "https://example.com/shopee/push"
    url, body, signature = tamper(url, body, push_signature(PARTNER_KEY, url, body))

    assert not connector.verify(url, {"Authorization": signature}, body)


def test_an_order_status_push_parses_into_one_order_event():
    connector, _, _ = make_connector(routes({}))
    body = fixture_bytes("push_order_status.json")

    (event,) = connector.parse(body)

    assert event.kind is WebhookKind.ORDER_STATUS
    assert event.shop_id == "727720655"
    assert event.order_ids == ["220810QSK8S7BX"]
    assert event.status == "PROCESSED"
    assert event.raw["code"] == 3
    assert event.dedup_key == connector.parse(body)[0].dedup_key
