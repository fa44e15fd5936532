"""Admin for warehouses, stock levels, the stock ledger, reservations and shop warehouses.

Stock changes only through the stock engine (movements posted through the API), so levels,
movements and reservations are read-only here: an edit in the admin would make the levels
disagree with their ledger.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from omnichannel.catalog.models import Product
from omnichannel.channels.models import Connection
from omnichannel.errors import DomainError
from omnichannel.inventory.models import (
    ConnectionWarehouse,
    Reservation,
    StockLevel,
    StockMovement,
    StockPolicy,
    StockPush,
    Warehouse,
)
from omnichannel.inventory.outbox import force_repush
from omnichannel.inventory.policies import check_rules, delete_policy, save_policy
from omnichannel.inventory.targets import affected_by_products
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


# --- Stock policies, the push log, and "recompute and re-push" --------------------------------


class StockPolicyForm(SameTenantForm):
    def clean(self) -> dict:
        cleaned = super().clean()
        try:
            check_rules(self.instance)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
        return cleaned


@admin.register(StockPolicy)
class StockPolicyAdmin(TenantOwnedAdmin):
    """Saving or deleting a policy recomputes the listings it governs, as the API does."""

    form = StockPolicyForm
    list_display = (
        "__str__",
        "tenant",
        "safety_stock",
        "zero_below",
        "allocation_kind",
        "allocation_value",
        "max_listed",
        "low_stock_threshold",
        "low_stock_priority",
        "preorder_quantity",
        "preorder_until",
    )
    list_select_related = ("tenant", "connection", "product")
    search_fields = ("product__sku", "connection__name", "note")
    autocomplete_fields = ("tenant", "connection", "product", "listing")

    def save_model(
        self, request: HttpRequest, obj: StockPolicy, form: object, change: bool
    ) -> None:
        save_policy(obj, {})

    def delete_model(self, request: HttpRequest, obj: StockPolicy) -> None:
        delete_policy(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[StockPolicy]) -> None:
        for policy in queryset:
            delete_policy(policy)


@admin.register(StockPush)
class StockPushAdmin(ReadOnlyAdmin, TenantOwnedAdmin):
    list_display = ("listing", "value", "version", "state", "created_at", "finished_at")
    list_filter = ("state", "tenant")
    list_select_related = ("tenant", "listing__connection")
    search_fields = ("listing__external_item_id", "listing__product__sku")
    date_hierarchy = "created_at"


@admin.action(description="Recompute stock and re-push")
def recompute_and_repush(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    """For selected products (their listings and their bundles') or connections."""
    marked = 0
    for tenant_id, ids in tenant_groups(queryset).items():
        if queryset.model is Product:
            marked += force_repush(tenant_id, affected_by_products(ids))
        else:
            marked += force_repush(tenant_id, Q(connection_id__in=ids))
    modeladmin.message_user(request, f"{marked} listing(s) recomputed and marked for a push.")


def tenant_groups(queryset: QuerySet) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for pk, tenant_id in queryset.values_list("pk", "tenant_id"):
        groups.setdefault(tenant_id, []).append(pk)
    return groups


def add_action(model: type, action: object) -> None:
    """Offer ``action`` on another app's admin without editing it: the stock engine owns
    what the action does; catalog and channels own their pages."""
    model_admin = admin.site._registry.get(model)
    if model_admin is not None:
        model_admin.actions = (*(model_admin.actions or ()), action)


# Register on the catalog and channels pages, whose admin modules load before or after ours.
import omnichannel.catalog.admin  # noqa: E402, F401
import omnichannel.channels.admin  # noqa: E402, F401

add_action(Product, recompute_and_repush)
add_action(Connection, recompute_and_repush)
