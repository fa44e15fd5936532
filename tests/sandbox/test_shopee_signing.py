"""Request and push signatures, checked against the documented test vectors."""

from __future__ import annotations

import pytest

from omnichannel.sandbox.shopee import signing

from .conftest import ShopeeCaller

# Sample key from Shopee's PHP demo, used as UTF-8 text (marketplaces.md §1.3 vectors).
KEY = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (
            "2001887/api/v2/shop/auth_partner1655714431",
            "0073b5b6e36428d5f469ae927416d50b34ed92480534178c39c7347be0535402",
        ),
        (
            "2001887/api/v2/auth/token/get1655714431",
            "a04e209270a2b5ad27d10a237a3f4ba9715aa3f109de7c4d52973a17ddd932ee",
        ),
        (
            "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711",
            "b914bea03c13799deb036bb9d10e689f5a6bade160c44af568646f1ef7d796c1",
        ),
        (
            "2001887/api/v2/global_product/get_category165571443109777174636962737266615546704c6d1000000",
            "a50a2229b148e76048e21ad69a9d619885a21bd4aa7738bc524e1207df73a151",
        ),
    ],
)
def test_request_signature_matches_documented_vectors(base: str, expected: str):
    assert signing.hmac_hex(KEY, base) == expected


def test_base_strings_match_the_documented_examples():
    shop = signing.base_string(
        2001887,
        "/api/v2/shop/get_shop_info",
        1655714431,
        "59777174636562737266615546704c6d",
        14701711,
    )
    public = signing.base_string(2001887, "/api/v2/public/get_shops_by_partner", 1655714431)
    assert (
        shop
        == "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711"
    )
    assert public == "2001887/api/v2/public/get_shops_by_partner1655714431"


def test_push_signature_matches_documented_vector():
    body = (
        '{"data":{"items":[],"ordersn":"220810QSK8S7BX","status":"PROCESSED",'
        '"completed_scenario":"","update_time":1660123127},"shop_id":727720655,"code":3,'
        '"timestamp":1660123127}'
    )
    assert (
        signing.push_signature(KEY, "https://example.com/shopee/push", body)
        == "715785d48c274a98c3402d92cdb3db16ef02d98b1a42d0494b0bcc4c27ef5ccc"
    )


def test_a_wrong_sign_is_refused_with_error_sign(shopee: ShopeeCaller):
    path = "/api/v2/product/get_category"
    params = {**shopee.common(path), "sign": "0" * 64}
    answer = shopee.http.get(path, params=params)
    assert answer.status_code == 403
    assert answer.json()["error"] == "error_sign"
    assert answer.json()["message"] == "Wrong sign."
    assert answer.json()["request_id"]


def test_signature_covers_the_shop_id(shopee: ShopeeCaller):
    path = "/api/v2/product/get_category"
    params = {**shopee.common(path), "shop_id": shopee.shop_id + 1}
    assert shopee.http.get(path, params=params).json()["error"] == "error_sign"


def test_a_timestamp_older_than_five_minutes_is_refused(shopee: ShopeeCaller):
    path = "/api/v2/product/get_category"
    params = shopee.common(path)
    assert shopee.http.get(path, params=params).json()["error"] == ""
    shopee.sim.clock.advance(301)
    answer = shopee.http.get(path, params=params)
    assert answer.json() == {
        **answer.json(),
        "error": "error_param",
        "message": "Invalid timestamp",
    }


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("partner_id", "There is no partner_id in query."),
        ("timestamp", "no timestamp"),
        ("sign", "There is no sign in query."),
        ("access_token", "There is no access_token in query."),
    ],
)
def test_missing_common_parameters_are_named(shopee: ShopeeCaller, missing: str, message: str):
    path = "/api/v2/product/get_category"
    params = shopee.common(path)
    del params[missing]
    answer = shopee.http.get(path, params=params)
    assert (answer.json()["error"], answer.json()["message"]) == ("error_param", message)


def test_an_unknown_api_path_is_not_found(shopee: ShopeeCaller):
    answer = shopee.get("/api/v2/product/no_such_api")
    assert answer.status_code == 404
    assert answer.json()["error"] == "error_not_found"
