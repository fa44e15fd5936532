"""Warehouses, stock levels, the stock ledger (movements and counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.errors import Conflict
from omnichannel.inventory import ledger
from omnichannel.inventory.models import StockLevel, StockMovement, Warehouse

warehouses_router = Router(tags=["warehouses"])
stock_router = Router(tags=["stock"])


class WarehouseOut(Schema):
    id: int
    code: str
    name: str
    address: dict
    allow_negative_stock: bool
    active: bool
    created_at: datetime
    updated_at: datetime


class WarehouseIn(Schema):
    code: str = Field(min_length=1, max_length=50, examples=["JKT-01"])
    name: str = Field(min_length=1, max_length=200, examples=["Jakarta fulfilment centre"])
    address: dict = Field(default_factory=dict)
    allow_negative_stock: bool = False
    active: bool = True


class WarehousePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    address: dict | None = None
    allow_negative_stock: bool | None = None
    active: bool | None = None


@warehouses_router.get(
    "", response=Page[WarehouseOut], auth=scope("catalog:read"), summary="List warehouses"
)
def list_warehouses(
    request: HttpRequest,
    active: bool | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    warehouses = owned(Warehouse, request)
    if active is not None:
        warehouses = warehouses.filter(active=active)
    return paginate(warehouses, cursor, limit)


@warehouses_router.post(
    "", response={201: WarehouseOut}, auth=scope("catalog:write"), summary="Create a warehouse"
)
def create_warehouse(request: HttpRequest, payload: WarehouseIn) -> Status:
    try:
        with transaction.atomic():
            warehouse = Warehouse.objects.create(tenant=tenant_of(request), **payload.dict())
    except IntegrityError as exc:
        raise Conflict(
            f"Warehouse code '{payload.code}' exists.",
            code="warehouse.exists",
            details={"code": payload.code},
        ) from exc
    return Status(201, warehouse)


@warehouses_router.get(
    "/{warehouse_id}", response=WarehouseOut, auth=scope("catalog:read"), summary="Get a warehouse"
)
def get_warehouse(request: HttpRequest, warehouse_id: int) -> Warehouse:
    return get_owned(Warehouse, request, warehouse_id)


@warehouses_router.patch(
    "/{warehouse_id}",
    response=WarehouseOut,
    auth=scope("catalog:write"),
    summary="Change a warehouse",
)
def patch_warehouse(request: HttpRequest, warehouse_id: int, payload: WarehousePatch) -> Warehouse:
    warehouse = get_owned(Warehouse, request, warehouse_id)
    for field, value in payload.dict(exclude_unset=True).items():
        setattr(warehouse, field, value)
    warehouse.save()
    return warehouse


class MovementIn(Schema):
    id: str = Field(min_length=1, max_length=100, description="Your id: the idempotency key")
    type: Literal["inbound", "outbound", "transfer", "adjustment"]
    warehouse: str = Field(min_length=1, max_length=50, description="Warehouse code")
    to_warehouse: str | None = Field(None, max_length=50, description="Transfers only")
    sku: str = Field(min_length=1, max_length=100)
    quantity: int = Field(description="Positive; signed for adjustments")
    reason: str = Field("", max_length=200)
    reference: str = Field("", max_length=200)
    occurred_at: AwareDatetime


class MovementBatchIn(Schema):
    movements: list[MovementIn] = Field(min_length=1, max_length=1000)


class MovementBatchOut(Schema):
    accepted: list[str] = Field(description="Ids applied by this request")
    duplicates: list[str] = Field(description="Ids posted before with the same content")


class CountIn(Schema):
    warehouse: str = Field(min_length=1, max_length=50)
    sku: str = Field(min_length=1, max_length=100)
    on_hand: int = Field(ge=0)


class CountsIn(Schema):
    counts: list[CountIn] = Field(min_length=1, max_length=1000)
    counted_at: AwareDatetime | None = Field(None, description="Default: now")
    reference: str = Field("", max_length=200, examples=["opname-2026-11"])


class CountOut(Schema):
    warehouse: str
    sku: str
    previous: int
    counted: int
    movement_id: str | None = Field(description="The adjustment written; none if unchanged")


class CountsOut(Schema):
    items: list[CountOut]


class LevelOut(Schema):
    sku: str = Field(alias="product.sku")
    warehouse: str = Field(alias="warehouse.code")
    on_hand: int
    reserved: int
    available: int
    updated_at: datetime


class MovementOut(Schema):
    id: str = Field(alias="movement_id")
    type: str
    warehouse: str = Field(alias="warehouse.code")
    to_warehouse: str | None
    sku: str = Field(alias="product.sku")
    quantity: int
    reason: str
    reference: str
    occurred_at: datetime
    recorded_at: datetime = Field(alias="created_at")

    @staticmethod
    def resolve_to_warehouse(obj: StockMovement) -> str | None:
        return obj.to_warehouse.code if obj.to_warehouse else None


@stock_router.post(
    "/movements",
    response=MovementBatchOut,
    auth=scope("stock:write"),
    summary="Post stock movements",
    description=(
        "Up to 1,000 movements, applied all together or not at all. Each `id` is applied "
        "once: the same id with the same content is reported in `duplicates`; with other "
        "content the batch is refused (409 `stock.movement_conflict`). A movement taking "
        "on_hand below zero is refused (409 `stock.negative`) unless the warehouse allows "
        "negative stock. Errors list every bad item in `details.errors` (index, code, message)."
    ),
)
def post_movements(request: HttpRequest, payload: MovementBatchIn) -> ledger.MovementResult:
    items = [
        ledger.MovementInput(
            movement_id=m.id,
            type=m.type,
            warehouse=m.warehouse,
            to_warehouse=m.to_warehouse,
            sku=m.sku,
            quantity=m.quantity,
            reason=m.reason,
            reference=m.reference,
            occurred_at=m.occurred_at,
        )
        for m in payload.movements
    ]
    return ledger.post_together(tenant_of(request), items)


@stock_router.put(
    "/counts",
    response=CountsOut,
    auth=scope("stock:write"),
    summary="Set counted stock (stock take)",
    description=(
        "Absolute on-hand figures per warehouse and SKU. Each difference is written to the "
        "ledger as an adjustment movement; a figure equal to the current one writes nothing."
    ),
)
def put_counts(request: HttpRequest, payload: CountsIn) -> dict:
    counts = [ledger.CountInput(c.warehouse, c.sku, c.on_hand) for c in payload.counts]
    counted_at = payload.counted_at or timezone.now()
    results = ledger.apply_counts(tenant_of(request), counts, counted_at, payload.reference)
    return {"items": results}


@stock_router.get("", response=Page[LevelOut], auth=scope("stock:read"), summary="Stock levels")
def list_levels(
    request: HttpRequest,
    sku: str | None = None,
    warehouse: str | None = Query(None, description="Warehouse code"),
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    levels = owned(StockLevel, request).select_related("product", "warehouse")
    if sku:
        levels = levels.filter(product__sku=sku)
    if warehouse:
        levels = levels.filter(warehouse__code=warehouse)
    return paginate(levels, cursor, limit)


@stock_router.get(
    "/movements",
    response=Page[MovementOut],
    auth=scope("stock:read"),
    summary="The stock ledger",
    description="Movements in the order they were recorded; `since`/`until` filter occurred_at.",
)
def list_movements(
    request: HttpRequest,
    sku: str | None = None,
    warehouse: str | None = Query(None, description="Warehouse code (source or destination)"),
    type: Literal["inbound", "outbound", "transfer", "adjustment"] | None = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    movements = owned(StockMovement, request).select_related("product", "warehouse", "to_warehouse")
    if sku:
        movements = movements.filter(product__sku=sku)
    if warehouse:
        movements = movements.filter(Q(warehouse__code=warehouse) | Q(to_warehouse__code=warehouse))
    if type:
        movements = movements.filter(type=type)
    if since:
        movements = movements.filter(occurred_at__gte=since)
    if until:
        movements = movements.filter(occurred_at__lt=until)
    return paginate(movements, cursor, limit)
