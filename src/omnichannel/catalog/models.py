"""Products (master SKUs), virtual bundles, and listings (a product on one shop)."""

from __future__ import annotations

from django.db import models

from omnichannel.fields import TenantOwned, tenant_key


class Product(TenantOwned):
    tenant = tenant_key(db_index=False)  # another index or unique key starts with it
    sku = models.CharField(max_length=100)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    brand = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=200, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    weight_g = models.PositiveIntegerField(null=True, blank=True)
    length_mm = models.PositiveIntegerField(null=True, blank=True)
    width_mm = models.PositiveIntegerField(null=True, blank=True)
    height_mm = models.PositiveIntegerField(null=True, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    barcode = models.CharField(max_length=64, blank=True)
    images = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sku"], name="unique_sku_per_tenant")
        ]
        indexes = [models.Index(fields=["tenant", "barcode"])]

    def __str__(self) -> str:
        return self.sku

    @property
    def is_bundle(self) -> bool:
        return self.components.exists()


class BundleComponent(models.Model):
    """One component of a virtual bundle: selling the bundle consumes its components."""

    bundle = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="components", db_index=False
    )
    component = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="in_bundles")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bundle", "component"], name="unique_bundle_component"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="component_qty_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bundle.sku} ⊃ {self.quantity} × {self.component.sku}"


class Listing(TenantOwned):
    """A product as sold on one connection; carries the stock target and what was pushed."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        INACTIVE = "inactive"
        BANNED = "banned"
        DELETED = "deleted"

    class PushState(models.TextChoices):
        IN_SYNC = "in_sync"
        PENDING = "pending"
        ERROR = "error"

    connection = models.ForeignKey(  # unique_listing_per_connection starts with it
        "channels.Connection", on_delete=models.PROTECT, related_name="listings", db_index=False
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="listings",
        null=True,
        blank=True,
        help_text="Empty while the channel item is not mapped to a master SKU",
    )
    external_item_id = models.CharField(max_length=100)
    external_variant_id = models.CharField(max_length=100, blank=True, default="")
    channel_sku = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    channel_category_id = models.CharField(max_length=100, blank=True)
    channel_attributes = models.JSONField(default=dict, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target_qty = models.IntegerField(null=True, blank=True)
    last_pushed_qty = models.IntegerField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    push_state = models.CharField(
        max_length=16, choices=PushState.choices, default=PushState.IN_SYNC, db_index=True
    )
    push_version = models.PositiveBigIntegerField(default=0)
    channel_data = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_item_id", "external_variant_id"],
                name="unique_listing_per_connection",
            )
        ]
        indexes = [
            models.Index(fields=["connection", "channel_sku"]),
            models.Index(fields=["connection", "push_state"]),
        ]

    def __str__(self) -> str:
        variant = f"/{self.external_variant_id}" if self.external_variant_id else ""
        return f"{self.connection} {self.external_item_id}{variant}"
