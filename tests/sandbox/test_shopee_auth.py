"""Shop authorization, token exchange, expiry, single-use refresh tokens and revocation."""

from __future__ import annotations

from typing import Any

import httpx

from omnichannel.sandbox.server import SandboxServer
from omnichannel.sandbox.shopee import ShopeeSimulator

from .conftest import ShopeeCaller, shopee_sign

REDIRECT = "https://omni.test/shopee/callback?state=abc"


def auth_link(sim: ShopeeSimulator, demo: dict[str, Any], base_url: str, **extra: Any) -> str:
    path = "/api/v2/shop/auth_partner"
    timestamp = sim.clock.timestamp()
    params = {
        "partner_id": demo["partner_id"],
        "timestamp": timestamp,
        "sign": shopee_sign(demo["partner_key"], demo["partner_id"], path, timestamp),
        "redirect": REDIRECT,
        **extra,
    }
    return str(httpx.URL(base_url + path, params=params))


def test_seller_approves_on_the_consent_page_and_is_redirected_with_code_and_shop_id(
    sim: ShopeeSimulator, demo: dict[str, Any]
):
    with SandboxServer(sim.app) as server, httpx.Client() as browser:
        page = browser.get(auth_link(sim, demo, server.url))
        assert page.status_code == 200
        assert "Omni Demo Shop" in page.text
        approval = browser.post(
            f"{server.url}/_sandbox/shopee/auth/approve",
            data={
                "partner_id": demo["partner_id"],
                "shop_id": demo["shop_id"],
                "redirect": REDIRECT,
            },
        )
    assert approval.status_code == 302
    location = httpx.URL(approval.headers["location"])
    assert str(location).startswith("https://omni.test/shopee/callback?state=abc&code=")
    assert location.params["shop_id"] == str(demo["shop_id"])
    assert len(location.params["code"]) == 32


def test_auth_link_with_a_bad_sign_is_refused(sim: ShopeeSimulator, demo: dict[str, Any]):
    with sim.client() as http:
        link = auth_link(sim, demo, "http://shopee.sandbox").replace("sign=", "sign=00")
        assert http.get(link).json()["error"] == "error_sign"


def test_code_exchanges_once_for_tokens_over_real_http(sim: ShopeeSimulator, demo: dict[str, Any]):
    with SandboxServer(sim.app) as server, httpx.Client(base_url=server.url) as http:
        redirect = http.get(auth_link(sim, demo, server.url, sandbox_shop_id=demo["shop_id"]))
        assert redirect.status_code == 302
        code = httpx.URL(redirect.headers["location"]).params["code"]
        caller = ShopeeCaller(sim, http, demo["partner_id"], demo["partner_key"], demo["shop_id"])
        body = {"code": code, "shop_id": demo["shop_id"], "partner_id": demo["partner_id"]}
        first = caller.post("/api/v2/auth/token/get", body, public=True).json()
        second = caller.post("/api/v2/auth/token/get", body, public=True)
    assert first["error"] == ""
    assert first["expire_in"] == 4 * 3600
    assert {"access_token", "refresh_token", "request_id", "message"} <= first.keys()
    assert "response" not in first
    assert second.json()["error"] == "invalid_code"


def test_code_expires_after_ten_minutes(sim: ShopeeSimulator, demo: dict[str, Any]):
    redirect = sim.authorize(demo["partner_id"], demo["shop_id"], REDIRECT)
    sim.clock.advance(601)
    with sim.client() as http:
        caller = ShopeeCaller(sim, http, demo["partner_id"], demo["partner_key"], demo["shop_id"])
        code = httpx.URL(redirect).params["code"]
        body = {"code": code, "shop_id": demo["shop_id"], "partner_id": demo["partner_id"]}
        assert caller.post("/api/v2/auth/token/get", body, public=True).json()["error"] == (
            "invalid_code"
        )


def test_access_token_expires_after_four_hours(shopee: ShopeeCaller):
    assert shopee.get("/api/v2/product/get_category").json()["error"] == ""
    shopee.sim.clock.advance(4 * 3600)
    expired = shopee.get("/api/v2/product/get_category")
    assert expired.status_code == 403
    assert expired.json()["error"] == "invalid_acceess_token"
    assert expired.json()["message"] == "Invalid access_token."


def test_access_token_lifetime_is_configurable(clock):
    sim = ShopeeSimulator(clock, access_token_seconds=60)
    try:
        sim.create_partner(7, "key")
        sim.create_shop(9)
        assert sim.issue_tokens(7, 9)["expire_in"] == 60
    finally:
        sim.close()


def test_refresh_rotates_and_the_old_refresh_token_is_refused(shopee: ShopeeCaller):
    old_refresh, old_access = shopee.refresh_token, shopee.access_token
    rotated = shopee.refresh().json()
    assert rotated["error"] == ""
    assert rotated["shop_id"] == shopee.shop_id
    assert rotated["partner_id"] == shopee.partner_id
    assert rotated["refresh_token"] != old_refresh
    assert rotated["access_token"] != old_access

    reused = shopee.refresh()
    assert reused.status_code == 403
    assert reused.json()["error"] == "error_shop_refresh_token"

    shopee.access_token, shopee.refresh_token = rotated["access_token"], rotated["refresh_token"]
    assert shopee.get("/api/v2/product/get_category").json()["error"] == ""


def test_previous_access_token_works_five_more_minutes_after_a_refresh(shopee: ShopeeCaller):
    old_access = shopee.access_token
    shopee.refresh()
    shopee.access_token = old_access
    assert shopee.get("/api/v2/product/get_category").json()["error"] == ""
    shopee.sim.clock.advance(301)
    assert shopee.get("/api/v2/product/get_category").json()["error"] == "invalid_acceess_token"


def test_refresh_token_expires_after_thirty_days(shopee: ShopeeCaller):
    shopee.sim.clock.advance(30 * 86400 + 1)
    assert shopee.refresh().json()["error"] == "refresh_token_expired"


def test_revoked_authorization_kills_tokens_and_refresh(shopee: ShopeeCaller):
    shopee.sim.revoke_authorization(shopee.shop_id)
    assert shopee.get("/api/v2/product/get_category").json()["error"] == "error_auth"
    assert shopee.refresh().json()["error"] == "shop_no_linked"

    shopee.authorize()  # the seller authorizes again: work resumes
    assert shopee.get("/api/v2/product/get_category").json()["error"] == ""


def test_a_token_of_another_shop_is_refused(shopee: ShopeeCaller):
    other = shopee.sim.create_shop(shop_name="Other")
    path = "/api/v2/product/get_category"
    timestamp = shopee.sim.clock.timestamp()
    params = {
        "partner_id": shopee.partner_id,
        "timestamp": timestamp,
        "access_token": shopee.access_token,
        "shop_id": other.shop_id,
        "sign": shopee_sign(
            shopee.partner_key,
            shopee.partner_id,
            path,
            timestamp,
            shopee.access_token,
            other.shop_id,
        ),
    }
    assert shopee.http.get(path, params=params).json()["error"] == "error_auth"
