"""Shopee signatures against the documented base strings and computed vectors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx

from omnichannel.connectors.shopee.client import public_base_string, shop_base_string, sign
from omnichannel.connectors.shopee.webhooks import push_signature

from .shopee_support import PARTNER_KEY, fixture_bytes, make_connector, routes


def test_base_strings_match_the_official_examples():
    assert (
        shop_base_string(
            2001887,
            "/api/v2/shop/get_shop_info",
            1655714431,
            "59777174636562737266615546704c6d",
            14701711,
        )
        == "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"
    )
    assert (
        public_base_string(2001887, "/api/v2/public/get_shops_by_partner", 1655714431)
        == "2001887/api/v2/public/get_shops_by_partner1655714431"
    )


def test_public_signatures_match_the_reference_vectors():
    auth = public_base_string(2001887, "/api/v2/shop/auth_partner", 1655714431)
    token = public_base_string(2001887, "/api/v2/auth/token/get", 1655714431)

    assert sign(PARTNER_KEY, auth) == (
        "0073b5b6e36428d5f469ae927416d50b34ed92480534178c39c7347be0535402"
    )
    assert sign(PARTNER_KEY, token) == (
        "a04e209270a2b5ad27d10a237a3f4ba9715aa3f109de7c4d52973a17ddd932ee"
    )


def test_shop_and_merchant_signatures_match_the_reference_vectors():
    shop = "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"
    merchant = (
        "2001887/api/v2/global_product/get_category"
        "165571443109777174636962737266615546704c6d1000000"
    )

    assert sign(PARTNER_KEY, shop) == (
        "b914bea03c13799deb036bb9d10e689f5a6bade160c44af568646f1ef7d796c1"
    )
    assert sign(PARTNER_KEY, merchant) == (
        "a50a2229b148e76048e21ad69a9d619885a21bd4aa7738bc524e1207df73a151"
    )


def test_push_signature_matches_the_reference_vector():
    body = fixture_bytes("push_order_status.json")

    assert push_signature(PARTNER_KEY, "https://example.com/shopee/push", body) == (
        "715785d48c274a98c3402d92cdb3db16ef02d98b1a42d0494b0bcc4c27ef5ccc"
    )


def test_the_authorize_url_is_signed_as_a_public_call():
    connector, _, _ = make_connector(routes({}))

    url = urlparse(connector.authorize_url("https://omni.example/callback"))
    query = parse_qs(url.query)

    assert url.path == "/api/v2/shop/auth_partner"
    assert query["partner_id"] == ["2001887"]
    assert query["timestamp"] == ["1655714431"]
    assert query["redirect"] == ["https://omni.example/callback"]
    assert query["sign"] == ["0073b5b6e36428d5f469ae927416d50b34ed92480534178c39c7347be0535402"]


def test_shop_calls_carry_common_params_and_the_shop_signature():
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"error": "", "request_id": "r", "response": {}})

    connector, _, _ = make_connector(handle)
    connector.client.call("GET", "/api/v2/shop/get_shop_info", family="shop")

    params = seen[0].url.params
    assert params["partner_id"] == "2001887"
    assert params["shop_id"] == "14701711"
    assert params["access_token"] == "59777174636562737266615546704c6d"
    assert params["sign"] == "b914bea03c13799deb036bb9d10e689f5a6bade160c44af568646f1ef7d796c1"
