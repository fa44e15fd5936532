"""A channel's returns (e.g. Shopee's return list) as our returns.

Each channel return is one ``Return`` of its order, found again by the channel's return id
(the return's ``external_id``), so reading it twice changes nothing. Its lines are the
order lines the channel names (by item and variant, else by SKU). The channel moves a
return only through the steps before it reaches us — requested, approved, in transit —
and only forward, or ends it (rejected, or closed when the buyer withdrew it) while it has
not arrived. Everything from receipt on (receive, QC, refund) is ours: the warehouse's
flow in ``fulfillment.returns`` works on channel returns as on any other.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from omnichannel.errors import Unprocessable
from omnichannel.fulfillment.models import Return
from omnichannel.fulfillment.returns import LineRequest, announce, create_return, locked
from omnichannel.orders.models import Order, OrderLine
from omnichannel.unified import returns as unified

S = Return.Status

CHANNEL_STEPS: dict[unified.ReturnStatus, str] = {
    unified.ReturnStatus.REQUESTED: S.REQUESTED,
    unified.ReturnStatus.APPROVED: S.APPROVED,
    unified.ReturnStatus.IN_TRANSIT: S.IN_TRANSIT,
}
"""Where the channel's word decides our status, in order: it only ever moves forward."""

CHANNEL_ENDS: dict[unified.ReturnStatus, str] = {
    unified.ReturnStatus.REJECTED: S.REJECTED,
    unified.ReturnStatus.CLOSED: S.CLOSED,
}
"""The channel ended the return before it reached us: nothing more will come back."""

NOT_ARRIVED = list(CHANNEL_STEPS.values())


def channel_status_of(incoming: unified.Return) -> str:
    """Our status for a return the channel reports at ``incoming.status``. A status after
    the parcel reaches the seller (received, QC, refunded) is ours to set, not the
    channel's: such a return starts in transit, for the warehouse to receive."""
    if incoming.status in CHANNEL_STEPS:
        return CHANNEL_STEPS[incoming.status]
    return CHANNEL_ENDS.get(incoming.status, S.IN_TRANSIT)


def order_line_for(lines: list[OrderLine], line: unified.ReturnLine) -> OrderLine | None:
    """The order line a channel's return line names: by item and variant, else by SKU."""
    for candidate in lines:
        same_item = line.external_item_id and candidate.external_item_id == line.external_item_id
        if same_item and candidate.external_variant_id == (line.external_variant_id or ""):
            return candidate
    return next((c for c in lines if line.sku and c.channel_sku == line.sku), None)


def line_requests(order: Order, incoming: unified.Return) -> list[LineRequest]:
    """Our return lines: the order lines coming back, one per SKU (the master SKU, or the
    channel's for an unmapped line). Refused when the channel names a line the order lacks."""
    order_lines = list(order.lines.select_related("product"))
    quantities: dict[str, int] = defaultdict(int)
    first_line: dict[str, OrderLine] = {}
    unknown = []
    for line in incoming.lines:
        order_line = order_line_for(order_lines, line)
        if order_line is None:
            unknown.append(line.sku or f"{line.external_item_id}/{line.external_variant_id}")
            continue
        sku = order_line.product.sku if order_line.product else order_line.channel_sku
        quantities[sku] += line.quantity
        first_line.setdefault(sku, order_line)
    if unknown or not quantities:
        raise Unprocessable(
            f"Return {incoming.external_id} names items order {order.external_id} lacks.",
            code="return.line_not_in_order",
            details={"return": incoming.external_id, "lines": unknown},
        )
    reason = incoming.reason or ""
    return [
        LineRequest(sku, quantity, reason[:300], order_line=first_line[sku])
        for sku, quantity in quantities.items()
    ]


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@transaction.atomic
def upsert_channel_return(order: Order, incoming: unified.Return) -> tuple[Return, str]:
    """Create the channel's return for ``order``, or bring ours up to the channel's news.
    Returns our return and what happened to it (``created``, ``updated``, ``unchanged``);
    a change writes ``return.updated``."""
    existing = Return.objects.filter(order=order, external_id=incoming.external_id).first()
    if existing is not None:
        return_request, changed = follow_channel(existing, incoming)
        return return_request, UPDATED if changed else UNCHANGED
    return_request, created = create_return(
        order,
        line_requests(order, incoming),
        incoming.external_id,
        (incoming.reason or "")[:300],
        incoming.return_tracking_number or "",
        status=channel_status_of(incoming),
        channel_status=incoming.channel_status[:40],
        channel_data=channel_data_of(incoming),
    )
    return return_request, CREATED if created else UNCHANGED


def follow_channel(return_request: Return, incoming: unified.Return) -> tuple[Return, bool]:
    """Take the channel's status step, tracking number and own fields; never move a
    return back, nor one that has reached us. Saved only when something differs."""
    return_request = locked(return_request)
    status = return_request.status
    if status in NOT_ARRIVED:
        reported = channel_status_of(incoming)
        ends = reported not in NOT_ARRIVED
        if ends or NOT_ARRIVED.index(reported) > NOT_ARRIVED.index(status):
            status = reported
    news = {
        "status": status,
        "channel_status": incoming.channel_status[:40],
        "return_tracking_number": (
            incoming.return_tracking_number or return_request.return_tracking_number
        ),
    }
    changed = any(getattr(return_request, field) != value for field, value in news.items())
    channel_data = channel_data_of(incoming)
    if not changed and channel_data == return_request.channel_data:
        return return_request, False
    for field, value in {**news, "channel_data": channel_data}.items():
        setattr(return_request, field, value)
    return_request.save()
    if changed:
        announce(return_request)
    return return_request, changed


def channel_data_of(incoming: unified.Return) -> dict:
    """The channel's own fields of the return, as plain JSON (money as strings)."""
    return incoming.model_dump(mode="json", include={"channel_data"})["channel_data"]
