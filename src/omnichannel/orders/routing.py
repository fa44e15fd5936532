"""Which warehouse fills an order: routing rules first, then the shop's warehouses by priority.

A candidate is taken only if it can fill the whole order (bundles count as their
components), unless its rule says stock does not matter. No candidate → the order is held
``insufficient_stock`` and retried when stock arrives.
"""

from __future__ import annotations

from omnichannel.catalog.models import Product
from omnichannel.inventory.levels import BundleParts
from omnichannel.inventory.models import Warehouse
from omnichannel.inventory.services import able_to_supply
from omnichannel.orders import batch, sql
from omnichannel.orders.models import Order


def rule_matches(candidate: Warehouse, order: Order, categories: set[str]) -> bool:
    """Whether the rule a ``sql.routing_candidates`` row comes from applies to the order."""
    if candidate.rule_connection_id and candidate.rule_connection_id != order.connection_id:
        return False
    return not candidate.rule_category or candidate.rule_category in categories


def candidates(order: Order, products: list[Product]) -> list[tuple[Warehouse, bool]]:
    """Warehouses to try, in order, each with whether it must have the stock."""
    categories = {p.category for p in products if p.category}
    return [
        (warehouse, bool(warehouse.require_stock))
        for warehouse in batch.routing_candidates(order.tenant_id, order.connection_id)
        if warehouse.active
        and (warehouse.source != sql.RULE or rule_matches(warehouse, order, categories))
    ]


def choose_warehouse(
    order: Order, lines: list[tuple[Product, int]], parts: BundleParts | None = None
) -> Warehouse | None:
    """The first candidate that may take the order; every candidate's stock is read at once.
    ``parts``: the lines' ``bundle_parts`` when the caller has read them already.

    A lone candidate is returned without reading its stock: reserving in it checks the
    same stock under the lock and holds the order ``insufficient_stock`` when short, as
    finding no candidate does (a shop served by one warehouse: one statement less)."""
    chosen = candidates(order, [p for p, _ in lines])
    if len(chosen) == 1:
        return chosen[0][0]
    able = able_to_supply([w for w, needs_stock in chosen if needs_stock], lines, parts)
    for warehouse, needs_stock in chosen:
        if not needs_stock or warehouse.pk in able:
            return warehouse
    return None
