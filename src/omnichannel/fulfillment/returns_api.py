"""Returns: open one for an order, receive it, record QC, record the refund."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned
from omnichannel.errors import Unprocessable
from omnichannel.fulfillment import returns
from omnichannel.fulfillment.models import Return
from omnichannel.fulfillment.schemas import ReturnOut
from omnichannel.inventory.models import Warehouse
from omnichannel.orders.models import Order

router = Router(tags=["returns"])


class ReturnLineIn(Schema):
    sku: str = Field(min_length=1, max_length=100, examples=["TEE-RED-M"])
    quantity: int = Field(ge=1, le=100_000)
    reason: str = Field("", max_length=300)


class ReturnIn(Schema):
    order_id: int
    external_id: str = Field(
        "", max_length=100, description="Your return id: the same one again is the same return"
    )
    reason: str = Field("", max_length=300)
    return_tracking_number: str = Field("", max_length=100)
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)


class QcLineIn(Schema):
    sku: str
    result: Literal["pass", "fail"] | None = Field(
        None, description="The whole line: pass (restock) or fail (write off)"
    )
    passed: int | None = Field(
        None, ge=0, description="Units that passed (restocked); the rest of the line failed"
    )
    failed: int | None = Field(
        None, ge=0, description="Units that failed (written off); the rest of the line passed"
    )
    warehouse: str | None = Field(None, description="Warehouse code; default the order's")
    note: str = Field("", max_length=300)


class QcIn(Schema):
    lines: list[QcLineIn] = Field(min_length=1, max_length=500)
    note: str = ""


class RefundIn(Schema):
    status: Literal["pending", "refunded", "declined"] = "refunded"
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


def detailed(rows: QuerySet[Return]) -> QuerySet[Return]:
    return rows.select_related("order").prefetch_related("lines__restock_warehouse")


def fresh(request: HttpRequest, return_id: int) -> Return:
    return detailed(owned(Return, request)).get(pk=return_id)


@router.post(
    "",
    response={200: ReturnOut, 201: ReturnOut},
    auth=scope("orders:write"),
    summary="Open a return for an order",
    description="201 when created; 200 with the existing return when the same external_id "
    "was used for this order before. 422 `return.exceeds_ordered` when more units would come "
    "back than were ordered (counting the order's other returns).",
)
def create_return(request: HttpRequest, payload: ReturnIn) -> Status:
    order = get_owned(Order, request, payload.order_id)
    lines = [returns.LineRequest(line.sku, line.quantity, line.reason) for line in payload.lines]
    return_request, created = returns.create_return(
        order,
        lines,
        payload.external_id or uuid.uuid4().hex,
        payload.reason,
        payload.return_tracking_number,
    )
    return Status(201 if created else 200, fresh(request, return_request.pk))


@router.get("", response=Page[ReturnOut], auth=scope("orders:read"), summary="List returns")
def list_returns(
    request: HttpRequest,
    status: Return.Status | None = None,
    order_id: int | None = None,
    connection_id: int | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    rows = owned(Return, request)
    if status:
        rows = rows.filter(status=status)
    if order_id:
        rows = rows.filter(order_id=order_id)
    if connection_id:
        rows = rows.filter(order__connection_id=connection_id)
    return paginate(detailed(rows), cursor, limit)


@router.get("/{return_id}", response=ReturnOut, auth=scope("orders:read"), summary="Get a return")
def get_return(request: HttpRequest, return_id: int) -> Return:
    return fresh(request, get_owned(Return, request, return_id).pk)


@router.post(
    "/{return_id}/receive",
    response=ReturnOut,
    auth=scope("orders:write"),
    summary="The return arrived at the warehouse",
)
def receive_return(request: HttpRequest, return_id: int) -> Return:
    returns.receive(get_owned(Return, request, return_id))
    return fresh(request, return_id)


@router.post(
    "/{return_id}/qc",
    response=ReturnOut,
    auth=scope("orders:write"),
    summary="Record the QC result of every line, per unit",
    description="Per line a `result` (pass: restocked into the chosen warehouse, default the "
    "order's, as an inbound movement `return-<id>-<line>`; fail: written off, not restocked) "
    "or the units that `passed` and `failed`, which must add up to the line's quantity "
    "(422 `return.qc_quantities_mismatch`); only the passed units are restocked.",
)
def qc_return(request: HttpRequest, return_id: int, payload: QcIn) -> Return:
    return_request = get_owned(Return, request, return_id)
    codes = {line.warehouse for line in payload.lines if line.warehouse}
    warehouses = {w.code: w for w in owned(Warehouse, request).filter(code__in=codes)}
    unknown = sorted(codes - warehouses.keys())
    if unknown:
        raise Unprocessable(
            "No such warehouse.", code="return.unknown_warehouse", details={"warehouses": unknown}
        )
    results = [
        returns.QcResult(
            sku=line.sku,
            result=line.result,
            passed=line.passed,
            failed=line.failed,
            warehouse=warehouses.get(line.warehouse or ""),
            note=line.note,
        )
        for line in payload.lines
    ]
    returns.record_qc(return_request, results, payload.note)
    return fresh(request, return_id)


@router.post(
    "/{return_id}/refund",
    response=ReturnOut,
    auth=scope("orders:write"),
    summary="Record the refund (pending, refunded, declined) and its amount",
)
def refund_return(request: HttpRequest, return_id: int, payload: RefundIn) -> Return:
    returns.refund(get_owned(Return, request, return_id), payload.status, payload.amount)
    return fresh(request, return_id)


def action_endpoint(action: str, summary: str) -> None:
    def run(request: HttpRequest, return_id: int) -> Return:
        returns.transition(get_owned(Return, request, return_id), action)
        return fresh(request, return_id)

    run.__name__ = f"{action}_return"
    router.post(
        f"/{{return_id}}/{action}", response=ReturnOut, auth=scope("orders:write"), summary=summary
    )(run)


for _action, _summary in [
    ("approve", "Approve a return request"),
    ("reject", "Reject a return request"),
    ("close", "Close a return"),
]:
    action_endpoint(_action, _summary)
