"""Reservations and supply checks: the stock operations the order pipeline calls.

These signatures are a contract with ``orders`` (docs/stock.md, "For the order pipeline"):

- ``reserve(order_line, warehouse, quantity=None)`` holds stock for a line in one warehouse;
  a bundle line reserves its components. Raises ``Conflict("stock.insufficient")``.
  ``reserve_lines([(line, quantity), ...], warehouse)`` does it for a whole order at once.
- ``release(order_line)`` gives the held stock back (cancellation);
  ``release_lines(lines)`` does it for a whole order with one recompute.
- ``consume(order_line)`` ships it: on_hand and reserved drop together, and outbound rows
  are written to the ledger; ``consume_lines(lines)`` for a whole order at once.
- ``can_supply(warehouse, lines)`` / ``able_to_supply(warehouses, lines)`` /
  ``shortfall(...)`` / ``supplying_warehouses(...)`` answer routing questions without
  changing anything.

Each runs in its own transaction (or the caller's) and recomputes the targets of the
affected listings before it commits. Two orders racing for the last unit cannot both get
it: levels are locked (PostgreSQL ``SELECT ... FOR UPDATE``) or the write transaction is
exclusive (SQLite ``BEGIN IMMEDIATE``), and availability is checked under that lock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from omnichannel.catalog.models import Product
from omnichannel.channels.models import Connection
from omnichannel.errors import Conflict, DomainError, Unprocessable
from omnichannel.inventory import sql
from omnichannel.inventory.ledger import MovementInput
from omnichannel.inventory.levels import (
    BundleParts,
    Pair,
    available_in_hand,
    bundle_parts,
    flush_writes,
    insert_reservations,
    locked_levels,
    requirements,
    write_levels,
)
from omnichannel.inventory.models import Reservation, StockLevel, StockMovement, Warehouse
from omnichannel.inventory.targets import recompute_products, warehouse_sets
from omnichannel.orders.models import OrderLine

State = Reservation.State


def check_line(order_line: OrderLine, quantity: int | None) -> int:
    """The units to reserve for a line; refused when it cannot hold stock at all."""
    if order_line.product_id is None:
        raise Unprocessable(
            "The order line is not mapped to a SKU, so nothing can be reserved.",
            code="stock.unmapped_line",
            details={"order_line": order_line.pk},
        )
    wanted = order_line.quantity if quantity is None else quantity
    if wanted <= 0:
        raise Unprocessable(
            "A reservation is for at least one unit.", code="stock.invalid_quantity"
        )
    return wanted


def reserve(
    order_line: OrderLine, warehouse: Warehouse, quantity: int | None = None
) -> list[Reservation]:
    """Hold ``quantity`` (default: the line's quantity) for the line in ``warehouse``.

    Idempotent: the same line reserved again in the same warehouse for the same quantity
    returns the open reservations unchanged. To move a line to another warehouse,
    ``release`` it first. A released line may be reserved again; a consumed one may not.
    """
    return reserve_lines([(order_line, quantity)], warehouse)


def reserve_lines(
    lines: Sequence[tuple[OrderLine, int | None]],
    warehouse: Warehouse,
    *,
    parts: BundleParts | None = None,
    new_lines: bool = False,
) -> list[Reservation]:
    """``reserve`` for several lines (of one order) together, all or none.

    One bundle lookup, one level lock, one write and one recompute for the whole order
    instead of one each per line; availability is checked on the lines' total per SKU.
    ``parts``: the lines' ``bundle_parts`` when the caller has read them already;
    ``new_lines``: the lines were inserted in this transaction, so they hold nothing yet.

    Every refusal comes before the first write and is raised once the transaction block
    is left, so no savepoint is needed: the caller's transaction goes on as if nothing
    had been tried.
    """
    wanted = [(line, check_line(line, quantity)) for line, quantity in lines]
    if parts is None:
        parts = bundle_parts(line.product_id for line, _ in wanted)
    with transaction.atomic(savepoint=False):
        try:
            return reserve_in_transaction(wanted, warehouse, parts, new_lines)
        except DomainError as refused:
            refusal = refused
    raise refusal


def reserve_in_transaction(
    wanted: list[tuple[OrderLine, int]],
    warehouse: Warehouse,
    parts: BundleParts,
    new_lines: bool,
) -> list[Reservation]:
    """``reserve_lines`` inside its transaction; refusals raised before the first write."""
    tenant_id = warehouse.tenant_id
    existing: dict[int, dict[int, Reservation]] = defaultdict(dict)
    if not new_lines:
        flush_writes()  # inside ``written_once``: the reservations noted so far
    for row in [] if new_lines else sql.reservations_of_lines([x.pk for x, _ in wanted]):
        existing[row.order_line_id][row.product_id] = row
    kept: list[Reservation] = []
    todo: list[tuple[OrderLine, dict[int, int]]] = []
    for line, units in wanted:
        needed = requirements([(line.product_id, units)], parts)
        if still_held(line, needed, existing[line.pk], warehouse):
            kept.extend(existing[line.pk].values())
        else:
            todo.append((line, needed))
    if not todo:
        return kept
    totals: dict[int, int] = defaultdict(int)
    for _, needed in todo:
        for product_id, units in needed.items():
            totals[product_id] += units
    levels = locked_levels(tenant_id, {(p, warehouse.pk) for p in totals})
    check_available(warehouse, levels, totals)
    fresh: list[Reservation] = []
    for line, needed in todo:
        for product_id, units in needed.items():
            levels[(product_id, warehouse.pk)].reserved += units
            reservation = existing[line.pk].get(product_id) or sql.built(
                Reservation, tenant_id=tenant_id, order_line=line, product_id=product_id
            )
            reservation.warehouse = warehouse
            reservation.quantity = units
            reservation.state = State.OPEN
            fresh.append(reservation)
    reopened = [r for r in fresh if r.pk is not None]  # released before, held again
    insert_reservations([r for r in fresh if r.pk is None])
    for reservation in reopened:
        reservation.save()
    write_levels(levels.values())
    recompute_products(tenant_id, totals)
    return kept + fresh


def still_held(
    line: OrderLine, needed: dict[int, int], rows: dict[int, Reservation], warehouse: Warehouse
) -> bool:
    """True when the line already holds exactly ``needed`` in ``warehouse`` (nothing to do);
    refused when it holds something else or has shipped; False when it holds nothing."""
    held = {p: r for p, r in rows.items() if r.state == State.OPEN}
    if held:
        if {p: r.quantity for p, r in held.items()} == needed and all(
            r.warehouse_id == warehouse.pk for r in held.values()
        ):
            return True
        raise Conflict(
            "This order line already holds stock; release it before reserving again.",
            code="stock.already_reserved",
            details={"order_line": line.pk},
        )
    if any(r.state == State.CONSUMED for r in rows.values()):
        raise Conflict(
            "This order line has shipped; its stock cannot be reserved again.",
            code="stock.already_consumed",
            details={"order_line": line.pk},
        )
    return False


def check_available(
    warehouse: Warehouse, levels: dict[Pair, StockLevel], needed: dict[int, int]
) -> None:
    """Refuse with ``stock.insufficient`` (and what is short per SKU) unless the locked
    ``levels`` of ``warehouse`` have ``needed`` available."""
    short = {p: qty for p, qty in needed.items() if levels[(p, warehouse.pk)].available < qty}
    if not short:
        return
    skus = dict(Product.objects.filter(pk__in=short).values_list("pk", "sku"))
    raise Conflict(
        f"Warehouse {warehouse.code} does not have enough stock for this line.",
        code="stock.insufficient",
        details={
            "warehouse": warehouse.code,
            "short": [
                {
                    "sku": skus[p],
                    "needed": qty,
                    "available": max(0, levels[(p, warehouse.pk)].available),
                }
                for p, qty in short.items()
            ],
        },
    )


def settle(
    order_lines: Sequence[OrderLine], state: str
) -> tuple[list[Reservation], list[StockLevel]]:
    """Close the lines' open reservations as ``state``, taking them off ``reserved``: one
    read, one level lock and one write for all of them."""
    flush_writes()  # inside ``written_once``: the reservations noted so far
    reservations = list(
        Reservation.objects.select_for_update()
        .filter(order_line__in=[line.pk for line in order_lines], state=State.OPEN)
        .select_related("warehouse", "product")
        .order_by("pk")
    )
    if not reservations:
        return [], []
    tenant_id = reservations[0].tenant_id
    levels = locked_levels(tenant_id, {(r.product_id, r.warehouse_id) for r in reservations})
    for reservation in reservations:
        levels[(reservation.product_id, reservation.warehouse_id)].reserved -= reservation.quantity
        reservation.state = state
    Reservation.objects.bulk_update(reservations, ["state", "updated_at"])
    return reservations, list(levels.values())


def release(order_line: OrderLine) -> list[Reservation]:
    """Give back what the line holds (cancellation). Releasing twice changes nothing."""
    return release_lines([order_line])


def release_lines(order_lines: Sequence[OrderLine]) -> list[Reservation]:
    """``release`` for several lines (an order cancelled) with one recompute."""
    with transaction.atomic():
        reservations, levels = settle(order_lines, State.RELEASED)
        if reservations:
            write_levels(levels)
            recompute_products(reservations[0].tenant_id, {r.product_id for r in reservations})
        return reservations


def consume(order_line: OrderLine, reference: str = "") -> list[StockMovement]:
    """Ship what the line holds: on_hand and reserved drop together, and one outbound
    ledger row per reservation is written (id ``reservation-<id>-shipped``). Consuming
    twice changes nothing. Refused with ``stock.negative`` if on_hand would go below zero
    in a warehouse that does not allow it (the WMS's counts disagree with ours)."""
    return consume_lines([order_line], reference)


def consume_lines(order_lines: Sequence[OrderLine], reference: str = "") -> list[StockMovement]:
    """``consume`` for several lines (an order shipped, a POS sale) with one level write,
    one ledger insert and one recompute; all or nothing."""
    with transaction.atomic():
        reservations, levels = settle(order_lines, State.CONSUMED)
        if not reservations:
            return []
        by_pair = {(level.product_id, level.warehouse_id): level for level in levels}
        now = timezone.now()
        movements = []
        for reservation in reservations:
            level = by_pair[(reservation.product_id, reservation.warehouse_id)]
            level.on_hand -= reservation.quantity
            if level.on_hand < 0 and not reservation.warehouse.allow_negative_stock:
                raise Conflict(
                    f"Shipping {reservation.quantity} × {reservation.product.sku} would take "
                    f"on_hand in {reservation.warehouse.code} below zero.",
                    code="stock.negative",
                    details={
                        "sku": reservation.product.sku,
                        "warehouse": reservation.warehouse.code,
                    },
                )
            movement = MovementInput(
                movement_id=f"reservation-{reservation.pk}-shipped",
                type=StockMovement.Type.OUTBOUND,
                warehouse=reservation.warehouse.code,
                sku=reservation.product.sku,
                quantity=reservation.quantity,
                occurred_at=now,
                reason="order shipped",
                reference=reference,
            )
            movements.append(
                StockMovement(
                    tenant_id=reservation.tenant_id,
                    movement_id=movement.movement_id,
                    type=movement.type,
                    warehouse=reservation.warehouse,
                    product=reservation.product,
                    quantity=movement.quantity,
                    reason=movement.reason,
                    reference=reference,
                    occurred_at=now,
                    content_hash=movement.content_hash(),
                )
            )
        StockMovement.objects.bulk_create(movements)
        write_levels(levels)
        recompute_products(reservations[0].tenant_id, {r.product_id for r in reservations})
        return movements


def shortfall(warehouse: Warehouse, lines: Sequence[tuple[Product, int]]) -> dict[str, int]:
    """Units missing per SKU for ``warehouse`` to supply (product, quantity) lines now;
    bundles count as their components. Empty when it can supply everything."""
    needed = requirements([(product.pk, quantity) for product, quantity in lines])
    flush_writes()  # inside ``written_once``: what this batch changed so far
    available = {
        level.product_id: level.available
        for level in StockLevel.objects.filter(warehouse=warehouse, product_id__in=needed)
    }
    missing = {p: qty - max(0, available.get(p, 0)) for p, qty in needed.items()}
    missing = {p: qty for p, qty in missing.items() if qty > 0}
    skus = dict(Product.objects.filter(pk__in=missing).values_list("pk", "sku"))
    return {skus[p]: qty for p, qty in missing.items()}


def able_to_supply(
    warehouses: Sequence[Warehouse],
    lines: Sequence[tuple[Product, int]],
    parts: BundleParts | None = None,
) -> set[int]:
    """Ids of the ``warehouses`` that hold enough available stock for every line right
    now, in one read whatever their number (routing weighs all its candidates at once).
    ``parts``: the lines' ``bundle_parts`` when the caller has read them already."""
    needed = requirements([(product.pk, quantity) for product, quantity in lines], parts)
    ids = [warehouse.pk for warehouse in warehouses]
    if not ids:
        return set()
    # Inside ``written_once`` the levels in hand are the ones a batch has been changing.
    pairs = [(p, w) for p in needed for w in ids]
    available = available_in_hand(warehouses[0].tenant_id, pairs)
    rest = [pair for pair in pairs if pair not in available]
    if rest:
        available |= sql.available_units({p for p, _ in rest}, {w for _, w in rest})
    return {
        warehouse_id
        for warehouse_id in ids
        if all(available.get((p, warehouse_id), 0) >= qty for p, qty in needed.items())
    }


def can_supply(warehouse: Warehouse, lines: Sequence[tuple[Product, int]]) -> bool:
    """Whether ``warehouse`` holds enough available stock for every line right now."""
    return warehouse.pk in able_to_supply([warehouse], lines)


def supplying_warehouses(
    connection: Connection, lines: Sequence[tuple[Product, int]]
) -> list[Warehouse]:
    """The connection's warehouses that can supply all the lines, in priority order:
    the routing candidates for an order (the first one is the default choice)."""
    order = warehouse_sets(connection.tenant_id, {connection.pk}).get(connection.pk, ())
    warehouses = Warehouse.objects.in_bulk(order)
    able = able_to_supply(list(warehouses.values()), lines)
    return [warehouses[w] for w in order if w in able]
