"""Authorization codes and tokens: issue, exchange, rotate, check, revoke.

Documented behaviour reproduced here: a ``code`` is single-use and lives 10 minutes; an
access token lives 4 hours (configurable per simulator); a refresh token lives 30 days and
is single-use, each refresh returning a new pair; the previous access token keeps working
5 minutes after a refresh; a cancelled authorization kills every token of the shop.
"""

from __future__ import annotations

import secrets

from omnichannel.sandbox.shopee.envelope import ShopeeError
from omnichannel.sandbox.shopee.state import (
    AUTH_CODE_SECONDS,
    AUTHORIZATION_SECONDS,
    OLD_ACCESS_TOKEN_GRACE_SECONDS,
    REFRESH_TOKEN_SECONDS,
    AccessToken,
    AuthCode,
    Authorization,
    RefreshToken,
    ShopeeState,
)

INVALID_ACCESS_TOKEN = "Invalid access_token."


def _token() -> str:
    """32 hex characters, the shape of Shopee's tokens and codes."""
    return secrets.token_hex(16)


def grant_authorization(state: ShopeeState, partner_id: int, shop_id: int) -> AuthCode:
    """The seller approves ``partner_id`` on ``shop_id``: (re)link them and issue a code."""
    now = state.clock.now()
    state.authorizations[(partner_id, shop_id)] = Authorization(
        partner_id=partner_id,
        shop_id=shop_id,
        auth_time=int(now),
        expire_time=int(now + AUTHORIZATION_SECONDS),
    )
    code = AuthCode(_token(), partner_id, shop_id, expires_at=now + AUTH_CODE_SECONDS)
    state.auth_codes[code.code] = code
    return code


def _linked(state: ShopeeState, partner_id: int, shop_id: int) -> Authorization | None:
    authorization = state.authorizations.get((partner_id, shop_id))
    if authorization is None or authorization.revoked:
        return None
    return authorization


def _issue_pair(
    state: ShopeeState, partner_id: int, shop_id: int, access_seconds: int
) -> tuple[AccessToken, RefreshToken]:
    now = state.clock.now()
    access = AccessToken(_token(), partner_id, shop_id, expires_at=now + access_seconds)
    refresh = RefreshToken(
        _token(), partner_id, shop_id, now + REFRESH_TOKEN_SECONDS, access_token=access.token
    )
    state.access_tokens[access.token] = access
    state.refresh_tokens[refresh.token] = refresh
    return access, refresh


def exchange_code(
    state: ShopeeState, partner_id: int, code: str, shop_id: int | None, access_seconds: int
) -> tuple[AccessToken, RefreshToken]:
    """``/api/v2/auth/token/get``: a fresh code (for that shop) becomes a token pair."""
    grant = state.auth_codes.get(code)
    if grant is None or grant.used or grant.expires_at <= state.clock.now():
        raise ShopeeError(
            "invalid_code", "The code is expired or used or invalid, please check the code."
        )
    if grant.partner_id != partner_id:
        raise ShopeeError("invalid_partner_id", "Invalid partner_id, please have a check.")
    if shop_id is None or grant.shop_id != shop_id:
        raise ShopeeError(
            "invalid_shop_id", "The code or shop_id is wrong, please check the code or the shop_id."
        )
    grant.used = True
    return _issue_pair(state, partner_id, grant.shop_id, access_seconds)


def refresh(
    state: ShopeeState, partner_id: int, refresh_token: str, shop_id: int, access_seconds: int
) -> tuple[AccessToken, RefreshToken]:
    """``/api/v2/auth/access_token/get``: rotate. The old refresh token dies right away."""
    now = state.clock.now()
    current = state.refresh_tokens.get(refresh_token)
    if current is None or current.used or current.partner_id != partner_id:
        raise ShopeeError(
            "error_shop_refresh_token",
            "Your refresh token is error ,please check refresh token or shopid.",
        )
    if current.shop_id != shop_id:
        raise ShopeeError(
            "error_shop_refresh_token",
            "Your refresh token is error ,please check refresh token or shopid.",
        )
    if current.expires_at <= now:
        raise ShopeeError("refresh_token_expired", "Your refresh_token expired.")
    authorization = _linked(state, partner_id, shop_id)
    if authorization is None:
        raise ShopeeError("shop_no_linked", "Partner and shop has no linked.")
    if authorization.expire_time <= now:
        raise ShopeeError("shop_access_expired", "Your access to shop has expired.")
    current.used = True
    previous = state.access_tokens.get(current.access_token)
    if previous is not None:
        previous.expires_at = min(previous.expires_at, now + OLD_ACCESS_TOKEN_GRACE_SECONDS)
    return _issue_pair(state, partner_id, shop_id, access_seconds)


def check_access_token(state: ShopeeState, partner_id: int, shop_id: int, token: str) -> None:
    """Raise the documented error unless ``token`` may call Shop APIs for ``shop_id``.

    Unknown, foreign or revoked → ``error_auth``; expired → ``invalid_acceess_token`` (sic,
    the spelling clients observe from the live platform).
    """
    access = state.access_tokens.get(token)
    if access is None or access.partner_id != partner_id or access.shop_id != shop_id:
        raise ShopeeError("error_auth", INVALID_ACCESS_TOKEN)
    if _linked(state, partner_id, shop_id) is None:
        raise ShopeeError("error_auth", INVALID_ACCESS_TOKEN)
    if access.expires_at <= state.clock.now():
        raise ShopeeError("invalid_acceess_token", INVALID_ACCESS_TOKEN)


def revoke(state: ShopeeState, shop_id: int, partner_id: int | None = None) -> int:
    """Cancel authorizations of ``shop_id`` (for one partner or all); returns how many."""
    count = 0
    for (linked_partner, linked_shop), authorization in state.authorizations.items():
        wanted = linked_shop == shop_id and partner_id in (None, linked_partner)
        if wanted and not authorization.revoked:
            authorization.revoked = True
            count += 1
    return count
