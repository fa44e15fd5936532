"""Admin for warehouses, stock levels, the stock ledger, reservations and shop warehouses.

Stock changes only through the stock engine (movements posted through the API), so levels,
movements and reservations are read-only here: an edit in the admin would make the levels
disagree with their ledger.
"""

from __future__ import annotations

from django.contrib import admin

from omnichannel.inventory.models import (
    ConnectionWarehouse,
    Reservation,
    StockLevel,
    StockMovement,
    Warehouse,
)
from omnichannel.tenants.admin import ReadOnlyAdmin, SameTenantForm, TenantOwnedAdmin

# --- Warehouse -------------------------------------------------------------------------------


@admin.register(Warehouse)
class WarehouseAdmin(TenantOwnedAdmin):
    list_display = ("code", "name", "tenant", "allow_negative_stock", "active")
    list_filter = ("active", "allow_negative_stock", "tenant")
    search_fields = ("code", "name")


# --- StockLevel ------------------------------------------------------------------------------


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin, TenantOwnedAdmin):
    list_display = ("product", "warehouse", "on_hand", "reserved", "available", "updated_at")
    list_filter = ("warehouse", "tenant")
    list_select_related = ("tenant", "product", "warehouse")
    search_fields = ("product__sku", "product__name", "warehouse__code")

    @admin.display(description="available")
    def available(self, level: StockLevel) -> int:
        return level.available


# --- StockMovement (the ledger: append-only) -------------------------------------------------


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin, TenantOwnedAdmin):
    list_display = (
        "movement_id",
        "type",
        "product",
        "quantity",
        "warehouse",
        "to_warehouse",
        "reason",
        "reference",
        "occurred_at",
    )
    list_filter = ("type", "warehouse", "tenant")
    list_select_related = ("tenant", "product", "warehouse", "to_warehouse")
    search_fields = ("movement_id", "reference", "reason", "product__sku")
    date_hierarchy = "occurred_at"


# --- Reservation -----------------------------------------------------------------------------


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin, TenantOwnedAdmin):
    list_display = ("product", "quantity", "warehouse", "order", "state", "updated_at")
    list_filter = ("state", "warehouse", "tenant")
    list_select_related = ("tenant", "product", "warehouse", "order_line__order")
    search_fields = (
        "product__sku",
        "order_line__order__external_id",
        "order_line__order__external_number",
    )

    @admin.display(description="order", ordering="order_line__order")
    def order(self, reservation: Reservation) -> object:
        return reservation.order_line.order


# --- ConnectionWarehouse ---------------------------------------------------------------------


@admin.register(ConnectionWarehouse)
class ConnectionWarehouseAdmin(admin.ModelAdmin):
    """Which warehouses serve a shop; also edited inline on the connection."""

    form = SameTenantForm
    list_display = ("connection", "warehouse", "priority")
    list_filter = ("connection__tenant", "connection__channel")
    list_select_related = ("connection", "warehouse")
    search_fields = ("connection__name", "connection__external_shop_id", "warehouse__code")
    autocomplete_fields = ("connection", "warehouse")
