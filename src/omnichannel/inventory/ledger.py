"""The stock ledger: movements and counts posted by the WMS/ERP.

A movement is identified by the sender's own id. Posting the same id with the same content
again is reported as a duplicate and changes nothing; with other content it is refused.
A batch is all-or-nothing: one bad item refuses the whole batch, and every bad item is
listed in the error's details. Levels, ledger rows and listing targets are written in one
transaction.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime

from django.db import IntegrityError, connection, transaction

from omnichannel.catalog.models import Product
from omnichannel.errors import Conflict, DomainError, Unprocessable
from omnichannel.groupcommit import GroupCommit, outcome
from omnichannel.inventory import sql
from omnichannel.inventory.levels import Pair, locked_levels, write_levels
from omnichannel.inventory.models import StockLevel, StockMovement, Warehouse
from omnichannel.inventory.targets import recompute_products
from omnichannel.tenants.models import Tenant

Type = StockMovement.Type


@dataclass(frozen=True)
class MovementInput:
    """One movement as the sender describes it; warehouses by code, product by SKU."""

    movement_id: str
    type: str
    warehouse: str
    sku: str
    quantity: int
    occurred_at: datetime
    to_warehouse: str | None = None
    reason: str = ""
    reference: str = ""

    def content_hash(self) -> str:
        """What makes two postings of one id "the same": every field, times in UTC."""
        content = {name: getattr(self, name) for name in MOVEMENT_FIELDS}  # asdict deep-copies
        content["occurred_at"] = self.occurred_at.astimezone(UTC).isoformat()
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


MOVEMENT_FIELDS = tuple(item.name for item in fields(MovementInput))
PRODUCT_FIELDS = ("id", "tenant_id", "sku")
WAREHOUSE_FIELDS = ("id", "tenant_id", "code", "allow_negative_stock")


@dataclass
class MovementResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CountInput:
    warehouse: str
    sku: str
    on_hand: int


@dataclass(frozen=True)
class CountResult:
    warehouse: str
    sku: str
    previous: int
    counted: int
    movement_id: str | None


@dataclass
class ItemErrors:
    """Per-item errors of a batch; raised together as one error with every item listed."""

    errors: list[dict] = field(default_factory=list)
    first: type[DomainError] | None = None

    def add(self, index: int, kind: type[DomainError], code: str, message: str, **extra) -> None:
        self.first = self.first or kind
        self.errors.append({"index": index, "code": code, "message": message, **extra})

    def raise_if_any(self, what: str) -> None:
        if self.first is None:
            return
        first = self.errors[0]
        raise self.first(
            f"The {what} was refused: {len(self.errors)} item(s) in error; nothing was applied. "
            f"First: {first['message']}",
            code=first["code"],
            details={"errors": self.errors},
        )


@dataclass
class References:
    """The products and warehouses a batch names (only the fields the ledger reads; the
    others are deferred), the content hash of each of its ids already in the ledger, and
    (when asked) the existing levels of those products in those warehouses, locked."""

    products: dict[str, Product]
    warehouses: dict[str, Warehouse]
    bundles: set[int]
    known: dict[str, str] = field(default_factory=dict)
    levels: dict[Pair, StockLevel] | None = None
    """With ``load(levels=True)``: the existing levels of the products in the warehouses."""

    @classmethod
    def load(
        cls,
        tenant: Tenant,
        skus: set[str],
        codes: set[str],
        movement_ids: Collection[str] = (),
        levels: bool = False,
    ) -> References:
        refs = cls({}, {}, set(), levels={} if levels else None)
        alias = connection.alias
        for kind, pk, name, flag, digest, *level in sql.movement_reference_rows(
            tenant.pk, skus, codes, movement_ids, levels
        ):
            if kind == "p":
                values = (pk, tenant.pk, name)
                refs.products[name] = sql.loaded(Product, alias, PRODUCT_FIELDS, values)
                if flag:
                    refs.bundles.add(pk)
            elif kind == "w":
                values = (pk, tenant.pk, name, bool(flag))
                refs.warehouses[name] = sql.loaded(Warehouse, alias, WAREHOUSE_FIELDS, values)
            elif kind == "m":
                refs.known[name] = digest
            elif refs.levels is not None:  # "v", a level
                product_id, warehouse_id, on_hand, reserved = level
                values = (pk, tenant.pk, warehouse_id, product_id, on_hand, reserved)
                found = sql.loaded(StockLevel, alias, sql.LEVEL_COLUMNS, values)
                refs.levels[(product_id, warehouse_id)] = found
        return refs

    def check(self, errors: ItemErrors, index: int, sku: str, codes: Sequence[str]) -> bool:
        """Record why an item's SKU or warehouses are unusable; True when all are usable."""
        ok = True
        product = self.products.get(sku)
        if product is None:
            errors.add(index, Unprocessable, "stock.unknown_sku", f"No product '{sku}'.", sku=sku)
            ok = False
        elif product.pk in self.bundles:
            message = f"'{sku}' is a virtual bundle: its stock is its components' stock."
            errors.add(index, Unprocessable, "stock.bundle_sku", message, sku=sku)
            ok = False
        for code in codes:
            if code not in self.warehouses:
                message = f"No warehouse '{code}'."
                errors.add(index, Unprocessable, "stock.unknown_warehouse", message, warehouse=code)
                ok = False
        return ok


