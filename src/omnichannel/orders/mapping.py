"""Which listing and master SKU a channel line is for: by the channel's item and variant
ids, then by channel SKU, then by master SKU (POS and manual lines)."""

from __future__ import annotations

from collections.abc import Sequence

from omnichannel.catalog.models import Listing, Product
from omnichannel.channels.models import Connection
from omnichannel.orders import sql

LineKeys = tuple[str | None, str | None, str | None]
"""A channel line's (item id, variant id, channel SKU)."""


def map_lines(
    connection: Connection, keys: Sequence[LineKeys]
) -> list[tuple[Listing | None, Product | None]]:
    """The listing and master SKU each channel line is for: by the channel's item and
    variant ids, then by channel SKU (the lowest listing id); failing both, the channel SKU
    as a master SKU (POS and manual). One statement, whatever the number of lines."""
    skus = [sku or "" for _, _, sku in keys]
    by_ids: dict[tuple[str, str], Listing] = {}
    by_sku: dict[str, Listing] = {}
    products: dict[str, Product] = {}
    for row in sql.line_matches(
        connection.pk,
        connection.tenant_id,
        {item_id for item_id, _, _ in keys if item_id},
        {sku for sku in skus if sku},
    ):
        if row.match_kind == sql.BY_SKU:
            products[row.sku] = row
            continue
        listing = sql.matched_listing(row)
        if row.match_kind == sql.BY_ITEM:
            by_ids[(listing.external_item_id, listing.external_variant_id)] = listing
        elif listing.channel_sku not in by_sku or listing.pk < by_sku[listing.channel_sku].pk:
            by_sku[listing.channel_sku] = listing
    found = [
        (by_ids.get((item, variant or "")) if item else None) or by_sku.get(sku)
        for (item, variant, _), sku in zip(keys, skus, strict=True)
    ]
    return [
        (x, x.product) if x else (None, products.get(sku))
        for sku, x in zip(skus, found, strict=True)
    ]


def map_line(
    connection: Connection, item_id: str | None, variant_id: str | None, channel_sku: str | None
) -> tuple[Listing | None, Product | None]:
    """``map_lines`` for one line."""
    return map_lines(connection, [(item_id, variant_id, channel_sku)])[0]
