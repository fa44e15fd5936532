"""Admin for shipments and returns; a return shows its lines inline."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from omnichannel.errors import NotFound
from omnichannel.fulfillment import labels
from omnichannel.fulfillment.models import PickupRule, Return, ReturnLine, Shipment
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
    readonly_fields = (*TenantOwnedAdmin.readonly_fields, "label_download")

    @admin.display(description="label", boolean=True)
    def has_label(self, shipment: Shipment) -> bool:
        return bool(shipment.label)

    @admin.display(description="label document")
    def label_download(self, shipment: Shipment) -> str:
        if shipment.pk is None:
            return "—"
        link = reverse("admin:fulfillment_shipment_label", args=[shipment.pk])
        return format_html('<a href="{}">Download label (PDF)</a>', link)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.label_view)
        label = path("<int:shipment_id>/label/", view, name="fulfillment_shipment_label")
        return [label, *super().get_urls()]

    def label_view(self, request: HttpRequest, shipment_id: int) -> HttpResponse:
        """The label as the API serves it: drawn on first request when the channel gives none."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        shipment = get_object_or_404(Shipment.objects.select_related("order"), pk=shipment_id)
        try:
            content = labels.label_content(shipment)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        return HttpResponse(content, content_type="application/pdf")


# --- Return and ReturnLine -------------------------------------------------------------------


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    formset = SameTenantInlineFormSet
    autocomplete_fields = ("product",)
    raw_id_fields = ("order_line",)
    extra = 0


@admin.register(Return)
class ReturnAdmin(TenantOwnedAdmin):
    list_display = (
        "external_id",
        "order",
        "status",
        "channel_status",
        "return_tracking_number",
        "refund_amount",
        "updated_at",
        "tenant",
    )
    list_filter = ("status", "order__channel", "order__connection", "tenant")
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
    list_display = (
        "return_request",
        "sku",
        "product",
        "quantity",
        "qc_result",
        "passed_quantity",
        "failed_quantity",
        "reason",
    )
    list_filter = ("qc_result", "return_request__status", "return_request__tenant")
    list_select_related = ("return_request__order", "product")
    search_fields = ("sku", "reason", "return_request__external_id")
    autocomplete_fields = ("return_request", "product")
    raw_id_fields = ("order_line",)


# --- PickupRule ------------------------------------------------------------------------------


@admin.register(PickupRule)
class PickupRuleAdmin(TenantOwnedAdmin):
    list_display = (
        "__str__",
        "scope",
        "connection",
        "warehouse",
        "mode",
        "cutoff_time",
        "slot_preference",
        "active",
        "tenant",
    )
    list_filter = ("mode", "slot_preference", "active", "tenant")
    list_select_related = ("tenant", "connection", "warehouse")
    search_fields = ("name", "connection__name", "warehouse__code")
    autocomplete_fields = ("tenant", "connection", "warehouse")
