"""Stock levels under lock: the one way the ledger and reservations read and write levels."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils import timezone

from omnichannel.inventory import sql
from omnichannel.inventory.models import Reservation, StockLevel

Pair = tuple[int, int]
"""(product id, warehouse id)"""
BundleParts = dict[int, list[tuple[int, int]]]
"""(component id, units per bundle) of each bundle, by bundle id: what ``bundle_parts`` reads."""


def locked_levels(
    tenant_id: int, pairs: Iterable[Pair], found: Mapping[Pair, StockLevel] | None = None
) -> dict[Pair, StockLevel]:
    """The levels of ``pairs``, locked until the transaction ends (PostgreSQL).

    Locks are taken in id order so two transactions never wait on each other in a circle.
    A missing level is returned unsaved at zero; if two transactions create the same one,
    the unique constraint refuses the second (the caller retries). On SQLite the
    IMMEDIATE transaction already holds the database's write lock.

    ``found``: the levels of ``pairs`` the caller already read and locked with a statement
    of its own (``sql.movement_reference_rows``); a pair not in it has no level yet.
    """
    wanted = set(pairs)
    writes = held()
    if writes is None:
        return read_levels(tenant_id, wanted, found)
    levels = writes.levels.setdefault(tenant_id, {})
    missing = wanted - levels.keys()  # a level in hand is newer than any read of it
    if missing:
        levels.update(read_levels(tenant_id, missing, found))
    return {pair: levels[pair] for pair in wanted}


def read_levels(
    tenant_id: int, wanted: set[Pair], found: Mapping[Pair, StockLevel] | None = None
) -> dict[Pair, StockLevel]:
    if found is None:
        rows = sql.locked_level_rows(
            tenant_id,
            {product for product, _ in wanted},
            {warehouse for _, warehouse in wanted},
        )
        found = {(level.product_id, level.warehouse_id): level for level in rows}
    levels = {pair: found[pair] for pair in wanted if pair in found}
    for product_id, warehouse_id in wanted - levels.keys():
        levels[(product_id, warehouse_id)] = StockLevel(
            tenant_id=tenant_id, product_id=product_id, warehouse_id=warehouse_id
        )
    return levels


def write_levels(levels: Iterable[StockLevel]) -> None:
    """Save levels returned by ``locked_levels``: new ones inserted, the others updated.
    Inside ``written_once``, when the block ends."""
    writes = held()
    if writes is not None:
        writes.dirty.update({id(level): level for level in levels})
        return
    save_levels(levels)


def save_levels(levels: Iterable[StockLevel]) -> None:
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


@dataclass
class HeldWrites:
    """What ``written_once`` holds: the levels read (by tenant, then pair), those changed,
    and the new reservations, all to be written when the block ends."""

    levels: dict[int, dict[Pair, StockLevel]] = field(default_factory=dict)
    dirty: dict[int, StockLevel] = field(default_factory=dict)
    reservations: list[Reservation] = field(default_factory=list)


_held = threading.local()


def held() -> HeldWrites | None:
    return getattr(_held, "writes", None)


@contextmanager
def written_once() -> Iterator[None]:
    """Levels read by ``locked_levels`` in the block are kept and handed out again, and
    ``write_levels`` and ``insert_reservations`` only note what they are given: each level
    a batch of orders touches is read once and written once, and the batch's reservations
    are inserted together, when the block ends, instead of once per order.

    Use it inside one transaction that spans the block, holding the levels' locks (read
    with ``locked_levels``) until it commits. A read of levels or reservations in the
    block that does not go through ``locked_levels`` calls ``flush_writes`` first. An
    error in the block writes nothing: the transaction is rolled back."""
    if held() is not None:
        yield  # nested: the outermost block writes
        return
    _held.writes = HeldWrites()
    try:
        yield
        flush_writes()
    finally:
        _held.writes = None


def available_in_hand(tenant_id: int, pairs: Iterable[Pair]) -> dict[Pair, int]:
    """Available units of those of ``pairs`` whose level ``written_once`` holds: what a
    read of them would find once the block's writes are made (the others have none)."""
    writes = held()
    levels = writes.levels.get(tenant_id, {}) if writes is not None else {}
    return {pair: levels[pair].available for pair in pairs if pair in levels}


def insert_reservations(reservations: list[Reservation]) -> None:
    """Insert new reservations; inside ``written_once``, when it ends.

    The instances get no ids: what is done with a reservation next (released, consumed,
    reserved again) reads it by its line, and an insert with no answer to wait for
    travels with the next read on PostgreSQL (``sql.pipelined``) instead of costing a
    round trip of its own."""
    writes = held()
    if writes is not None:
        writes.reservations += reservations
    else:
        sql.insert_rows(reservations)


def flush_writes() -> None:
    """Write what ``written_once`` noted so far (nothing outside the block)."""
    writes = held()
    if writes is None:
        return
    levels, writes.dirty = list(writes.dirty.values()), {}
    reservations, writes.reservations = writes.reservations, []
    save_levels(levels)
    sql.insert_rows(reservations)


@contextmanager
def restored_on_error() -> Iterator[None]:
    """Around a savepoint whose error the caller handles: if the block raises, what
    ``written_once`` holds is put back as it was when the block began (the database is
    rolled back to the savepoint, so what the block flushed is noted again, unsaved)."""
    writes = held()
    if writes is None:
        yield
        return
    before = {
        id(level): (level, level.pk, level.on_hand, level.reserved)
        for levels in writes.levels.values()
        for level in levels.values()
    }
    dirty, reservations = dict(writes.dirty), list(writes.reservations)
    try:
        yield
    except BaseException:
        for levels in writes.levels.values():
            for pair, level in list(levels.items()):
                if id(level) not in before:
                    del levels[pair]  # read in the block: read again when needed
        for level, pk, on_hand, reserved in before.values():
            level.pk, level.on_hand, level.reserved = pk, on_hand, reserved
            level._state.adding = pk is None
        for reservation in reservations:
            reservation.pk, reservation._state.adding = None, True
        # Every level in hand is written at the end, whatever the block flushed.
        writes.dirty = {**dirty, **{key: level for key, (level, *_) in before.items()}}
        writes.reservations = reservations
        raise
