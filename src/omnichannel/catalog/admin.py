"""Admin for products, bundle components and listings."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from omnichannel.catalog.models import BundleComponent, Listing, Product
from omnichannel.tenants.admin import SameTenantForm, SameTenantInlineFormSet, TenantOwnedAdmin

# --- Product and BundleComponent -------------------------------------------------------------


class BundleComponentInline(admin.TabularInline):
    model = BundleComponent
    fk_name = "bundle"
    formset = SameTenantInlineFormSet
    autocomplete_fields = ("component",)
    extra = 0


@admin.register(Product)
class ProductAdmin(TenantOwnedAdmin):
    list_display = ("sku", "name", "tenant", "brand", "price", "currency", "bundle", "active")
    list_filter = ("active", "tenant", "brand", "category")
    search_fields = ("sku", "name", "barcode", "brand")
    inlines = (BundleComponentInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_queryset(request).annotate(_components=Count("components"))

    @admin.display(description="bundle", boolean=True, ordering="_components")
    def bundle(self, product: Product) -> bool:
        return product._components > 0  # type: ignore[attr-defined]


@admin.register(BundleComponent)
class BundleComponentAdmin(admin.ModelAdmin):
    form = SameTenantForm
    list_display = ("bundle", "component", "quantity")
    list_filter = ("bundle__tenant",)
    list_select_related = ("bundle", "component")
    search_fields = ("bundle__sku", "component__sku")
    autocomplete_fields = ("bundle", "component")


# --- Listing ---------------------------------------------------------------------------------


@admin.register(Listing)
class ListingAdmin(TenantOwnedAdmin):
    """The stock columns are the sync engine's: target (what should be on the shop) against
    what was last pushed; they are shown, never edited here."""

    list_display = (
        "channel_sku",
        "external_item_id",
        "external_variant_id",
        "connection",
        "product",
        "status",
        "target_qty",
        "last_pushed_qty",
        "push_state",
        "last_pushed_at",
    )
    list_filter = ("connection", "push_state", "status", "tenant")
    list_select_related = ("tenant", "connection", "product")
    search_fields = (
        "channel_sku",
        "external_item_id",
        "external_variant_id",
        "product__sku",
        "name",
    )
    autocomplete_fields = ("tenant", "connection", "product")
    readonly_fields = (
        "target_qty",
        "last_pushed_qty",
        "last_pushed_at",
        "push_state",
        "push_version",
        "created_at",
        "updated_at",
    )
