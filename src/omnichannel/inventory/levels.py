"""Stock levels under lock: the one way the ledger and reservations read and write levels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.utils import timezone

from omnichannel.inventory import sql
from omnichannel.inventory.models import StockLevel

Pair = tuple[int, int]
"""(product id, warehouse id)"""
BundleParts = dict[int, list[tuple[int, int]]]
"""(component id, units per bundle) of each bundle, by bundle id: what ``bundle_parts`` reads."""


def locked_levels(tenant_id: int, pairs: Iterable[Pair]) -> dict[Pair, StockLevel]:
    """The levels of ``pairs``, locked until the transaction ends (PostgreSQL).

    Locks are taken in id order so two transactions never wait on each other in a circle.
    A missing level is returned unsaved at zero; if two transactions create the same one,
    the unique constraint refuses the second (the caller retries). On SQLite the
    IMMEDIATE transaction already holds the database's write lock.
    """
    wanted = set(pairs)
    rows = sql.locked_level_rows(
        tenant_id,
        {product for product, _ in wanted},
        {warehouse for _, warehouse in wanted},
    )
    levels = {(level.product_id, level.warehouse_id): level for level in rows}
    for product_id, warehouse_id in wanted - levels.keys():
        levels[(product_id, warehouse_id)] = StockLevel(
            tenant_id=tenant_id, product_id=product_id, warehouse_id=warehouse_id
        )
    return {pair: level for pair, level in levels.items() if pair in wanted}


def write_levels(levels: Iterable[StockLevel]) -> None:
    """Save levels returned by ``locked_levels``: new ones inserted, the others updated."""
    levels = list(levels)
    existing = [level for level in levels if level.pk is not None]
    StockLevel.objects.bulk_create([level for level in levels if level.pk is None])
    now = timezone.now()
    sql.update_rows(
        StockLevel,
        ("on_hand", "reserved", "updated_at"),
        ((level.on_hand, level.reserved, now, level.pk) for level in existing),
    )


def bundle_parts(product_ids: Iterable[int]) -> BundleParts:
    """(component id, units per bundle) of each bundle among ``product_ids``; one query."""
    parts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for bundle_id, component_id, per_bundle in sql.component_rows(set(product_ids)):
        parts[bundle_id].append((component_id, per_bundle))
    return dict(parts)


def requirements(
    lines: Iterable[tuple[int, int]], parts: Mapping[int, list[tuple[int, int]]] | None = None
) -> dict[int, int]:
    """Units per stocked product for (product id, quantity) lines: a bundle needs its
    components (quantity × units per bundle), never itself. ``parts`` is
    ``bundle_parts`` of the lines' products when the caller has it already."""
    lines = list(lines)
    if parts is None:
        parts = bundle_parts(product_id for product_id, _ in lines)
    needed: dict[int, int] = defaultdict(int)
    for product_id, quantity in lines:
        for component_id, per_bundle in parts.get(product_id) or [(product_id, 1)]:
            needed[component_id] += quantity * per_bundle
    return dict(needed)
