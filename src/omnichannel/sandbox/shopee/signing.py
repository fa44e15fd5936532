"""Shopee Open Platform v2 signatures, exactly as documented.

Request ``sign``: lowercase hex HMAC-SHA256 with the partner key (UTF-8 text, not hex-decoded)
over ``partner_id + api_path + timestamp`` for Public APIs, with ``access_token + shop_id``
appended for Shop APIs. Nothing else (other query parameters, the body) is signed.

Push ``Authorization`` header: lowercase hex HMAC-SHA256 with the partner key over
``callback_url + "|" + raw_body``.
"""

from __future__ import annotations

import hashlib
import hmac


def base_string(
    partner_id: int | str,
    path: str,
    timestamp: int | str,
    access_token: str | None = None,
    shop_id: int | str | None = None,
) -> str:
    """The string Shopee signs: Public API without token and shop, Shop API with both."""
    base = f"{partner_id}{path}{timestamp}"
    if access_token is not None and shop_id is not None:
        base += f"{access_token}{shop_id}"
    return base


def hmac_hex(partner_key: str, message: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``message`` keyed with ``partner_key``."""
    return hmac.new(partner_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign(
    partner_key: str,
    partner_id: int | str,
    path: str,
    timestamp: int | str,
    access_token: str | None = None,
    shop_id: int | str | None = None,
) -> str:
    """The ``sign`` query parameter for one call."""
    return hmac_hex(partner_key, base_string(partner_id, path, timestamp, access_token, shop_id))


def push_signature(partner_key: str, callback_url: str, body: bytes | str) -> str:
    """The ``Authorization`` header Shopee sends with a push to ``callback_url``."""
    text = body.decode() if isinstance(body, bytes) else body
    return hmac_hex(partner_key, f"{callback_url}|{text}")


def signatures_equal(expected: str, given: str) -> bool:
    """Constant-time comparison (a simulator should not teach timing leaks either)."""
    return hmac.compare_digest(expected.encode(), given.lower().encode())
