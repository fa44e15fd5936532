"""Shop authorization (the seller-facing link) and the two token APIs.

``GET /api/v2/shop/auth_partner`` shows the seller a consent page (signed link, valid
5 minutes); approving redirects to ``redirect?code=…&shop_id=…``. Sandbox-only shortcut for
unattended tests and the demo: add ``sandbox_shop_id=<id>`` to the link to approve at once.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit, urlunsplit

from omnichannel.sandbox.http import Response, html_response, redirect
from omnichannel.sandbox.shopee import tokens
from omnichannel.sandbox.shopee.envelope import Reply, param_error
from omnichannel.sandbox.shopee.gateway import PUBLIC, Api, Call, int_param

APPROVE_PATH = "/_sandbox/shopee/auth/approve"


def redirect_with_code(redirect_url: str, code: str, shop_id: int) -> str:
    """``redirect_url`` with ``code`` and ``shop_id`` added to its query string."""
    parts = urlsplit(redirect_url)
    extra = urlencode({"code": code, "shop_id": shop_id})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def auth_partner(call: Call) -> Response:
    """The consent page (or, with ``sandbox_shop_id``, an immediate approval redirect)."""
    redirect_url = call.request.arg("redirect")
    if not redirect_url:
        raise param_error("redirect is required")
    shortcut = call.request.arg("sandbox_shop_id")
    if shortcut:
        shop_id = int_param(shortcut, "sandbox_shop_id")
        if shop_id not in call.sim.state.shops:
            raise param_error(f"shop {shop_id} does not exist in the sandbox")
        code = tokens.grant_authorization(call.sim.state, call.partner.partner_id, shop_id)
        return redirect(redirect_with_code(redirect_url, code.code, shop_id))
    return html_response(_consent_page(call, redirect_url))


def _consent_page(call: Call, redirect_url: str) -> str:
    rows = []
    for shop in call.sim.state.shops.values():
        rows.append(
            f'<form method="post" action="{APPROVE_PATH}">'
            f'<input type="hidden" name="partner_id" value="{call.partner.partner_id}">'
            f'<input type="hidden" name="shop_id" value="{shop.shop_id}">'
            f'<input type="hidden" name="redirect" value="{html.escape(redirect_url)}">'
            f"<button>Authorize {html.escape(shop.shop_name)} ({shop.shop_id})</button></form>"
        )
    shops = "\n".join(rows) or "<p>No shops in the sandbox yet.</p>"
    return (
        "<!doctype html><title>Shopee sandbox · authorize app</title>"
        f"<h1>Authorize “{html.escape(call.partner.name)}”</h1>"
        "<p>Choose the shop that grants this app access.</p>"
        f"{shops}"
    )


def get_access_token(call: Call) -> Reply:
    """``POST /api/v2/auth/token/get`` with ``{code, shop_id, partner_id}``."""
    body = call.params()
    code = body.get("code")
    if not code:
        raise param_error("code is required")
    _check_body_partner(call, body.get("partner_id"))
    shop_id = int_param(body.get("shop_id"), "shop_id", required=False)
    if shop_id is None and body.get("main_account_id") is not None:
        raise param_error("main accounts are not simulated; authorize a shop")
    access, refresh_token = tokens.exchange_code(
        call.sim.state, call.partner.partner_id, code, shop_id, call.sim.access_token_seconds
    )
    return Reply(
        top_level={
            "refresh_token": refresh_token.token,
            "access_token": access.token,
            "expire_in": call.sim.access_token_seconds,
        }
    )


def refresh_access_token(call: Call) -> Reply:
    """``POST /api/v2/auth/access_token/get`` with ``{refresh_token, partner_id, shop_id}``."""
    body = call.params()
    token = body.get("refresh_token")
    if not token:
        raise param_error("refresh_token is required")
    _check_body_partner(call, body.get("partner_id"))
    shop_id = int_param(body.get("shop_id"), "shop_id")
    assert shop_id is not None
    access, refresh_token = tokens.refresh(
        call.sim.state, call.partner.partner_id, token, shop_id, call.sim.access_token_seconds
    )
    return Reply(
        top_level={
            "partner_id": call.partner.partner_id,
            "refresh_token": refresh_token.token,
            "access_token": access.token,
            "expire_in": call.sim.access_token_seconds,
            "shop_id": shop_id,
        }
    )


def _check_body_partner(call: Call, value: object) -> None:
    partner_id = int_param(value, "partner_id")
    if partner_id != call.partner.partner_id:
        raise param_error("partner_id in body does not match the query")


APIS = [
    Api("GET", "/api/v2/shop/auth_partner", PUBLIC, auth_partner),
    Api("POST", "/api/v2/auth/token/get", PUBLIC, get_access_token),
    Api("POST", "/api/v2/auth/access_token/get", PUBLIC, refresh_access_token),
]
