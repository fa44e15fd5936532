"""Shopee token answers as unified token sets."""

from __future__ import annotations

from datetime import datetime, timedelta

from omnichannel.connectors.shopee import schemas
from omnichannel.unified.auth import TokenSet


def to_token_set(token: schemas.TokenResponse, shop_id: str | None, now: datetime) -> TokenSet:
    """Shopee gives lifetimes in seconds; refresh tokens last 30 days and are single-use."""
    return TokenSet(
        access_token=token.access_token,
        refresh_token=token.refresh_token,
        access_expires_at=now + timedelta(seconds=token.expire_in),
        refresh_expires_at=now + timedelta(days=30),
        shop_id=str(token.shop_id) if token.shop_id else shop_id,
    )
