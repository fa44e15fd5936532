"""Shopee push notifications: verify the Authorization signature, parse into events.

Shopee signs ``<full callback URL>|<raw body>`` with the partner key (HMAC-SHA256, hex).
Verify on the raw bytes: re-serialising the JSON would change them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from omnichannel.connectors.shopee import mapping, schemas, vocab
from omnichannel.unified.events import WebhookEvent, WebhookKind

KINDS: dict[int, WebhookKind] = {
    vocab.PUSH_SHOP_AUTHORIZED: WebhookKind.SHOP_AUTHORIZED,
    vocab.PUSH_SHOP_DEAUTHORIZED: WebhookKind.SHOP_DEAUTHORIZED,
    vocab.PUSH_ORDER_STATUS: WebhookKind.ORDER_STATUS,
    vocab.PUSH_TRACKING_NUMBER: WebhookKind.ORDER_TRACKING,
    vocab.PUSH_ITEM_BANNED: WebhookKind.ITEM_BANNED,
    vocab.PUSH_RESERVED_STOCK: WebhookKind.RESERVED_STOCK,
    vocab.PUSH_AUTHORIZATION_EXPIRY: WebhookKind.AUTHORIZATION_EXPIRING,
    vocab.PUSH_SHIPPING_DOCUMENT: WebhookKind.SHIPPING_DOCUMENT,
}


def push_signature(partner_key: str, url: str, body: bytes) -> str:
    message = url.encode() + b"|" + body
    return hmac.new(partner_key.encode(), message, hashlib.sha256).hexdigest()


def verify(partner_key: str, url: str, headers: Mapping[str, str], body: bytes) -> bool:
    """True when the Authorization header is the push signature of this URL and body."""
    given = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if not given:
        return False
    return hmac.compare_digest(given.strip().lower(), push_signature(partner_key, url, body))


def parse(body: bytes) -> list[WebhookEvent]:
    """One event per push. The dedup key is the body's hash: Shopee has no delivery id,
    and a re-delivery of the same push carries the same bytes.

    Parsed once, as plain JSON: the event keeps the push as received (floats stay floats),
    and what is read from it (code, shop, order, status, times) has no decimals. Intake
    parses every push, and processing each stored one again."""
    raw = loads_plain(body)
    message = schemas.PushMessage.model_validate(raw)
    data = message.data
    order_sn = data.get("ordersn") or data.get("order_sn")
    return [
        WebhookEvent(
            channel=mapping.CHANNEL,
            kind=KINDS.get(message.code, WebhookKind.OTHER),
            channel_code=str(message.code),
            dedup_key=hashlib.sha256(body).hexdigest(),
            shop_id=str(message.shop_id) if message.shop_id else None,
            order_ids=[str(order_sn)] if order_sn else [],
            status=data.get("status"),
            occurred_at=mapping.from_timestamp(data.get("update_time") or message.timestamp),
            raw=raw,
        )
    ]


def loads_plain(body: bytes) -> dict:
    """The raw push as plain JSON types (floats stay floats), for storing as received."""
    return json.loads(body)
