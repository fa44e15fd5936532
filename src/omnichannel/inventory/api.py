"""Warehouses (and, with the stock engine, stock levels and movements)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.errors import Conflict
from omnichannel.inventory.models import Warehouse

warehouses_router = Router(tags=["warehouses"])


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
