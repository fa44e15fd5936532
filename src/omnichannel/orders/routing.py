"""Which warehouse fills an order: routing rules first, then the shop's warehouses by priority.

A candidate is taken only if it can fill the whole order (bundles count as their
components), unless its rule says stock does not matter. No candidate → the order is held
``insufficient_stock`` and retried when stock arrives.
"""

from __future__ import annotations

from collections import Counter

from omnichannel.catalog.models import BundleComponent, Product
from omnichannel.inventory.models import ConnectionWarehouse, StockLevel, Warehouse
from omnichannel.orders.models import Order, RoutingRule


def stock_needs(lines: list[tuple[Product, int]]) -> Counter[int]:
    """Units needed per stocked product id, bundles expanded into their components."""
    needs: Counter[int] = Counter()
    components: dict[int, list[tuple[int, int]]] = {}
    for component in BundleComponent.objects.filter(bundle__in=[p for p, _ in lines]):
        components.setdefault(component.bundle_id, []).append(
            (component.component_id, component.quantity)
        )
    for product, quantity in lines:
        for product_id, per_unit in components.get(product.pk, [(product.pk, 1)]):
            needs[product_id] += per_unit * quantity
    return needs


def can_fill(warehouse: Warehouse, needs: Counter[int]) -> bool:
    if warehouse.allow_negative_stock:
        return True
    levels = StockLevel.objects.filter(warehouse=warehouse, product_id__in=needs)
    free = {level.product_id: level.on_hand - level.reserved for level in levels}
    return all(free.get(product_id, 0) >= quantity for product_id, quantity in needs.items())


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
    needs = stock_needs(lines)
    for warehouse, needs_stock in candidates(order, [p for p, _ in lines]):
        if not needs_stock or can_fill(warehouse, needs):
            return warehouse
    return None
