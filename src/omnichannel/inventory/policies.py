"""Stock policies and connection warehouse sets: change them, and recompute the listings
they govern in the same transaction. Also the simulator, which changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from omnichannel.catalog.models import Listing
from omnichannel.channels.models import Connection
from omnichannel.errors import Conflict, Unprocessable
from omnichannel.inventory.availability import Availability
from omnichannel.inventory.models import ConnectionWarehouse, StockPolicy, Warehouse
from omnichannel.inventory.targets import load_context, policy_values, recompute

RULES = (
    "safety_stock",
    "zero_below",
    "allocation_kind",
    "allocation_value",
    "max_listed",
    "low_stock_threshold",
    "low_stock_priority",
    "preorder_quantity",
    "preorder_until",
    "note",
)


def governed(policy: StockPolicy) -> Q:
    """The listings a policy can affect."""
    if policy.listing_id:
        return Q(pk=policy.listing_id)
    if policy.product_id:
        return Q(product_id=policy.product_id)
    if policy.connection_id:
        return Q(connection_id=policy.connection_id)
    return Q()


def check_rules(policy: StockPolicy) -> None:
    if bool(policy.allocation_kind) != (policy.allocation_value is not None):
        raise Unprocessable(
            "allocation_kind and allocation_value are set together.",
            code="stock_policy.invalid_allocation",
        )
    if policy.allocation_kind == StockPolicy.Allocation.PERCENT and policy.allocation_value > 100:
        raise Unprocessable(
            "A percentage allocation is at most 100.", code="stock_policy.invalid_allocation"
        )
    if policy.preorder_until is not None and policy.preorder_quantity is None:
        raise Unprocessable(
            "preorder_until needs a preorder_quantity.", code="stock_policy.invalid_preorder"
        )


def save_policy(policy: StockPolicy, rules: dict[str, Any]) -> StockPolicy:
    """Create or change a policy and recompute the listings it governs."""
    for name, value in rules.items():
        setattr(policy, name, value)
    policy.allocation_kind = policy.allocation_kind or ""
    check_rules(policy)
    try:
        with transaction.atomic():
            policy.save()
            recompute(policy.tenant_id, governed(policy))
    except IntegrityError as exc:
        raise Conflict(
            f"A {policy.scope} policy exists; change that one.",
            code="stock_policy.exists",
            details={"scope": policy.scope},
        ) from exc
    return policy


def delete_policy(policy: StockPolicy) -> None:
    with transaction.atomic():
        scope = governed(policy)
        policy.delete()
        recompute(policy.tenant_id, scope)


@dataclass(frozen=True)
class WarehouseLink:
    warehouse: Warehouse
    priority: int


def set_connection_warehouses(connection: Connection, links: Sequence[WarehouseLink]) -> None:
    """Replace the warehouses serving a connection (empty = all active warehouses)."""
    if len({link.warehouse.pk for link in links}) != len(links):
        raise Unprocessable("A warehouse is listed twice.", code="stock_policy.duplicate_warehouse")
    with transaction.atomic():
        ConnectionWarehouse.objects.filter(connection=connection).delete()
        ConnectionWarehouse.objects.bulk_create(
            ConnectionWarehouse(
                connection=connection, warehouse=link.warehouse, priority=link.priority
            )
            for link in links
        )
        recompute(connection.tenant_id, Q(connection=connection))


@dataclass(frozen=True)
class Simulated:
    listing: Listing
    current: int | None
    availability: Availability


def simulate(
    tenant_id: int, proposals: Sequence[tuple[StockPolicy, bool]], listing_filter: Q | None
) -> list[Simulated]:
    """What the listings would show with the proposed policies; nothing is saved.

    Each proposal is an unsaved policy with its scope set and its rules as proposed, and
    whether it is to be removed. Without ``listing_filter``, the listings the proposals
    govern are simulated.
    """
    for policy, removed in proposals:
        if not removed:
            check_rules(policy)
    if listing_filter is None:
        listing_filter = Q(pk__in=[])
        for policy, _ in proposals:
            listing_filter |= governed(policy)
    listings = list(
        Listing.objects.filter(listing_filter, tenant_id=tenant_id)
        .select_related("product")
        .order_by("pk")[:1000]
    )
    context = load_context(tenant_id, listings)
    for policy, removed in proposals:
        context.policies.apply(policy, None if removed else policy_values(policy))
    return [
        Simulated(listing, listing.target_qty, context.availability(listing))
        for listing in listings
    ]
