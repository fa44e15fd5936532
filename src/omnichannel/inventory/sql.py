"""The stock engine's hottest statements, written out in plain SQL.

Every stock change (a movement, an order's reservation) and every routing decision runs
these reads and writes. Django spends ~0.3-0.4 ms building and compiling each ORM query,
around ten times what SQLite or PostgreSQL need to run one of these, so on the hot path
the ORM was most of the request. Only these few statements are written out; everything
else uses the ORM.

They use SQL that SQLite (3.35 or later, for ``RETURNING``) and PostgreSQL share, read
integer columns only, take table names from the models, and never build a statement
from an empty list. ``FOR UPDATE`` is added only where the database has it: SQLite's
``BEGIN IMMEDIATE`` already holds the whole database's write lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.utils import timezone
from psycopg.types.json import Jsonb

from omnichannel.catalog.models import BundleComponent, Listing, Product
from omnichannel.channels.models import Connection
from omnichannel.inventory.models import (
    ConnectionWarehouse,
    Reservation,
    StockLevel,
    StockMovement,
    StockPolicy,
    Warehouse,
)

M = TypeVar("M", bound=Model)

# From this many rows on, PostgreSQL gets a batch as one statement over column arrays;
# below, psycopg's pipelined executemany costs less. Measured on 40 listing updates in one
# transaction: executemany 850-890 us in the client and 1,175-1,300 on the server, arrays
# 520-540 and 400-450; at 8 rows the two cost the same in the client and arrays save a
# quarter on the server; at 2 rows executemany is cheaper in both.
ARRAY_ROWS = 10
# Rows per INSERT: well under SQLite's and PostgreSQL's limits on parameters per statement.
INSERT_CHUNK = 500
# In the model's field order: Model.from_db takes a subset of fields in that order.
LEVEL_COLUMNS = tuple(
    field.attname
    for field in StockLevel._meta.concrete_fields
    if field.attname in {"id", "tenant_id", "product_id", "warehouse_id", "on_hand", "reserved"}
)


@cache
def table(model: Any) -> str:
    """The model's table name, quoted: once per model (a process has one database)."""
    return connection.ops.quote_name(model._meta.db_table)


def marks(values: Collection[Any]) -> str:
    """``%s, %s, …`` for an ``IN (…)`` of ``values``. A list whose length varies from one
    run to the next on a hot path is better written with ``one_of``."""
    return ", ".join(["%s"] * len(values))


class OneOf(NamedTuple):
    """What follows a column to test it against a list of values, and its parameters."""

    sql: str
    params: list[Any]


def one_of(values: Collection[Any], db_type: str = "bigint") -> OneOf:
    """``IN (%s, …)`` with ``values`` as parameters; on PostgreSQL, for two values or more,
    ``= ANY(%s::type[])`` with one array parameter (``array_literal``) instead. The
    statement's text is then the same however many values a batch has, so each connection
    parses it once (prepared); written with ``IN`` lists, the listings' recompute was
    parsed anew for nearly every batch of orders, and parsed and planned it was a third of
    PostgreSQL's CPU for 5-line orders. One value stays ``= %s``: PostgreSQL knows it
    matches one row and keeps a generic plan, where for an array it supposes ten and plans
    each run anew (0.8 ms for the recompute's read, a single movement's). ``db_type`` is
    the column's (``text`` for the text columns, whatever their length)."""
    values = list(values)
    if connection.vendor != "postgresql":
        return OneOf(f"IN ({marks(values)})", values)
    if len(values) == 1:
        return OneOf("= %s", values)
    return OneOf(f"= ANY(%s::{db_type}[])", [array_literal(values)])


