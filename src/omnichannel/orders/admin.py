"""Admin for orders and their lines (an order shows its lines and shipments inline) and
the routing rules that pick an order's warehouse."""

from __future__ import annotations

from django.contrib import admin

from omnichannel.fulfillment.models import Shipment
from omnichannel.orders.models import Order, OrderLine, RoutingRule
from omnichannel.tenants.admin import SameTenantForm, SameTenantInlineFormSet, TenantOwnedAdmin

# --- Order -----------------------------------------------------------------------------------


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    formset = SameTenantInlineFormSet
    fields = (
        "external_line_id",
        "channel_sku",
        "product",
        "listing",
        "name",
        "quantity",
        "unit_price",
        "paid_price",
    )
    autocomplete_fields = ("product", "listing")
    extra = 0


class ShipmentInline(admin.TabularInline):
    model = Shipment
    formset = SameTenantInlineFormSet
    fields = (
        "external_package_id",
        "carrier",
        "tracking_number",
        "logistics_mode",
        "status",
        "label",
    )
    extra = 0
    show_change_link = True


@admin.register(Order)
class OrderAdmin(TenantOwnedAdmin):
    list_display = (
        "display_number",
        "channel",
        "connection",
        "status",
        "hold_reason",
        "placed_at",
        "total",
        "currency",
        "tenant",
    )
    list_filter = (
        "status",
        "channel",
        "hold_reason",
        "type",
        "fulfilled_by",
        "cancelled_by",
        "tenant",
    )
    list_select_related = ("tenant", "connection")
    search_fields = ("external_number", "external_id", "lines__channel_sku", "note")
    date_hierarchy = "placed_at"
    autocomplete_fields = ("tenant", "connection", "warehouse")
    readonly_fields = (
        "status_before_hold",
        "channel_updated_at",
        "raw",
        "created_at",
        "updated_at",
    )
    inlines = (OrderLineInline, ShipmentInline)

    @admin.display(description="order", ordering="external_number")
    def display_number(self, order: Order) -> str:
        return order.external_number or order.external_id


# --- OrderLine -------------------------------------------------------------------------------


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    form = SameTenantForm
    list_display = ("order", "external_line_id", "channel_sku", "product", "quantity", "paid_price")
    list_filter = ("order__channel", "order__tenant")
    list_select_related = ("order", "product")
    search_fields = ("channel_sku", "name", "order__external_id", "order__external_number")
    autocomplete_fields = ("order", "product", "listing")


# --- RoutingRule -----------------------------------------------------------------------------


@admin.register(RoutingRule)
class RoutingRuleAdmin(TenantOwnedAdmin):
    list_display = (
        "name",
        "priority",
        "connection",
        "product_category",
        "warehouse",
        "require_stock",
        "active",
        "tenant",
    )
    list_filter = ("active", "require_stock", "tenant")
    list_select_related = ("tenant", "connection", "warehouse")
    search_fields = ("name", "product_category", "warehouse__code")
    autocomplete_fields = ("tenant", "connection", "warehouse")
