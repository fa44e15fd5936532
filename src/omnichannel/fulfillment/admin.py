"""Admin for shipments and returns; a return shows its lines inline."""

from __future__ import annotations

from django.contrib import admin

from omnichannel.fulfillment.models import Return, ReturnLine, Shipment
from omnichannel.tenants.admin import SameTenantForm, SameTenantInlineFormSet, TenantOwnedAdmin

# --- Shipment --------------------------------------------------------------------------------


@admin.register(Shipment)
class ShipmentAdmin(TenantOwnedAdmin):
    list_display = (
        "order",
        "carrier",
        "tracking_number",
        "logistics_mode",
        "status",
        "has_label",
        "updated_at",
        "tenant",
    )
    list_filter = ("status", "logistics_mode", "carrier", "tenant")
    list_select_related = ("tenant", "order")
    search_fields = (
        "tracking_number",
        "external_package_id",
        "order__external_id",
        "order__external_number",
    )
    autocomplete_fields = ("tenant", "order")

    @admin.display(description="label", boolean=True)
    def has_label(self, shipment: Shipment) -> bool:
        return bool(shipment.label)


# --- Return and ReturnLine -------------------------------------------------------------------


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    formset = SameTenantInlineFormSet
    autocomplete_fields = ("product",)
    extra = 0


@admin.register(Return)
class ReturnAdmin(TenantOwnedAdmin):
    list_display = (
        "external_id",
        "order",
        "status",
        "return_tracking_number",
        "refund_amount",
        "updated_at",
        "tenant",
    )
    list_filter = ("status", "order__channel", "tenant")
    list_select_related = ("tenant", "order")
    search_fields = (
        "external_id",
        "return_tracking_number",
        "order__external_id",
        "order__external_number",
    )
    autocomplete_fields = ("tenant", "order")
    inlines = (ReturnLineInline,)


@admin.register(ReturnLine)
class ReturnLineAdmin(admin.ModelAdmin):
    form = SameTenantForm
    list_display = ("return_request", "sku", "product", "quantity", "reason")
    list_filter = ("return_request__status", "return_request__tenant")
    list_select_related = ("return_request__order", "product")
    search_fields = ("sku", "reason", "return_request__external_id")
    autocomplete_fields = ("return_request", "product")
