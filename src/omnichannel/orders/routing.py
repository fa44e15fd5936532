"""Which warehouse fills an order: routing rules first, then the shop's warehouses by priority.

A candidate is taken only if it can fill the whole order (bundles count as their
components), unless its rule says stock does not matter. No candidate → the order is held
``insufficient_stock`` and retried when stock arrives.
"""

from __future__ import annotations

from omnichannel.catalog.models import Product
from omnichannel.inventory.models import ConnectionWarehouse, Warehouse
from omnichannel.inventory.services import able_to_supply
from omnichannel.orders.models import Order, RoutingRule


def rule_matches(rule: RoutingRule, order: Order, categories: set[str]) -> bool:
    if rule.connection_id and rule.connection_id != order.connection_id:
        return False
    return not rule.product_category or rule.product_category in categories


def candidates(order: Order, products: list[Product]) -> list[tuple[Warehouse, bool]]:
    """Warehouses to try, in order, each with whether it must have the stock."""
    categories = {p.category for p in products if p.category}
    rules = RoutingRule.objects.filter(tenant=order.tenant, active=True).select_related("warehouse")
    chosen = [(r.warehouse, r.require_stock) for r in rules if rule_matches(r, order, categories)]
    links = ConnectionWarehouse.objects.filter(connection=order.connection).select_related(
        "warehouse"
    )
    chosen += [(link.warehouse, True) for link in links]
    if not links:
        chosen += [(w, True) for w in Warehouse.objects.filter(tenant=order.tenant).order_by("pk")]
    return [(warehouse, needs_stock) for warehouse, needs_stock in chosen if warehouse.active]


def choose_warehouse(order: Order, lines: list[tuple[Product, int]]) -> Warehouse | None:
    """The first candidate that may take the order; every candidate's stock is read at once."""
    chosen = candidates(order, [p for p, _ in lines])
    able = able_to_supply([w for w, needs_stock in chosen if needs_stock], lines)
    for warehouse, needs_stock in chosen:
        if not needs_stock or warehouse.pk in able:
            return warehouse
    return None
