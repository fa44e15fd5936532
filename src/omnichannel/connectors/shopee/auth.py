"""Shopee shop authorization: the seller's link, the code exchange, token refresh."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from omnichannel.connectors.base import Authorizing, ConnectorSettings
from omnichannel.connectors.errors import InvalidRequest
from omnichannel.connectors.shopee import schemas
from omnichannel.connectors.shopee.client import ShopeeClient
from omnichannel.connectors.shopee.mapping import to_token_set
from omnichannel.connectors.transport import Transport
from omnichannel.unified.auth import TokenSet


class ShopeeAuthorizing(Authorizing):
    settings: ConnectorSettings
    transport: Transport
    client: ShopeeClient

    def authorize_url(self, redirect_url: str) -> str:
        """Link valid 5 minutes; Shopee redirects to ``redirect_url?code=..&shop_id=..``."""
        path = "/api/v2/shop/auth_partner"
        query = [*self.client.public_params(path), ("redirect", redirect_url)]
        return f"{self.settings.api_base_url.rstrip('/')}{path}?{urlencode(query)}"

    def exchange_code(self, callback_params: Mapping[str, str]) -> TokenSet:
        try:
            code, shop_id = callback_params["code"], callback_params["shop_id"]
        except KeyError as missing:
            raise InvalidRequest(f"callback lacks {missing.args[0]}") from None
        now = self.transport.clock()
        body = {"code": code, "shop_id": int(shop_id), "partner_id": self.client.partner_id}
        raw = self.client.call(
            "POST", "/api/v2/auth/token/get", family="auth", body=body, public=True
        )
        return to_token_set(schemas.TokenResponse.model_validate(raw), shop_id, now)

    def refresh_tokens(self, refresh_token: str) -> TokenSet:
        """Never retried here: the refresh token is single-use, a repeat would be refused."""
        now = self.transport.clock()
        body = {
            "refresh_token": refresh_token,
            "partner_id": self.client.partner_id,
            "shop_id": self.client.shop_id,
        }
        raw = self.client.call(
            "POST", "/api/v2/auth/access_token/get", family="auth", body=body, public=True
        )
        token = schemas.TokenResponse.model_validate(raw)
        return to_token_set(token, self.settings.shop_id, now)