def deltas(item: MovementInput, refs: References) -> list[tuple[Pair, int]]:
    """How one movement changes on_hand, per (product, warehouse)."""
    product_id = refs.products[item.sku].pk
    source = (product_id, refs.warehouses[item.warehouse].pk)
    if item.type == Type.INBOUND:
        return [(source, item.quantity)]
    if item.type == Type.OUTBOUND:
        return [(source, -item.quantity)]
    if item.type == Type.TRANSFER:
        destination = (product_id, refs.warehouses[item.to_warehouse or ""].pk)
        return [(source, -item.quantity), (destination, item.quantity)]
    return [(source, item.quantity)]


def shape_error(item: MovementInput) -> str | None:
    if item.type not in Type.values:
        return f"Unknown movement type '{item.type}'."
    if item.type == Type.ADJUSTMENT and item.quantity == 0:
        return "An adjustment changes stock: its quantity cannot be 0."
    if item.type != Type.ADJUSTMENT and item.quantity <= 0:
        return f"A {item.type} quantity is positive; only adjustments are signed."
    if item.type == Type.TRANSFER and (
        not item.to_warehouse or item.to_warehouse == item.warehouse
    ):
        return "A transfer needs a to_warehouse other than its warehouse."
    if item.type != Type.TRANSFER and item.to_warehouse:
        return "Only transfers have a to_warehouse."
    return None


def post_movements(tenant: Tenant, items: Sequence[MovementInput]) -> MovementResult:
    """Apply a batch of movements atomically; see the module docstring for the rules.

    A concurrent batch may insert the same movement id or the same new level first; the
    unique constraint then refuses ours and the batch is evaluated once more, where the
    other batch's rows are seen (duplicates, or a conflict).
    """
    try:
        with transaction.atomic():
            return apply_movements(tenant, items)
    except IntegrityError:
        with transaction.atomic():
            return apply_movements(tenant, items)


TOGETHER_AT_MOST = 1000
"""Movements that batches posted together may add up to: what one request may post."""


def post_many(
    tenant: Tenant, batches: Sequence[Sequence[MovementInput]]
) -> list[MovementResult | Exception]:
    """``post_movements`` for batches that arrived together; each batch's result, or the
    error that refused it.

    Batches whose ids are all distinct and that add up to at most ``TOGETHER_AT_MOST``
    movements are applied as one, in one transaction: the same as one after another,
    since each movement is checked against the levels its predecessors left. Any error
    refuses the whole (one batch's bad movement would refuse them all), and each batch
    is posted again alone: its own answer, errors listed by its own indexes."""
    ids = [item.movement_id for batch in batches for item in batch]
    if len(batches) == 1 or len(set(ids)) < len(ids) or len(ids) > TOGETHER_AT_MOST:
        return [outcome(post_movements, tenant, batch) for batch in batches]
    try:
        together = post_movements(tenant, [item for batch in batches for item in batch])
    except Exception:  # one batch's error refuses all: each gets its own answer alone
        return [outcome(post_movements, tenant, batch) for batch in batches]
    accepted = set(together.accepted)
    return [
        MovementResult(
            accepted=[x.movement_id for x in batch if x.movement_id in accepted],
            duplicates=[x.movement_id for x in batch if x.movement_id not in accepted],
        )
        for batch in batches
    ]


posted_together: GroupCommit[Sequence[MovementInput], MovementResult] = GroupCommit(post_many)
"""This process's movement batches posted together, one line per tenant."""


def post_together(tenant: Tenant, items: Sequence[MovementInput]) -> MovementResult:
    """``post_movements``, in one transaction with the batches other threads of this
    process post for the same tenant at the same moment (``omnichannel.groupcommit``):
    what the API calls, so that a WMS posting single movements from many workers shares
    transactions, reads and listing recomputes."""
    return posted_together.submit(tenant, items)


