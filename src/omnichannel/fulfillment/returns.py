"""Returns: from the request to restock or write-off, and the refund.

::

    requested ─approve─▶ approved ──┐
        │                           ├─receive─▶ received ─qc─▶ qc_passed ─┐
        └──────(or in_transit)──────┘              │           qc_failed ─┼─refund─▶ refunded
    requested / approved ─reject─▶ rejected        └──────────refund──────┘
    rejected, qc_passed, qc_failed, refunded ─close─▶ closed

Any other move is refused with 409 ``return.invalid_transition``. Each change saves the
return and writes its ``return.updated`` event in one transaction. Lines that pass QC go
back into stock through the stock engine's ledger (an inbound movement with the id
``return-<return>-<line>``, so a replay restocks nothing twice), which updates the level and
every channel's listing target in the same transaction; lines that fail are written off:
recorded on the line, never restocked (the goods left stock when the order shipped). QC
judges units, not lines: of a line of N, some may pass and the rest fail.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from omnichannel.catalog.models import Product
from omnichannel.errors import Conflict, Unprocessable
from omnichannel.fulfillment.models import Return, ReturnLine
from omnichannel.fulfillment.schemas import return_data
from omnichannel.inventory.ledger import MovementInput, post_movements
from omnichannel.inventory.levels import requirements
from omnichannel.inventory.models import StockMovement, Warehouse
from omnichannel.inventory.targets import warehouse_sets
from omnichannel.notifications.services import emit
from omnichannel.orders import lifecycle
from omnichannel.orders import services as orders
from omnichannel.orders.models import Order, OrderLine

S = Return.Status
QC = ReturnLine.QcResult

ACTIONS: dict[str, set[str]] = {
    "approve": {S.REQUESTED},
    "reject": {S.REQUESTED, S.APPROVED},
    "receive": {S.REQUESTED, S.APPROVED, S.IN_TRANSIT},
    "qc": {S.RECEIVED},
    "refund": {S.RECEIVED, S.QC_PASSED, S.QC_FAILED},
    "close": {S.REJECTED, S.QC_PASSED, S.QC_FAILED, S.REFUNDED},
}
"""Which statuses each action is allowed from."""


@dataclass(frozen=True)
class LineRequest:
    sku: str
    quantity: int
    reason: str = ""
    order_line: OrderLine | None = None


@dataclass(frozen=True)
class QcResult:
    """One line's QC verdict: ``result`` for the whole line (``pass`` or ``fail``), or the
    units that ``passed`` and ``failed`` (give one and the rest of the line is the other)."""

    sku: str
    result: str | None = None
    passed: int | None = None
    failed: int | None = None
    warehouse: Warehouse | None = None
    note: str = ""


def check_allowed(return_request: Return, action: str) -> None:
    if return_request.status not in ACTIONS[action]:
        raise Conflict(
            f"Cannot {action} a return that is {return_request.status}.",
            code="return.invalid_transition",
            details={
                "action": action,
                "status": return_request.status,
                "allowed_from": sorted(str(status) for status in ACTIONS[action]),
            },
        )


def locked(return_request: Return) -> Return:
    return Return.objects.select_for_update().select_related("order").get(pk=return_request.pk)


def announce(return_request: Return) -> None:
    data = return_data(return_request)
    emit(return_request.tenant, "return.updated", "return", return_request.pk, data)


# --- create -------------------------------------------------------------------------


def ordered_by_sku(order: Order) -> tuple[Counter[str], dict[str, Product | None]]:
    """Units ordered per SKU (the master SKU, or the channel's for an unmapped line)."""
    ordered: Counter[str] = Counter()
    products: dict[str, Product | None] = {}
    for line in order.lines.select_related("product"):
        sku = line.product.sku if line.product else line.channel_sku
        ordered[sku] += line.quantity
        products[sku] = line.product
    return ordered, products


def returned_by_sku(order: Order, received_only: bool = False) -> Counter[str]:
    """Units already asked back (or, with ``received_only``, back in the warehouse). A
    rejected return counts nothing, nor one closed without arriving (the buyer withdrew it
    on the channel)."""
    lines = (
        ReturnLine.objects.filter(return_request__order=order)
        .exclude(return_request__status=S.REJECTED)
        .exclude(return_request__status=S.CLOSED, return_request__received_at__isnull=True)
    )
    if received_only:
        lines = lines.filter(return_request__received_at__isnull=False)
    counted: Counter[str] = Counter()
    for sku, quantity in lines.values_list("sku", "quantity"):
        counted[sku] += quantity
    return counted


def check_returnable(order: Order, lines: list[LineRequest]) -> dict[str, Product | None]:
    """Refuse a return for an order that has not left, for SKUs it does not contain, or for
    more units than were ordered (counting the order's other returns)."""
    if order.status not in lifecycle.CONSUMED:
        raise Conflict(
            f"Order {order.pk} is {order.status}: only shipped orders can be returned.",
            code="return.order_not_shipped",
            details={"order": order.pk, "status": order.status},
        )
    skus = [line.sku for line in lines]
    if len(set(skus)) != len(skus):
        raise Unprocessable("Each SKU appears once in a return.", code="return.duplicate_sku")
    ordered, products = ordered_by_sku(order)
    unknown = [sku for sku in skus if sku not in ordered]
    if unknown:
        raise Unprocessable(
            "The order has no line with these SKUs.",
            code="return.sku_not_in_order",
            details={"skus": unknown},
        )
    already = returned_by_sku(order)
    over = [
        {
            "sku": line.sku,
            "ordered": ordered[line.sku],
            "already_returned": already[line.sku],
            "requested": line.quantity,
        }
        for line in lines
        if already[line.sku] + line.quantity > ordered[line.sku]
    ]
    if over:
        raise Unprocessable(
            "More units would be returned than were ordered.",
            code="return.exceeds_ordered",
            details={"lines": over},
        )
    return products


@transaction.atomic
def create_return(
    order: Order,
    lines: list[LineRequest],
    external_id: str,
    reason: str = "",
    return_tracking_number: str = "",
    *,
    status: str = S.REQUESTED,
    channel_status: str = "",
    channel_data: dict | None = None,
) -> tuple[Return, bool]:
    """Open a return for ``order``; idempotent by (order, external id): asking again
    returns the first one unchanged, with ``created`` False. A channel's return starts at
    the channel's status (``status``, ``channel_status``) with its own fields kept."""
    order = Order.objects.select_for_update().get(pk=order.pk)  # one over-return check at a time
    existing = Return.objects.filter(order=order, external_id=external_id).first()
    if existing is not None:
        return existing, False
    products = check_returnable(order, lines)
    try:
        with transaction.atomic():
            return_request = Return.objects.create(
                tenant=order.tenant,
                order=order,
                external_id=external_id,
                status=status,
                reason=reason,
                return_tracking_number=return_tracking_number,
                channel_status=channel_status,
                channel_data=channel_data or {},
            )
    except IntegrityError:  # the same return created concurrently, by another path
        return Return.objects.get(order=order, external_id=external_id), False
    ReturnLine.objects.bulk_create(
        ReturnLine(
            return_request=return_request,
            order_line=line.order_line,
            product=products[line.sku],
            sku=line.sku,
            quantity=line.quantity,
            reason=line.reason,
        )
        for line in lines
    )
    announce(return_request)
    return return_request, True


# --- moves --------------------------------------------------------------------------


@transaction.atomic
def transition(return_request: Return, action: str) -> Return:
    """approve, reject or close: status-only moves."""
    return_request = locked(return_request)
    check_allowed(return_request, action)
    targets = {"approve": S.APPROVED, "reject": S.REJECTED, "close": S.CLOSED}
    return_request.status = targets[action]
    return_request.save(update_fields=["status", "updated_at"])
    announce(return_request)
    return return_request


@transaction.atomic
def receive(return_request: Return) -> Return:
    """The parcel is back at the warehouse. Once every unit of the order is back, the order
    itself moves to ``returned`` through the order lifecycle."""
    return_request = locked(return_request)
    check_allowed(return_request, "receive")
    return_request.status = S.RECEIVED
    return_request.received_at = timezone.now()
    return_request.save(update_fields=["status", "received_at", "updated_at"])
    order = return_request.order
    ordered, _ = ordered_by_sku(order)
    back = returned_by_sku(order, received_only=True)
    fully_back = all(back[sku] >= quantity for sku, quantity in ordered.items())
    if fully_back and order.status in lifecycle.ACTIONS["return"][0]:
        orders.perform(order, "return")
    announce(return_request)
    return return_request


def restock_movements(
    return_request: Return, line: ReturnLine, warehouse: Warehouse
) -> list[MovementInput]:
    """Inbound movements putting a line's passed units back; a bundle comes back as its
    parts."""
    if line.product is None:
        raise Unprocessable(
            f"{line.sku} is not mapped to a product, so it cannot be restocked.",
            code="return.unmapped_line",
            details={"sku": line.sku},
        )
    parts = requirements([(line.product.pk, line.passed_quantity)])
    skus = dict(Product.objects.filter(pk__in=parts).values_list("pk", "sku"))
    base = f"return-{return_request.pk}-{line.pk}"
    return [
        MovementInput(
            movement_id=base if product_id == line.product.pk else f"{base}-{skus[product_id]}",
            type=StockMovement.Type.INBOUND,
            warehouse=warehouse.code,
            sku=skus[product_id],
            quantity=quantity,
            occurred_at=return_request.qc_at,
            reason="return passed QC",
            reference=f"return {return_request.external_id} of order {return_request.order_id}",
        )
        for product_id, quantity in parts.items()
    ]


def restock_warehouse(order: Order) -> Warehouse | None:
    """Where passed units go unless QC says otherwise: the order's warehouse, or for an
    order first seen after it left (never routed, e.g. a channel return's), the first
    warehouse serving its shop."""
    if order.warehouse is not None:
        return order.warehouse
    serving = warehouse_sets(order.tenant_id, {order.connection_id}).get(order.connection_id)
    return Warehouse.objects.filter(pk=serving[0]).first() if serving else None


def qc_result_of(passed: int, failed: int) -> str:
    """``pass`` when every unit passed, ``fail`` when none did, else ``partial``."""
    if not failed:
        return QC.PASS
    return QC.FAIL if not passed else QC.PARTIAL


def judged_units(line: ReturnLine, result: QcResult) -> tuple[int, int]:
    """(passed, failed) units of ``line``; they must add up to the units that came back."""
    if result.passed is None and result.failed is None:
        if result.result not in (QC.PASS, QC.FAIL):
            raise Unprocessable(
                f"Say whether {line.sku} passed: a result, or passed and failed units.",
                code="return.qc_incomplete",
                details={"sku": line.sku},
            )
        return (line.quantity, 0) if result.result == QC.PASS else (0, line.quantity)
    passed = result.passed if result.passed is not None else line.quantity - (result.failed or 0)
    failed = result.failed if result.failed is not None else line.quantity - passed
    adds_up = min(passed, failed) >= 0 and passed + failed == line.quantity
    if not adds_up or result.result not in (None, qc_result_of(passed, failed)):
        raise Unprocessable(
            f"{line.sku}: passed and failed units must add up to the {line.quantity} returned.",
            code="return.qc_quantities_mismatch",
            details={
                "sku": line.sku,
                "quantity": line.quantity,
                "passed": result.passed,
                "failed": result.failed,
                "result": result.result,
            },
        )
    return passed, failed


@transaction.atomic
def record_qc(return_request: Return, results: list[QcResult], note: str = "") -> Return:
    """Record every line's QC verdict, per unit: passed units are restocked into the line's
    warehouse (default: ``restock_warehouse``), failed ones written off. All lines are
    judged at once; the return is ``qc_failed`` only when no unit passed."""
    return_request = locked(return_request)
    check_allowed(return_request, "qc")
    lines = {line.sku: line for line in return_request.lines.select_related("product")}
    judged = Counter(result.sku for result in results)
    if set(judged) != set(lines) or any(count > 1 for count in judged.values()):
        raise Unprocessable(
            "Give exactly one QC result for each line of the return.",
            code="return.qc_incomplete",
            details={"lines": sorted(lines), "results": [result.sku for result in results]},
        )
    return_request.qc_at = timezone.now()
    default_warehouse = restock_warehouse(return_request.order)
    movements: list[MovementInput] = []
    for result in results:
        line = lines[result.sku]
        line.passed_quantity, line.failed_quantity = judged_units(line, result)
        line.qc_result = qc_result_of(line.passed_quantity, line.failed_quantity)
        line.qc_note = result.note
        if line.passed_quantity:
            warehouse = result.warehouse or default_warehouse
            if warehouse is None:
                raise Unprocessable(
                    f"Say which warehouse {line.sku} goes back to: the order has none.",
                    code="return.no_warehouse",
                    details={"sku": line.sku},
                )
            line.restock_warehouse = warehouse
            movements += restock_movements(return_request, line, warehouse)
    if movements:
        post_movements(return_request.tenant, movements)
    ReturnLine.objects.bulk_update(
        lines.values(),
        ["qc_result", "passed_quantity", "failed_quantity", "qc_note", "restock_warehouse"],
    )
    nothing_passed = not any(line.passed_quantity for line in lines.values())
    return_request.status = S.QC_FAILED if nothing_passed else S.QC_PASSED
    return_request.qc_note = note
    return_request.save(update_fields=["status", "qc_at", "qc_note", "updated_at"])
    announce(return_request)
    return return_request


@transaction.atomic
def refund(return_request: Return, status: str, amount: Decimal | None = None) -> Return:
    """Record the refund's progress; ``refunded`` closes the money side (status
    ``refunded``). The amount cannot exceed the order's total."""
    return_request = locked(return_request)
    check_allowed(return_request, "refund")
    total = return_request.order.total
    if amount is not None and total and amount > total:
        raise Unprocessable(
            f"A refund of {amount} exceeds the order's total of {total}.",
            code="return.refund_exceeds_order",
            details={"amount": str(amount), "order_total": str(total)},
        )
    return_request.refund_status = status
    if amount is not None:
        return_request.refund_amount = amount
    if status == Return.RefundStatus.REFUNDED:
        return_request.status = S.REFUNDED
        return_request.refunded_at = timezone.now()
    return_request.save()
    announce(return_request)
    return return_request
