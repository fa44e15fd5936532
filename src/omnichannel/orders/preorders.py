"""Is a line sold on pre-order? Then its order waits until the pre-order ends and stock arrives."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from omnichannel.catalog.models import Listing
from omnichannel.inventory.models import StockPolicy
from omnichannel.orders.models import OrderLine


def preorder_listings(lines: list[OrderLine], now: datetime) -> list[Listing]:
    """The lines' listings whose pre-order is running now (most specific policy wins)."""
    tenant_ids = {line.listing.tenant_id for line in lines if line.listing}
    if not tenant_ids:
        return []  # no line sold through a listing (POS, manual): no query at all
    if not StockPolicy.objects.filter(
        tenant_id__in=tenant_ids, preorder_quantity__isnull=False
    ).exists():
        return []  # the common case, in one query
    running = []
    for line in lines:
        if line.listing is None:
            continue
        policy = deciding_preorder_policy(line.listing)
        if policy and (policy.preorder_until is None or policy.preorder_until > now):
            running.append(line.listing)
    return running


def deciding_preorder_policy(listing: Listing) -> StockPolicy | None:
    """The most specific policy that sets a pre-order: listing > SKU > connection > tenant."""
    scopes = (
        Q(listing=listing)
        | Q(product_id=listing.product_id, product__isnull=False)
        | Q(connection_id=listing.connection_id, connection__isnull=False)
        | Q(listing__isnull=True, product__isnull=True, connection__isnull=True)
    )
    policies = StockPolicy.objects.filter(
        scopes, tenant_id=listing.tenant_id, preorder_quantity__isnull=False
    )

    def specificity(policy: StockPolicy) -> int:
        return (
            0 if policy.listing_id else 1 if policy.product_id else 2 if policy.connection_id else 3
        )

    return min(policies, key=specificity, default=None)