def apply_movements(tenant: Tenant, items: Sequence[MovementInput]) -> MovementResult:
    """``post_movements`` without the retry: for callers already inside a transaction."""
    errors = ItemErrors()
    result = MovementResult()
    refs = References.load(
        tenant,
        {item.sku for item in items},
        {item.warehouse for item in items}
        | {item.to_warehouse for item in items if item.to_warehouse},
        {item.movement_id for item in items},
        levels=True,
    )
    known = refs.known
    new: list[tuple[int, MovementInput, str]] = []
    for index, item in enumerate(items):
        digest = item.content_hash()
        if item.movement_id in known:
            if known[item.movement_id] == digest:
                result.duplicates.append(item.movement_id)
            else:
                message = f"Movement '{item.movement_id}' was posted before with other content."
                errors.add(index, Conflict, "stock.movement_conflict", message, id=item.movement_id)
            continue
        known[item.movement_id] = digest
        problem = shape_error(item)
        if problem:
            errors.add(index, Unprocessable, "stock.invalid_movement", problem, id=item.movement_id)
            continue
        codes = [item.warehouse] + ([item.to_warehouse] if item.to_warehouse else [])
        if refs.check(errors, index, item.sku, codes):
            new.append((index, item, digest))

    changes = {index: deltas(item, refs) for index, item, _ in new}
    levels = locked_levels(
        tenant.pk, {pair for d in changes.values() for pair, _ in d}, found=refs.levels
    )
    negative_ok = {w.pk for w in refs.warehouses.values() if w.allow_negative_stock}
    for index, item, _ in new:
        refused = [
            (pair, delta)
            for pair, delta in changes[index]
            if delta < 0 and levels[pair].on_hand + delta < 0 and pair[1] not in negative_ok
        ]
        if refused:
            (_, warehouse_id), delta = refused[0]
            on_hand = levels[refused[0][0]].on_hand
            message = (
                f"Movement '{item.movement_id}' would take {item.sku} in {item.warehouse} "
                f"from {on_hand} to {on_hand + delta}; the warehouse does not allow negative stock."
            )
            errors.add(
                index, Conflict, "stock.negative", message, id=item.movement_id, on_hand=on_hand
            )
            continue
        for pair, delta in changes[index]:
            levels[pair].on_hand += delta
    errors.raise_if_any("batch")

    with sql.pipelined():  # the rows, the levels and the recompute's read: one round trip
        write_movements(tenant, new, refs, levels)
    result.accepted = [item.movement_id for _, item, _ in new]
    return result


def write_movements(
    tenant: Tenant,
    new: list[tuple[int, MovementInput, str]],
    refs: References,
    levels: dict[Pair, StockLevel],
) -> None:
    """Insert the accepted movements (with their content hashes), write their levels and
    recompute the listings of their products."""
    sql.insert_rows(
        [
            StockMovement(
                tenant=tenant,
                movement_id=item.movement_id,
                type=item.type,
                warehouse=refs.warehouses[item.warehouse],
                to_warehouse=refs.warehouses[item.to_warehouse] if item.to_warehouse else None,
                product=refs.products[item.sku],
                quantity=item.quantity,
                reason=item.reason,
                reference=item.reference,
                occurred_at=item.occurred_at,
                content_hash=digest,
            )
            for _, item, digest in new
        ]
    )
    write_levels(levels.values())
    recompute_products(tenant.pk, {product_id for product_id, _ in levels})


def apply_counts(
    tenant: Tenant,
    counts: Sequence[CountInput],
    counted_at: datetime,
    reference: str = "",
) -> list[CountResult]:
    """Set absolute on_hand figures (a stock take); each difference becomes an adjustment
    movement, so the ledger still sums to the level. A count equal to the level writes
    nothing, which makes repeating a count harmless."""
    with transaction.atomic():
        errors = ItemErrors()
        refs = References.load(
            tenant,
            {c.sku for c in counts},
            {c.warehouse for c in counts},
            levels=True,
        )
        seen: set[tuple[str, str]] = set()
        for index, count in enumerate(counts):
            if (count.warehouse, count.sku) in seen:
                message = f"{count.sku} in {count.warehouse} is counted twice."
                errors.add(index, Unprocessable, "stock.duplicate_count", message)
            seen.add((count.warehouse, count.sku))
            refs.check(errors, index, count.sku, [count.warehouse])
        errors.raise_if_any("count")
        pairs = {
            count: (refs.products[count.sku].pk, refs.warehouses[count.warehouse].pk)
            for count in counts
        }
        levels = locked_levels(tenant.pk, pairs.values(), found=refs.levels)
        batch = uuid.uuid4().hex[:12]
        results, movements = [], []
        for index, count in enumerate(counts):
            previous = levels[pairs[count]].on_hand
            movement_id = None
            if count.on_hand != previous:
                movement_id = f"count-{batch}-{index}"
                movements.append(
                    MovementInput(
                        movement_id=movement_id,
                        type=Type.ADJUSTMENT,
                        warehouse=count.warehouse,
                        sku=count.sku,
                        quantity=count.on_hand - previous,
                        occurred_at=counted_at,
                        reason="count",
                        reference=reference,
                    )
                )
            results.append(
                CountResult(count.warehouse, count.sku, previous, count.on_hand, movement_id)
            )
        if movements:
            apply_movements(tenant, movements)
        return results
