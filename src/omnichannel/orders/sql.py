"""The order path's statements, written out in plain SQL (decision 0008).

Every new order maps its lines, routes, checks for a running pre-order and reserves;
through the ORM, building and compiling those queries was most of the request. The
helpers (``table``, ``one_of``, ``instances``) are the stock engine's, in
``inventory/sql.py``; the same rules hold: SQL that SQLite 3.35+ and PostgreSQL share,
table names from the models, never an ``IN ()`` from an empty list.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import cache
from typing import Any

from django.db import connection

from omnichannel.catalog.models import BundleComponent, Listing, Product
from omnichannel.fulfillment.models import Shipment
from omnichannel.inventory.models import ConnectionWarehouse, Reservation, Warehouse
from omnichannel.inventory.sql import (
    for_update,
    instances,
    instances_later,
    loaded,
    one_of,
    table,
)
from omnichannel.orders.models import Order, OrderLine, RoutingRule

BY_ITEM, BY_CHANNEL_SKU, BY_SKU = 0, 1, 2
"""How a row of ``line_matches`` was found: a listing by the channel's item and variant
ids, a listing by channel SKU, or a product by master SKU."""

# In the model's field order: Model.from_db takes a subset of fields in that order.
MATCHED_LISTING_FIELDS = tuple(
    field.attname
    for field in Listing._meta.concrete_fields
    if field.attname
    in {
        "id",
        "tenant_id",
        "connection_id",
        "product_id",
        "external_item_id",
        "external_variant_id",
        "channel_sku",
        "status",
    }
)
LISTING_PREFIX = "listing_"

RULE, LINK, ANY_WAREHOUSE = 0, 1, 2
"""Where a routing candidate comes from, in the order they are tried."""


def may_be_bundle(product: Product) -> bool:
    """False only for a product ``line_matches`` found without components: its bundle
    components need no statement. Any other product may be a bundle."""
    return getattr(product, "has_components", True)


def line_matches(
    connection_id: int, tenant_id: int, item_ids: Collection[str], skus: Collection[str]
) -> list[Product]:
    """Everything that may map an order's lines, in one statement: the connection's
    listings with these item ids or channel SKUs and the tenant's products with these
    master SKUs. Each row is the product (its id None for a listing mapped to none) with
    ``has_components`` (a bundle), ``match_kind`` (``BY_ITEM``, ``BY_CHANNEL_SKU``,
    ``BY_SKU``) and, for a listing, its ``MATCHED_LISTING_FIELDS`` prefixed ``listing_``.
    The caller picks by precedence."""
    of_listings, of_products = line_match_selects(connection.vendor)
    branches: list[str] = []
    params: list[Any] = []
    if item_ids:
        items = one_of(item_ids, "text")
        branches.append(f"{of_listings} AND listing.external_item_id {items.sql}")
        params += [BY_ITEM, connection_id, *items.params]
    if skus:
        sku = one_of(skus, "text")
        branches.append(f"{of_listings} AND listing.channel_sku {sku.sql}")
        params += [BY_CHANNEL_SKU, connection_id, *sku.params]
        branches.append(f"{of_products} AND product.sku {sku.sql}")
        params += [BY_SKU, tenant_id, *sku.params]
    if not branches:
        return []
    return instances(Product, " UNION ALL ".join(branches), params)


@cache
def line_match_selects(vendor: str) -> tuple[str, str]:
    """The two SELECTs of ``line_matches`` (listings of a connection, products of a
    tenant) up to their ``IN`` lists: built once."""
    quote = connection.ops.quote_name
    listing_columns = ", ".join(
        f"listing.{quote(Listing._meta.get_field(name).column)} AS {LISTING_PREFIX}{name}"
        for name in MATCHED_LISTING_FIELDS
    )
    no_listing = ", ".join(f"NULL AS {LISTING_PREFIX}{name}" for name in MATCHED_LISTING_FIELDS)
    product = (
        f"product.*, EXISTS (SELECT 1 FROM {table(BundleComponent)} part"
        f" WHERE part.bundle_id = product.id) AS has_components, %s AS match_kind"
    )
    return (
        f"SELECT {product}, {listing_columns} FROM {table(Listing)} listing"
        f" LEFT JOIN {table(Product)} product ON product.id = listing.product_id"
        f" WHERE listing.connection_id = %s",
        f"SELECT {product}, {no_listing} FROM {table(Product)} product"
        f" WHERE product.tenant_id = %s",
    )


def matched_listing(row: Product) -> Listing:
    """The listing of a ``line_matches`` row found by item ids or channel SKU, with its
    product (or None) in hand; its fields other than ``MATCHED_LISTING_FIELDS`` are
    deferred."""
    listing = loaded(
        Listing,
        connection.alias,
        MATCHED_LISTING_FIELDS,
        [getattr(row, LISTING_PREFIX + name) for name in MATCHED_LISTING_FIELDS],
    )
    listing.product = row if row.pk is not None else None
    return listing


def routing_candidates(tenant_id: int, connection_id: int) -> list[Warehouse]:
    """Every warehouse routing may try for an order of the connection, in one statement, in
    the order they are tried: the tenant's active rules (by priority, then id), the
    connection's linked warehouses (by priority, then link), or, with no link, all the
    tenant's warehouses (by id). Each warehouse comes with ``source`` (``RULE``, ``LINK``,
    ``ANY_WAREHOUSE``), ``require_stock``, and for a rule its ``rule_connection_id`` and
    ``rule_category`` (None otherwise). Inactive warehouses are included."""
    return routing_candidates_later(tenant_id, connection_id)()


def routing_candidates_later(tenant_id: int, connection_id: int) -> Callable[[], list[Warehouse]]:
    """``routing_candidates``, sent now and read when called (``instances_later``)."""
    return instances_later(
        Warehouse,
        routing_candidates_sql(connection.vendor),
        [RULE, tenant_id, True, LINK, True, connection_id]
        + [ANY_WAREHOUSE, True, tenant_id, connection_id],
    )


@cache
def routing_candidates_sql(vendor: str) -> str:
    rule, link, warehouse = table(RoutingRule), table(ConnectionWarehouse), table(Warehouse)
    return (
        f"SELECT warehouse.*, %s AS source, rule.priority AS rank, rule.id AS tie,"
        f" rule.connection_id AS rule_connection_id, rule.product_category AS rule_category,"
        f" rule.require_stock AS require_stock"
        f" FROM {rule} rule JOIN {warehouse} warehouse ON warehouse.id = rule.warehouse_id"
        f" WHERE rule.tenant_id = %s AND rule.active = %s"
        f" UNION ALL"
        f" SELECT warehouse.*, %s, link.priority, link.id, NULL, NULL, %s"
        f" FROM {link} link JOIN {warehouse} warehouse ON warehouse.id = link.warehouse_id"
        f" WHERE link.connection_id = %s"
        f" UNION ALL"
        f" SELECT warehouse.*, %s, 0, warehouse.id, NULL, NULL, %s FROM {warehouse} warehouse"
        f" WHERE warehouse.tenant_id = %s"
        f" AND NOT EXISTS (SELECT 1 FROM {link} link WHERE link.connection_id = %s)"
        f" ORDER BY source, rank, tie"
    )


def locked_orders(connection_id: int, external_ids: Collection[str]) -> dict[str, Order]:
    """The connection's orders with these external ids, by external id, locked in id order
    on PostgreSQL until the transaction ends: one statement for a whole detail batch."""
    if not external_ids:
        return {}
    ids = one_of(external_ids, "text")
    found = instances(
        Order,
        f"SELECT * FROM {table(Order)} WHERE connection_id = %s"
        f" AND external_id {ids.sql} ORDER BY id{for_update()}",
        [connection_id, *ids.params],
    )
    return {order.external_id: order for order in found}


def stored_order(order_id: int) -> tuple[Order, list[OrderLine], list[Shipment]]:
    """An order as stored, in three statements rather than the ORM's five (compiling them
    was most of a ``GET``): the order with its warehouse's code (``warehouse_code``), its
    lines in id order, each with its product's SKU (``product_sku``, None when unmapped)
    and the units its open reservations hold (``open_units``), and its shipments in id
    order. What ``orders.schemas.order_snapshot`` shows."""
    (order,) = instances(
        Order,
        f"SELECT o.*, w.code AS warehouse_code FROM {table(Order)} o"
        f" LEFT JOIN {table(Warehouse)} w ON w.id = o.warehouse_id WHERE o.id = %s",
        [order_id],
    )
    lines = instances(
        OrderLine,
        f"SELECT line.*, product.sku AS product_sku, COALESCE((SELECT SUM(r.quantity)"
        f" FROM {table(Reservation)} r WHERE r.order_line_id = line.id AND r.state = %s), 0)"
        f" AS open_units FROM {table(OrderLine)} line"
        f" LEFT JOIN {table(Product)} product ON product.id = line.product_id"
        f" WHERE line.order_id = %s ORDER BY line.id",
        [Reservation.State.OPEN.value, order_id],
    )
    shipments = instances(
        Shipment, f"SELECT * FROM {table(Shipment)} WHERE order_id = %s ORDER BY id", [order_id]
    )
    return order, lines, shipments