def fetch(sql: str, params: Sequence[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


Converter = Callable[[Any, Any, Any], Any]


@cache
def row_shape(
    model: type[Model], names: tuple[str | None, ...], vendor: str
) -> tuple[tuple[str, ...], list[int], list[tuple[int, list[Converter], Any]], list[int]]:
    """How to turn rows with columns ``names`` into ``model`` instances: the model fields
    read (in the model's order, as ``from_db`` wants them), the position of each in a row,
    the converters of the columns that need them (SQLite hands back text and integers for
    times, decimals, booleans, JSON), and the positions of extra columns (annotations)."""
    by_column = {field.column: field for field in model._meta.concrete_fields}
    fields = [by_column[name] for name in names if name in by_column]
    order = {field: n for n, field in enumerate(model._meta.concrete_fields)}
    fields.sort(key=order.__getitem__)
    positions = [names.index(field.column) for field in fields]
    converting = []
    for n, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converting.append((n, found, column))
    extras = [n for n, name in enumerate(names) if name is not None and name not in by_column]
    return tuple(field.attname for field in fields), positions, converting, extras


def instances(model: type[M], sql: str, params: Sequence[Any]) -> list[M]:
    """Rows of ``sql`` as ``model`` instances; columns that are not the model's fields
    (annotations) become attributes. What ``Model.objects.raw`` does, without its
    per-row column resolution: several times faster on the hot path."""
    return instances_later(model, sql, params)()


def instances_later(model: type[M], sql: str, params: Sequence[Any]) -> Callable[[], list[M]]:
    """``instances`` in two steps: ``sql`` is sent now, its rows read when the function
    returned is called. Inside ``pipelined`` on PostgreSQL, reads sent before the first
    of them is read share one round trip: send the others, then read the first."""
    cursor = sent(sql, params)

    def read() -> list[M]:
        with cursor:
            names = column_names(cursor)
            return rows_as(model, names, cursor.fetchall())

    return read


def sent(statement: str, params: Sequence[Any]) -> Any:
    """A new cursor that has run ``statement``: in a pipeline, sent without waiting for
    its answer, which the caller reads from the cursor later, then closes it (the ``…_later``
    functions). Closed at once if running it fails."""
    cursor = connection.cursor()
    try:
        cursor.execute(statement, params)
    except BaseException:
        cursor.close()
        raise
    return cursor


def column_names(cursor: Any) -> tuple[str, ...]:
    """The names of the columns of ``cursor``'s result (Django's cursor wrapper): on
    PostgreSQL read straight off the result (``omnichannel.postgres.base``)."""
    names = getattr(cursor.cursor, "column_names", None)
    return names() if names else tuple(column[0] for column in cursor.description)


def rows_as(
    model: type[M], names: tuple[str | None, ...], rows: Iterable[Sequence[Any]]
) -> list[M]:
    """``rows`` with columns ``names`` as ``model`` instances (see ``instances``); a column
    named None is skipped."""
    attnames, positions, converting, extras = row_shape(model, names, connection.vendor)
    alias, found = connection.alias, []
    for row in rows:
        values = [row[n] for n in positions]
        for n, converters, column in converting:
            for convert in converters:
                values[n] = convert(values[n], column, connection)
        instance = loaded(model, alias, attnames, values)
        for n in extras:
            setattr(instance, names[n], row[n])
        found.append(instance)
    return found


def loaded(model: type[M], alias: str, attnames: Sequence[str], values: Sequence[Any]) -> M:
    """A model instance as ``Model.from_db`` makes it, without ``Model.__init__``'s
    per-field work (a third of reading a listing). Fields not in ``attnames`` stay deferred:
    Django loads a field on first access whenever it is missing from ``__dict__``. Our
    models have no ``pre_init``/``post_init`` receivers, the only thing skipped."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, alias
    return instance


def built(model: type[M], **values: Any) -> M:
    """A new, unsaved instance as ``model(**values)`` makes it, without ``Model.__init__``'s
    per-field work (half of building an order's row, ~35 fields, and of each line's).

    Each concrete field takes its value from ``values`` by name (a related instance: its
    id stored, the instance cached and its database taken, as the descriptor does) or by
    attname, else its default (``default_maker``). As with ``loaded``, only the
    ``pre_init``/``post_init`` signals are skipped, and our models have no receivers for
    them."""
    instance = model.__new__(model)
    state = instance._state = ModelState()
    attributes = instance.__dict__
    taken = 0
    for field, related, default in new_row_shape(model):
        if field.name in values:
            value = values[field.name]
            taken += 1
            if related:
                state.fields_cache[field.name] = value
                if value is not None:
                    state.db = state.db or value._state.db  # as the descriptor routes it
                    value = getattr(value, field.target_field.attname)
        elif field.attname in values:
            value = values[field.attname]
            taken += 1
        else:
            value = default()
        attributes[field.attname] = value
    if taken != len(values):
        known = {name for f, _, _ in new_row_shape(model) for name in (f.name, f.attname)}
        raise TypeError(f"{model.__name__}() got unexpected fields: {sorted(set(values) - known)}")
    return instance


@cache
def new_row_shape(model: type[Model]) -> tuple[tuple[Field, bool, Callable[[], Any]], ...]:
    """``model``'s concrete fields, each with whether it is a foreign key and the function
    that makes its default (``default_maker``)."""
    return tuple(
        (field, field.is_relation, default_maker(field)) for field in model._meta.concrete_fields
    )


def default_maker(field: Field) -> Callable[[], Any]:
    """``field.get_default``, or, for a default that is not callable (a value, or none: an
    empty text or None), a function returning the value it gives, the same object every
    time as Django gives it: a foreign key's ``get_default`` was a twentieth of building
    an order's rows."""
    if field.has_default() and callable(field.default):
        return field.get_default
    value = field.get_default()
    return lambda: value


def for_update() -> str:
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def locked_level_rows(
    tenant_id: int, product_ids: Collection[int], warehouse_ids: Collection[int]
) -> list[StockLevel]:
    """The tenant's levels of ``product_ids`` × ``warehouse_ids``, locked in id order on
    PostgreSQL (``SELECT … FOR UPDATE``). Fields other than ``LEVEL_COLUMNS`` are deferred."""
    if not product_ids or not warehouse_ids:
        return []
    products, warehouses = one_of(product_ids), one_of(warehouse_ids)
    rows = fetch(
        f"SELECT {', '.join(LEVEL_COLUMNS)} FROM {table(StockLevel)} WHERE tenant_id = %s"
        f" AND product_id {products.sql} AND warehouse_id {warehouses.sql}"
        f" ORDER BY id{for_update()}",
        [tenant_id, *products.params, *warehouses.params],
    )
    return [loaded(StockLevel, connection.alias, LEVEL_COLUMNS, row) for row in rows]


def available_units(
    product_ids: Collection[int], warehouse_ids: Collection[int] | None = None
) -> dict[tuple[int, int], int]:
    """``on_hand - reserved`` per (product, warehouse) of ``product_ids``, in every
    warehouse or only in ``warehouse_ids``. A missing pair has no level (0)."""
    if not product_ids or warehouse_ids is not None and not warehouse_ids:
        return {}
    sql = (
        f"SELECT product_id, warehouse_id, on_hand - reserved FROM {table(StockLevel)}"
        f" WHERE product_id IN ({marks(product_ids)})"
    )
    params = list(product_ids)
    if warehouse_ids is not None:
        sql += f" AND warehouse_id IN ({marks(warehouse_ids)})"
        params += list(warehouse_ids)
    return {(product, warehouse): units for product, warehouse, units in fetch(sql, params)}


def component_rows(bundle_ids: Collection[int]) -> list[tuple[int, int, int]]:
    """(bundle id, component id, units per bundle) of the bundles among ``bundle_ids``."""
    if not bundle_ids:
        return []
    return fetch(
        f"SELECT bundle_id, component_id, quantity FROM {table(BundleComponent)}"
        f" WHERE bundle_id IN ({marks(bundle_ids)})",
        list(bundle_ids),
    )


def linked_warehouse_rows(connection_ids: Collection[int]) -> list[tuple[int, int]]:
    """(connection id, warehouse id) of the active warehouses linked to the connections,
    by priority then warehouse id."""
    if not connection_ids:
        return []
    return fetch(
        f"SELECT link.connection_id, link.warehouse_id FROM {table(ConnectionWarehouse)} link"
        f" JOIN {table(Warehouse)} warehouse ON warehouse.id = link.warehouse_id"
        f" WHERE link.connection_id IN ({marks(connection_ids)}) AND warehouse.active = %s"
        f" ORDER BY link.priority, link.warehouse_id",
        [*connection_ids, True],
    )


# A row of ``recompute_rows``: its kind, then integer slots, text slots, a flag and a time.
# PostgreSQL types a UNION's columns pair by pair from its first branch on, so only the
# first branch's empty slots are cast: left NULL there, a slot would be typed text and
# refuse the integers of a later branch.
PICTURE_INTS = 10
PICTURE_TEXTS = 2
PictureRow = tuple[Any, ...]
# Column names of the ``L`` and ``p`` rows, slot by slot (None: a slot the kind leaves empty).
LISTING_ROW = (
    None,
    *("id", "tenant_id", "connection_id", "product_id"),
    *("target_qty", "last_pushed_qty", "push_version", None, None, None),
    *("status", "push_state", None, None),
)
POLICY_ROW = (
    None,
    *("id", "connection_id", "product_id", "listing_id", "safety_stock", "zero_below"),
    *("allocation_value", "max_listed", "low_stock_threshold", "preorder_quantity"),
    *("allocation_kind", None, "low_stock_priority", "preorder_until"),
)


def picture_columns(
    kind: str,
    ints: Sequence[str] = (),
    texts: Sequence[str] = (),
    flag: str = "",
    at: str = "",
    first: bool = False,
) -> str:
    """The select list of one branch of ``recompute_rows``; empty slots are NULLs, typed in
    the ``first`` branch. (Casting them all made the statement longer than psycopg caches
    the parsing of, 4,096 characters.)"""
    null = "CAST(NULL AS {})".format if first else lambda _: "NULL"
    columns = [f"'{kind}'", *ints, *[null("bigint")] * (PICTURE_INTS - len(ints))]
    columns += [*texts, *[null("text")] * (PICTURE_TEXTS - len(texts))]
    columns += [flag or null("boolean"), at or null("timestamptz")]
    return ", ".join(columns)


class Chunk(NamedTuple):
    """What a ``recompute_rows`` is about: ``products``, a SELECT of the ids (as ``id``) of
    the products whose listings are recomputed (bundles included), read first as
    ``sold``, and ``listings``, a SELECT of those listings (at least their id,
    connection_id and product_id; the columns of ``LISTING_ROW`` to return them as ``L``
    rows), which may read ``sold``; each with its parameters.

    Written out as the ``IN`` list it is made of, ``products`` lets PostgreSQL see how few
    they are, and find their listings, levels, components and policies through the
    indexes; it is sent once, however many branches read it."""

    products: str
    products_params: Sequence[Any]
    listings: str
    listings_params: Sequence[Any]


def recompute_rows(tenant_id: int, chunk: Chunk, with_listings: bool) -> list[PictureRow]:
    """Everything a recompute reads, in one statement (on PostgreSQL every statement is a
    round trip): ``chunk``'s products as ``sold``, its listings as ``chunk``, and every row
    about them. By kind, in integer slots unless said:

    - ``L``: a listing (``LISTING_ROW``), with ``with_listings``;
    - ``c``: (bundle id, component id, units per bundle) of the bundles among the products;
    - ``l``: (product id, warehouse id, on_hand - reserved) of the products and of those
      bundles' components, in every warehouse;
    - ``s``: (connection id, linked active warehouse id, link priority; channel as text)
      of each of the listings' connections; a connection without such a link has one row
      with no warehouse;
    - ``a``: (warehouse id) of each of the tenant's active warehouses;
    - ``p``: a policy that may apply to them (``POLICY_ROW``): the tenant default, and
      those of their connections, products and listings.
    """
    products, shops = "SELECT id FROM sold", "SELECT connection_id FROM chunk"
    components = f"SELECT component_id FROM {table(BundleComponent)} WHERE bundle_id IN"
    policy = picture_columns(
        "p",
        [name for name in POLICY_ROW[1 : PICTURE_INTS + 1] if name],
        ["allocation_kind"],
        "low_stock_priority",
        "preorder_until",
    )
    shop = picture_columns("s", ["shop.id", "link.warehouse_id", "link.priority"], ["shop.channel"])
    branches = [
        f"SELECT {picture_columns('c', ['bundle_id', 'component_id', 'quantity'], first=True)}"
        f" FROM {table(BundleComponent)} WHERE bundle_id IN ({products})",
        f"SELECT {picture_columns('l', ['product_id', 'warehouse_id', 'on_hand - reserved'])}"
        f" FROM {table(StockLevel)} WHERE product_id IN ({products} UNION {components}"
        f" ({products}))",
        f"SELECT {shop}"
        f" FROM {table(Connection)} shop LEFT JOIN {table(ConnectionWarehouse)} link"
        f" ON link.connection_id = shop.id AND link.warehouse_id IN"
        f" (SELECT id FROM {table(Warehouse)} WHERE active = %s) WHERE shop.id IN ({shops})",
        f"SELECT {picture_columns('a', ['id'])} FROM {table(Warehouse)}"
        f" WHERE tenant_id = %s AND active = %s",
        f"SELECT {policy} FROM {table(StockPolicy)} WHERE tenant_id = %s"
        f" AND connection_id IS NULL AND product_id IS NULL AND listing_id IS NULL",
        f"SELECT {policy} FROM {table(StockPolicy)} WHERE connection_id IN ({shops})",
        f"SELECT {policy} FROM {table(StockPolicy)} WHERE product_id IN ({products})",
        f"SELECT {policy} FROM {table(StockPolicy)} WHERE listing_id IN (SELECT id FROM chunk)",
    ]
    if with_listings:
        ints = [name for name in LISTING_ROW[1 : PICTURE_INTS + 1] if name]
        listing = picture_columns("L", ints, ["status", "push_state"], first=True)
        branches.insert(0, f"SELECT {listing} FROM chunk")
    return fetch(
        f"WITH sold AS MATERIALIZED ({chunk.products}),"
        f" chunk AS MATERIALIZED ({chunk.listings}) {' UNION ALL '.join(branches)}",
        [*chunk.products_params, *chunk.listings_params, True, tenant_id, True, tenant_id],
    )


def listings_chunk(listing_ids: Collection[int]) -> Chunk:
    """A ``Chunk`` of these listings."""
    ids = marks(listing_ids)
    return Chunk(
        f"SELECT product_id AS id FROM {table(Listing)} WHERE id IN ({ids})",
        list(listing_ids),
        f"SELECT id, connection_id, product_id FROM {table(Listing)} WHERE id IN ({ids})",
        list(listing_ids),
    )


def locked_chunk_of_products(
    tenant_id: int, product_ids: Collection[int], after: int, limit: int
) -> Chunk:
    """A ``Chunk`` of the listings of the tenant's ``product_ids`` and of every bundle
    containing one of them, with ids above ``after``, in id order, at most ``limit``,
    locked on PostgreSQL; with the columns of ``LISTING_ROW``.

    The listings are found through the product index only, on both databases: the
    products are one set (``IN`` a union), and the tenant is checked on the products (a
    listing sells its tenant's products). ``product_id IN (…) OR product_id IN (SELECT …)``
    made PostgreSQL walk the whole listing table (10 ms a movement at 60,000 listings); a
    condition on the listing's tenant let SQLite walk all the tenant's listings through
    the tenant index, and, written ``+tenant_id`` to keep SQLite off that index, it left
    PostgreSQL without statistics for it (a tenant's listings estimated at 0.5 %).

    ``limit`` is written into the statement, not sent as a parameter: a prepared statement
    may be run with a generic plan, made without the values, and for an unknown ``LIMIT``
    PostgreSQL's walked the listing table in id order (its primary key) until enough of
    them sold one of the products, every listing of the tenant for a few products'."""
    ids = one_of(product_ids)
    columns = ", ".join(name for name in LISTING_ROW if name)
    return Chunk(
        f"SELECT id FROM {table(Product)} WHERE tenant_id = %s AND id {ids.sql} UNION ALL"
        f" SELECT bundle_id FROM {table(BundleComponent)} WHERE component_id {ids.sql}",
        [tenant_id, *ids.params, *ids.params],
        f"SELECT {columns} FROM {table(Listing)} WHERE product_id IN (SELECT id FROM sold)"
        f" AND id > %s ORDER BY id LIMIT {int(limit)}{for_update()}",
        [after],
    )


def policies_in_scope(
    tenant_id: int,
    connection_ids: Collection[int],
    product_ids: Collection[int],
    listing_ids: Collection[int],
) -> list[StockPolicy]:
    """The tenant's default policy and those of the given connections, SKUs and listings."""
    scopes = ["(connection_id IS NULL AND product_id IS NULL AND listing_id IS NULL)"]
    params: list[Any] = [tenant_id]
    for column, ids in (
        ("connection_id", connection_ids),
        ("product_id", product_ids),
        ("listing_id", listing_ids),
    ):
        if ids:
            scopes.append(f"{column} IN ({marks(ids)})")
            params += list(ids)
    return instances(
        StockPolicy,
        f"SELECT * FROM {table(StockPolicy)} WHERE tenant_id = %s AND ({' OR '.join(scopes)})",
        params,
    )


def active_warehouse_ids(tenant_id: int) -> list[int]:
    """The tenant's active warehouses, by id: what serves a connection with no links."""
    rows = fetch(
        f"SELECT id FROM {table(Warehouse)} WHERE tenant_id = %s AND active = %s ORDER BY id",
        [tenant_id, True],
    )
    return [warehouse_id for (warehouse_id,) in rows]


def reservations_of_lines(line_ids: Collection[int]) -> list[Reservation]:
    """Every reservation of these order lines, whatever its state."""
    if not line_ids:
        return []
    return instances(
        Reservation,
        f"SELECT * FROM {table(Reservation)} WHERE order_line_id IN ({marks(line_ids)})",
        list(line_ids),
    )


def movement_reference_rows(
    tenant_id: int,
    skus: Collection[str],
    codes: Collection[str],
    movement_ids: Collection[str],
    levels: bool = False,
) -> list[tuple[Any, ...]]:
    """What a batch of movements refers to, in one statement (on PostgreSQL every
    statement is a round trip). Rows of the tenant's, by kind, each padded to 9 columns:

    - ``p``: (product id, SKU, is a bundle, None) of the products with ``skus``;
    - ``w``: (warehouse id, code, allows negative stock, None) of the warehouses with ``codes``;
    - ``m``: (None, movement id, None, content hash) of ``movement_ids`` already in the ledger;
    - with ``levels``, ``v``: (level id, None, None, None, product id, warehouse id, on_hand,
      reserved) of the existing levels of those products in those warehouses, locked in id
      order on PostgreSQL, as ``locked_level_rows`` locks them. (The tenant is checked on
      the products and warehouses: on the levels, SQLite took it to walk all the tenant's.)
    """
    padding = ", ".join(f"CAST(NULL AS {kind})" for kind in ("bigint",) * 4)
    products = f"SELECT id FROM {table(Product)} WHERE tenant_id = %s AND sku IN ({marks(skus)})"
    warehouses = (
        f"SELECT id FROM {table(Warehouse)} WHERE tenant_id = %s AND code IN ({marks(codes)})"
    )
    branches: list[str] = []
    params: list[Any] = []
    if levels and skus and codes:
        branches.append(
            "SELECT 'v', id, NULL, NULL, NULL, product_id, warehouse_id, on_hand, reserved"
            " FROM held"
        )
    if skus:
        branches.append(
            f"SELECT 'p', product.id, product.sku, EXISTS (SELECT 1 FROM {table(BundleComponent)}"
            f" part WHERE part.bundle_id = product.id), NULL, {padding} FROM {table(Product)}"
            f" product WHERE product.tenant_id = %s AND product.sku IN ({marks(skus)})"
        )
        params += [tenant_id, *skus]
    if codes:
        branches.append(
            f"SELECT 'w', id, code, allow_negative_stock, NULL, {padding} FROM {table(Warehouse)}"
            f" WHERE tenant_id = %s AND code IN ({marks(codes)})"
        )
        params += [tenant_id, *codes]
    if movement_ids:
        branches.append(
            f"SELECT 'm', NULL, movement_id, NULL, content_hash, {padding}"
            f" FROM {table(StockMovement)} WHERE tenant_id = %s"
            f" AND movement_id IN ({marks(movement_ids)})"
        )
        params += [tenant_id, *movement_ids]
    if not branches:
        return []
    statement = " UNION ALL ".join(branches)
    if levels and skus and codes:
        statement = (
            f"WITH held AS MATERIALIZED (SELECT id, product_id, warehouse_id, on_hand, reserved"
            f" FROM {table(StockLevel)} WHERE product_id IN ({products})"
            f" AND warehouse_id IN ({warehouses}) ORDER BY id{for_update()}) {statement}"
        )
        params = [tenant_id, *skus, tenant_id, *codes, *params]
    return fetch(statement, params)


@contextmanager
def pipelined() -> Iterator[None]:
    """PostgreSQL: the block's statements are sent without waiting for each one's answer
    (a psycopg pipeline); a read waits only when its rows are fetched, with everything
    sent before it, and the block's end waits for the rest. Writes whose answers nobody
    reads (a movement's row, its levels) then travel with the read that follows them:
    one round trip instead of one each. Errors surface at that fetch or at the block's
    end, as Django's database errors; a cursor's columns and row count wait for its
    answer (``omnichannel.postgres.base``), so the ORM works in the block. Elsewhere,
    nothing changes, as with ``OMNI_PG_PIPELINE=0``."""
    if not pipelining():
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def pipelining() -> bool:
    return connection.vendor == "postgresql" and getattr(settings, "OMNI_PG_PIPELINE", False)


@contextmanager
def pipelined_transaction() -> Iterator[None]:
    """``transaction.atomic()`` around ``pipelined()``, with the transaction's ``BEGIN``
    and ``COMMIT`` in the pipeline too: on PostgreSQL the ``BEGIN`` travels with the first
    statement and the ``COMMIT`` with the answers the block still owes. Left to psycopg,
    each waits for its own answer (psycopg syncs a pipeline after the ``BEGIN`` it sends,
    and commits after the pipeline has ended): two round trips more a transaction.

    psycopg is told the connection is in autocommit for the block (its ``_autocommit``:
    it then sends no ``BEGIN`` of its own), and Django's ``atomic`` commits or rolls back
    as ever after it: the commit finds the transaction ended and does nothing; a
    rollback (the block raised, or its ``COMMIT`` failed) finds it open, or ended, and
    acts accordingly. Inside another transaction, or without a pipeline, it is
    ``atomic()`` and ``pipelined()``."""
    if not pipelining() or connection.in_atomic_block:
        with transaction.atomic(), pipelined():
            yield
        return
    with transaction.atomic():
        raw = connection.connection
        with connection.wrap_database_errors, raw.pipeline():
            raw._autocommit = True
            try:
                raw.execute("BEGIN", prepare=False)
                yield
                raw.execute("COMMIT", prepare=False)
            finally:
                raw._autocommit = False


def insert_rows(rows: Sequence[Model], key: Sequence[str] = ()) -> None:
    """Insert new rows of one model, each value prepared by its field as the ORM prepares
    it (timestamps set, times adapted, JSON encoded).

    Without ``key``: one single-row ``INSERT`` run for every row (``executemany``: parsed
    once, pipelined by psycopg; a multi-row ``VALUES`` of thousands of placeholders is
    re-parsed by psycopg on every call), or on PostgreSQL from ``ARRAY_ROWS`` rows one
    statement over column arrays. With ``key`` (fields unique together): ``INSERT …
    RETURNING`` per ``INSERT_CHUNK`` rows (``returning_rows``) gives each row its id;
    ``RETURNING`` promises no order, so ids are matched by the key.
    """
    insert_rows_later(rows, key)()


def insert_rows_later(rows: Sequence[Model], key: Sequence[str] = ()) -> Callable[[], None]:
    """``insert_rows`` in two steps: the rows are sent now, and the function returned
    gives them their ids (``key``) when called; in a pipeline, a read sent between the two
    brings the ids back in its own round trip."""
    if not rows:
        return lambda: None
    model = type(rows[0])
    fields, insert, row_marks = insert_shape(model, connection.vendor)
    values = [prepared_values(row, fields, adding=True) for row in rows]
    if not key and connection.vendor == "postgresql" and len(rows) >= ARRAY_ROWS:
        with connection.cursor() as cursor:
            cursor.execute(arrays_insert(model), column_arrays(values))
    elif not key:
        with connection.cursor() as cursor:
            cursor.executemany(insert + row_marks, values)
    returning = f" RETURNING id, {', '.join(key)}"
    chunks = [
        (
            rows[start : start + INSERT_CHUNK],
            returning_rows_later(model, returning, values[start : start + INSERT_CHUNK]),
        )
        for start in (range(0, len(rows), INSERT_CHUNK) if key else ())
    ]

    def give_ids() -> None:
        for chunk, returned in chunks:
            ids = {tuple(found[1:]): found[0] for found in returned()}
            for row in chunk:
                row.pk = ids[tuple(getattr(row, name) for name in key)]
        for row in rows:
            row._state.adding = False

    return give_ids


def returning_rows(
    model: type[Model], returning: str, rows: Sequence[Sequence[Any]]
) -> list[tuple]:
    """Insert ``rows`` (values of ``insert_shape``'s fields) with ``returning`` after the
    rows (a ``RETURNING`` clause, maybe after ``ON CONFLICT``): the rows it returned.

    SQLite: one multi-row ``VALUES``. PostgreSQL: one row, the single-row statement; more,
    one statement over column arrays (``arrays_insert``), whatever their number (not
    ``ARRAY_ROWS``): psycopg's ``executemany`` waits for the answers of a statement that
    returns rows as soon as it has sent them, which would make ``returning_rows_later``
    wait at once. Either text is the same for any number of rows, so psycopg converts it
    once and the server plans it once; a multi-row ``VALUES`` differs with each batch size,
    and past 50 parameters psycopg parses it again on every call (a batch of 4 new orders:
    140 parameters)."""
    return returning_rows_later(model, returning, rows)()


def returning_rows_later(
    model: type[Model], returning: str, rows: Sequence[Sequence[Any]]
) -> Callable[[], list[tuple]]:
    """``returning_rows`` in two steps: the rows are sent now and the rows returned read
    when the function returned is called."""
    _, insert, row_marks = insert_shape(model, connection.vendor)
    if connection.vendor != "postgresql":
        cursor = sent(
            insert + ", ".join([row_marks] * len(rows)) + returning,
            [value for row in rows for value in row],
        )
    elif len(rows) > 1:
        cursor = sent(arrays_insert(model) + returning, column_arrays(rows))
    else:
        cursor = sent(insert + row_marks + returning, rows[0])

    def read() -> list[tuple]:
        with cursor:
            return cursor.fetchall()

    return read


def array_params(model: type[Model], names: Sequence[str]) -> str:
    """``%s::type[], …``: one array parameter per column, typed as the column is."""
    database = connections[DEFAULT_DB_ALIAS]
    return ", ".join(f"%s::{model._meta.get_field(n).db_type(database)}[]" for n in names)


def column_arrays(rows: Sequence[Sequence[Any]]) -> list[str | list[Any]]:
    """Rows of values turned into one array per column, the parameters of ``array_params``:
    each written out as PostgreSQL's text form of an array where ``array_literal`` can."""
    return [array_literal(column) for column in zip(*rows, strict=True)]


def array_literal(values: Sequence[Any]) -> str | list[Any]:
    """PostgreSQL's text form of the array of ``values`` (``{1,NULL,"text"}``) when each is
    None, an int, a bool, a str, a datetime or a Decimal; else the values as a list, for
    psycopg to dump. psycopg's list dumper costs about 0.7 µs an element, this a sixth of
    it: the arrays of a batch's listing targets and lines were a twentieth of the web
    process's CPU for 5-line orders. Inside quotes only ``"`` and ``\\`` are escaped."""
    items = []
    for value in values:
        kind = type(value)
        if value is None:
            items.append("NULL")
        elif kind is int or kind is Decimal:
            items.append(str(value))
        elif kind is bool:
            items.append("t" if value else "f")
        elif isinstance(value, str):
            items.append(quoted(value))
        elif kind is datetime:
            items.append(f'"{value.isoformat()}"')
        elif kind is Jsonb and value.dumps is not None:
            items.append(quoted(value.dumps(value.obj)))
        else:
            return list(values)
    return "{" + ",".join(items) + "}"


def quoted(text: str) -> str:
    """``text`` as an element of an array's text form: in quotes, ``"`` and ``\\`` escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@cache
def arrays_insert(model: type[Model]) -> str:
    """PostgreSQL: ``INSERT … SELECT FROM unnest(column arrays)`` of ``insert_shape``'s
    fields: many rows in one statement, one parameter per column whatever the number of
    rows (``executemany`` runs a statement per row on the server, a multi-row ``VALUES``
    makes psycopg parse thousands of placeholders)."""
    fields, _, _ = insert_shape(model, "postgresql")
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    params = array_params(model, [field.attname for field in fields])
    return f"INSERT INTO {table(model)} ({columns}) SELECT * FROM unnest({params})"


def update_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """``UPDATE … SET columns WHERE id = …`` for many rows (each ``(*values, pk)``, values
    ready for the database) in one ``executemany``: much cheaper than ``bulk_update``'s
    ``CASE`` expressions. On PostgreSQL a large batch is one statement over column arrays."""
    rows = list(rows)
    if connection.vendor == "postgresql" and len(rows) >= ARRAY_ROWS:
        update_from_arrays(model, columns, rows)
    elif rows:
        _, statement = update_shape(model, tuple(columns), connection.vendor)
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)


def update_from_arrays(model: type[Model], columns: Sequence[str], rows: list[Sequence]) -> None:
    """PostgreSQL: ``UPDATE … SET columns FROM unnest(column arrays) WHERE id = …`` for many
    rows (each ``(*values, pk)``) in one statement, for the reason of ``arrays_insert``."""
    quote = connection.ops.quote_name
    names = [*columns, "id"]
    assignments = ", ".join(f"{quote(column)} = new.{quote(column)}" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(model)} SET {assignments}"
            f" FROM unnest({array_params(model, names)}) AS new({', '.join(map(quote, names))})"
            f" WHERE {table(model)}.id = new.id",
            column_arrays(rows),
        )


@cache
def insert_shape(model: type[Model], vendor: str) -> tuple[list[Field], str, str]:
    """The fields an insert of ``model`` writes (all but the primary key), the statement's
    ``INSERT INTO … VALUES `` and one row's ``(%s, …)``: built once per model."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    return fields, f"INSERT INTO {table(model)} ({columns}) VALUES ", f"({marks(fields)})"


def prepared_values(row: Model, fields: Sequence[Field], adding: bool) -> list[Any]:
    """The values of ``fields`` of ``row`` as the ORM sends them on insert (``adding``) or
    update: ``pre_save`` first (``auto_now`` timestamps), then ``get_db_prep_save``.

    A field of a plain class holding a value of its plain type (``plain_type``: a ``str``,
    or a member of a text enum, in a text field, an ``int`` in an integer field or foreign
    key, a ``bool`` in a boolean field) or None passes it through as the ORM would,
    without the per-field calls (a third of inserting an order, 30 fields). Aware times,
    amounts, JSON objects and PostgreSQL's typed integers are made by ``fast_preparer`` as
    the field makes them, without its calls (another 40% of an order row); any other value
    goes through its field. What to do with each field is worked out once
    (``preparation``)."""
    database = None
    values = []
    now = stamp = None
    for field in fields:
        plan = _preparations.get(id(field)) or preparation(field)
        plain = plan.plain
        if plain is not None:
            value = getattr(row, plan.attname)
            if value is None or type(value) is plain or plain is str and isinstance(value, str):
                values.append(value)  # a text field sends a str subclass (an enum) as it is
                continue
        elif (prepare := plan.prepare) is not None:
            if plan.stamped_on_insert if adding else plan.stamped_on_update:
                if now is None:  # pre_save's timezone.now(), one per row
                    now = timezone.now()
                    stamp = prepare(now)
                setattr(row, plan.attname, now)
                value = stamp
            else:
                value = prepare(getattr(row, plan.attname))
            if value is not SLOW:
                values.append(value)
                continue
        if database is None:
            # The connection itself, not the ``connection`` proxy: fields ask it for its
            # ``ops``. Looked up once some field needs it (a few µs).
            database = connections[DEFAULT_DB_ALIAS]
        values.append(field.get_db_prep_save(field.pre_save(row, adding), database))
    return values


class Preparation(NamedTuple):
    """How ``prepared_values`` makes a field's value: passed as it is (``plain``), made by
    a fast preparer (``prepare``, stamped with now on insert or update), or by the field."""

    field: Field
    attname: str
    plain: type | None
    prepare: Callable[[Any], Any] | None
    stamped_on_insert: bool
    stamped_on_update: bool


_preparations: dict[int, Preparation] = {}
"""By ``id(field)``: a field's hash is a Python call over its model's names, and an order's
insert looks up 35 fields. A preparation holds its field, so an id found here is never a
dead field's reused one."""


def preparation(field: Field) -> Preparation:
    """Work out, once, how ``prepared_values`` makes ``field``'s values."""
    plain = plain_type(field)
    found = _preparations[id(field)] = Preparation(
        field,
        field.attname,
        plain,
        fast_preparer(field) if plain is None else None,
        stamped_now(field, adding=True),
        stamped_now(field, adding=False),
    )
    return found


SLOW = object()
"""A ``fast_preparer``'s answer for a value it leaves to its field."""


@cache
def fast_preparer(field: Field) -> Callable[[Any], Any] | None:
    """A function making what ``field``'s ``get_db_prep_save`` makes of the values it
    knows (``SLOW`` for others), without the field's layers of calls (5-20 µs a value).
    For the exact classes whose preparation, Django 5.2's on SQLite and PostgreSQL, is
    reproduced here (a subclass may convert): ``DateTimeField``, ``DecimalField``,
    ``JSONField``. None for any other field, or for a backend whose adapter is another."""
    database = connections[DEFAULT_DB_ALIAS]
    kind, sqlite = type(field), database.vendor == "sqlite"
    if kind is models.DateTimeField and django_adapter(database, "adapt_datetimefield_value"):
        if not settings.USE_TZ:
            return None
        if sqlite:
            return utc_datetime_text if database.timezone is UTC else None
        return aware_datetime
    if kind is models.DecimalField and django_adapter(database, "adapt_decimalfield_value"):
        return finite_decimal
    if kind is models.JSONField and django_adapter(database, "adapt_json_value"):
        return json_text(field.encoder) if sqlite else jsonb(field.encoder)
    if PLAIN_TYPES.get(kind) is int and not sqlite and plain_type(field) is None:
        typed = type(field.get_db_prep_save(1, database))
        if typed is not int and django_adapter(database, "adapt_integerfield_value"):
            return typed_int(typed)
    return None


def django_adapter(database: Any, name: str) -> bool:
    """Whether the ``ops.<name>`` adapter of ``database`` is the one of Django's SQLite or
    PostgreSQL backend, the code the fast preparers reproduce."""
    if database.vendor == "sqlite":
        from django.db.backends.sqlite3.operations import DatabaseOperations
    elif database.vendor == "postgresql":
        from django.db.backends.postgresql.operations import DatabaseOperations
    else:
        return False
    return getattr(type(database.ops), name) is getattr(DatabaseOperations, name)


def stamped_now(field: Field, adding: bool) -> bool:
    """Whether ``pre_save`` sets ``field`` to now: ``auto_now``, or ``auto_now_add`` on insert."""
    return type(field) is models.DateTimeField and (field.auto_now or field.auto_now_add and adding)


def utc_datetime_text(value: Any) -> Any:
    """SQLite: an aware time is stored as the text of its naive UTC time
    (``adapt_datetimefield_value``: ``make_naive`` to the connection's UTC, then ``str``):
    the time in UTC as ``str`` writes it, less its ``+00:00``. A naive time (made aware in
    the default zone, with a warning) goes through its field."""
    if value is None:
        return None
    if type(value) is datetime and value.utcoffset() is not None:
        return str(value.astimezone(UTC))[:-6]
    return SLOW


def aware_datetime(value: Any) -> Any:
    """PostgreSQL: Django hands psycopg an aware time as it is."""
    if value is None or type(value) is datetime and value.utcoffset() is not None:
        return value
    return SLOW


def finite_decimal(value: Any) -> Any:
    """Both backends hand the driver ``DecimalField.to_python``'s ``Decimal`` as it is: a
    finite ``Decimal`` itself (``Decimal(d)`` is ``d``), an ``int`` as a ``Decimal``. Not a
    NaN or an infinity: the field rejects those."""
    if value is None:
        return None
    if type(value) is Decimal:
        return value if value.is_finite() else SLOW
    if type(value) is int:
        return Decimal(value)
    return SLOW


def typed_int(typed: type) -> Callable[[Any], Any]:
    """PostgreSQL: an ``int`` goes to psycopg as the field's type of it (``Int4`` for an
    ``IntegerField``: ``adapt_integerfield_value``), None as NULL; anything else (a bool,
    a string to parse) through the field."""

    def prepare(value: Any) -> Any:
        if value is None:
            return None
        return typed(value) if type(value) is int else SLOW

    return prepare


def json_text(encoder: type[json.JSONEncoder] | None) -> Callable[[Any], Any]:
    """SQLite: a dict or list is stored as ``json.dumps`` text, with the field's encoder
    (``adapt_json_value``); None as NULL (``JSONField.get_db_prep_save``)."""

    def prepare(value: Any) -> Any:
        if value is None:
            return None
        return json.dumps(value, cls=encoder) if type(value) in (dict, list) else SLOW

    return prepare


def jsonb(encoder: type[json.JSONEncoder] | None) -> Callable[[Any], Any]:
    """PostgreSQL: a dict or list goes to psycopg as ``Jsonb`` with the field's encoder's
    ``dumps`` (``adapt_json_value``); None as NULL (``JSONField.get_db_prep_save``)."""
    from django.db.backends.postgresql.operations import get_json_dumps
    from django.db.backends.postgresql.psycopg_any import Jsonb

    dumps = get_json_dumps(encoder)

    def prepare(value: Any) -> Any:
        if value is None:
            return None
        return Jsonb(value, dumps=dumps) if type(value) in (dict, list) else SLOW

    return prepare


PLAIN_TYPES: dict[type[Field], type] = {
    models.CharField: str, models.TextField: str, models.BooleanField: bool,
    models.IntegerField: int, models.SmallIntegerField: int, models.BigIntegerField: int,
    models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int, models.AutoField: int, models.BigAutoField: int,
}  # fmt: skip
"""Field classes (exactly these: a subclass may encrypt or convert) whose ``pre_save`` and
``get_db_prep_save`` give a value of this type, or None, back as it is."""


@cache
def plain_type(field: Field) -> type | None:
    """The type whose values ``field`` (or, for a foreign key, the field it points to)
    stores as they are; None for any other field. On PostgreSQL Django types most
    integers for psycopg (``Int4``, ``Int8``: ``typed_int``); the ones it sends as they
    are (keys) are plain there too, as the field's own answer for one shows."""
    target = field
    if field.is_relation:
        if type(field) is not models.ForeignKey:
            return None
        target = field.target_field
    plain = PLAIN_TYPES.get(type(target))
    if plain is int and connection.vendor == "postgresql":
        database = connections[DEFAULT_DB_ALIAS]
        return int if type(field.get_db_prep_save(1, database)) is int else None
    return plain


def insert_new(rows: Sequence[M], unique: Sequence[str]) -> list[M]:
    """Insert each of ``rows`` (of one model) unless a row with its values of ``unique``
    (the fields of a unique constraint) exists. One ``INSERT … ON CONFLICT DO NOTHING
    RETURNING`` per ``INSERT_CHUNK`` rows: a taken key raises nothing, so the caller's
    transaction needs no savepoint to survive it.

    Returns the rows inserted, with their ids; the others' keys were taken (by a row
    already there, or by an earlier one of ``rows``)."""
    if not rows:
        return []
    model = type(rows[0])
    fields, _, _ = insert_shape(model, connection.vendor)
    conflict = on_conflict_do_nothing(model, tuple(unique), connection.vendor)
    inserted: list[M] = []
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        returned = returning_rows(
            model, conflict, [prepared_values(row, fields, adding=True) for row in chunk]
        )
        ids = {tuple(found[1:]): found[0] for found in returned}
        for row in chunk:
            pk = ids.pop(tuple(getattr(row, name) for name in unique), None)
            if pk is not None:
                row.pk = pk
                row._state.adding = False
                inserted.append(row)
    return inserted


@cache
def on_conflict_do_nothing(model: type[Model], unique: tuple[str, ...], vendor: str) -> str:
    """``ON CONFLICT (unique) DO NOTHING RETURNING id, unique…`` (``unique``: attnames)."""
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name).column for name in unique]
    return (
        f" ON CONFLICT ({', '.join(map(quote, columns))})"
        f" DO NOTHING RETURNING {quote(model._meta.pk.column)}, {', '.join(map(quote, columns))}"
    )


def update_fields(row: Model, names: Sequence[str]) -> None:
    """``row.save(update_fields=names)`` as one written-out ``UPDATE``: values prepared by
    their fields as the ORM prepares them (an ``auto_now`` field named is set to now)."""
    fields, update = update_shape(type(row), tuple(names), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(update, [*prepared_values(row, fields, adding=False), row.pk])


@cache
def update_shape(
    model: type[Model], names: tuple[str, ...], vendor: str
) -> tuple[list[Field], str]:
    """The fields ``names`` and the ``UPDATE`` of ``update_fields``: built once per shape."""
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return fields, (
        f"UPDATE {table(model)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    )
