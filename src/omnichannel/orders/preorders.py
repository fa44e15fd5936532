"""Is a line sold on pre-order? Then its order waits until the pre-order ends and stock arrives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from omnichannel.catalog.models import Listing
from omnichannel.inventory import sql
from omnichannel.inventory.models import StockPolicy
from omnichannel.orders import batch
from omnichannel.orders.models import OrderLine


def preorder_listings(lines: list[OrderLine], now: datetime) -> list[Listing]:
    """The lines' listings whose pre-order is running now (most specific policy wins)."""
    listings = [line.listing for line in lines if line.listing]
    if not listings:
        return []  # no line sold through a listing (POS, manual): no query at all
    policies = batch.preorder_policies_of(listings)  # the common case: none, in one statement
    running = []
    for listing in listings:
        policy = deciding_preorder_policy(listing, policies)
        if policy and (policy.preorder_until is None or policy.preorder_until > now):
            running.append(listing)
    return running


def preorder_policies(listings: Sequence[Listing]) -> list[StockPolicy]:
    """The policies that set a pre-order and may apply to ``listings``, in one statement
    per tenant (an order's listings are all its tenant's)."""
    found = []
    for tenant_id in {listing.tenant_id for listing in listings}:
        mine = [listing for listing in listings if listing.tenant_id == tenant_id]
        found += sql.policies_in_scope(
            tenant_id,
            {listing.connection_id for listing in mine},
            {listing.product_id for listing in mine if listing.product_id},
            [listing.pk for listing in mine],
        )
    return [policy for policy in found if policy.preorder_quantity is not None]


def deciding_preorder_policy(
    listing: Listing, policies: Sequence[StockPolicy]
) -> StockPolicy | None:
    """The most specific of ``policies`` that applies to the listing: listing > SKU >
    connection > tenant."""

    def specificity(policy: StockPolicy) -> int | None:
        if policy.tenant_id != listing.tenant_id:
            return None
        if policy.listing_id:
            return 0 if policy.listing_id == listing.pk else None
        if policy.product_id:
            return 1 if policy.product_id == listing.product_id else None
        if policy.connection_id:
            return 2 if policy.connection_id == listing.connection_id else None
        return 3

    ranked = [(rank, policy) for policy in policies if (rank := specificity(policy)) is not None]
    return min(ranked, key=lambda pair: pair[0], default=(None, None))[1]
