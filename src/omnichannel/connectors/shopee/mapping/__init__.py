"""Pure translation between Shopee payloads (schemas.py) and unified models. No I/O.

One module per idea, as the connector's capability parts: ``orders``, ``catalog``,
``stock``, ``logistics``, ``returns``, ``auth``; ``common`` holds what they share. The
names below are the package's public surface, so callers write ``mapping.to_unified_order``.
"""

from omnichannel.connectors.shopee.mapping.auth import to_token_set
from omnichannel.connectors.shopee.mapping.catalog import (
    add_item_payload,
    init_tier_variation_payload,
    to_attribute,
    to_category,
    to_channel_item,
    update_item_payload,
    update_price_payload,
)
from omnichannel.connectors.shopee.mapping.common import CHANNEL, from_timestamp, to_timestamp
from omnichannel.connectors.shopee.mapping.logistics import (
    ship_order_payload,
    to_shipping_options,
    to_tracking,
)
from omnichannel.connectors.shopee.mapping.orders import to_unified_order
from omnichannel.connectors.shopee.mapping.returns import to_unified_return
from omnichannel.connectors.shopee.mapping.stock import (
    NO_MODEL,
    stock_update_payload,
    to_channel_stock,
    to_stock_results,
)

__all__ = [
    "CHANNEL",
    "NO_MODEL",
    "add_item_payload",
    "from_timestamp",
    "init_tier_variation_payload",
    "ship_order_payload",
    "stock_update_payload",
    "to_attribute",
    "to_category",
    "to_channel_item",
    "to_channel_stock",
    "to_shipping_options",
    "to_stock_results",
    "to_timestamp",
    "to_token_set",
    "to_tracking",
    "to_unified_order",
    "to_unified_return",
    "update_item_payload",
    "update_price_payload",
]
