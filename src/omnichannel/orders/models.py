"""Orders and their lines, in the unified shape (see UNIFIED.md and docs/orders.md)."""

from __future__ import annotations

from django.db import models

from omnichannel.fields import TenantOwned, tenant_key


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment"
    READY_TO_PROCESS = "ready_to_process"
    ACCEPTED = "accepted"
    PACKED = "packed"
    READY_TO_SHIP = "ready_to_ship"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    ON_HOLD = "on_hold"


class CancelledBy(models.TextChoices):
    BUYER = "buyer"
    SELLER = "seller"
    CHANNEL = "channel"
    SYSTEM = "system"


class Order(TenantOwned):
    class Type(models.TextChoices):
        MARKETPLACE = "marketplace"
        WEBSTORE = "webstore"
        POS = "pos"
        O2O = "o2o"
        MANUAL = "manual"

    class FulfilledBy(models.TextChoices):
        SELLER = "seller"
        CHANNEL = "channel"

    class HoldReason(models.TextChoices):
        PRE_ORDER = "pre_order"
        MAPPING_ERROR = "mapping_error"
        INSUFFICIENT_STOCK = "insufficient_stock"
        PAYMENT = "payment"
        MANUAL = "manual"

    tenant = tenant_key(db_index=False)  # the (tenant, status, placed_at) index starts with it
    connection = models.ForeignKey(  # unique_order_per_connection starts with it
        "channels.Connection", on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    channel = models.CharField(max_length=20)  # read with the tenant's: no index of its own
    external_id = models.CharField(max_length=100)
    external_number = models.CharField(max_length=100, blank=True)
    type = models.CharField(max_length=16, choices=Type.choices, default=Type.MARKETPLACE)
    fulfilled_by = models.CharField(
        max_length=8, choices=FulfilledBy.choices, default=FulfilledBy.SELLER
    )
    status = models.CharField(max_length=20, choices=OrderStatus.choices)  # see Meta.indexes
    channel_status = models.CharField(max_length=60, blank=True)
    hold_reason = models.CharField(max_length=24, choices=HoldReason.choices, blank=True)
    status_before_hold = models.CharField(
        max_length=20,
        choices=OrderStatus.choices,
        blank=True,
        help_text="Where the order stands underneath the hold; restored on release",
    )
    cancel_requested = models.BooleanField(default=False)
    cancel_reason = models.CharField(max_length=300, blank=True)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    channel_updated_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    ship_by = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    shipping_fee = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    discount_seller = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    discount_channel = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cod = models.BooleanField(default=False)
    payment_method = models.CharField(max_length=60, blank=True)
    buyer = models.JSONField(default=dict, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        related_name="orders",
        null=True,
        blank=True,
    )
    note = models.TextField(blank=True)
    channel_data = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(default=dict, blank=True, help_text="The payload as the channel sent it")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"], name="unique_order_per_connection"
            )
        ]
        # Every order's insert and status update writes each index (a status change is never
        # a HOT update), so there is none a read does not need: the API reads a tenant's
        # orders, the retry job the held ones; nothing matches these columns with LIKE.
        indexes = [
            models.Index(fields=["tenant", "status", "placed_at"]),
            models.Index(
                fields=["placed_at"],
                condition=models.Q(status=OrderStatus.ON_HOLD),
                name="held_orders_by_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.external_number or self.external_id}"


class OrderLine(models.Model):
    order = models.ForeignKey(  # unique_line_per_order starts with it
        Order, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    external_line_id = models.CharField(max_length=100)
    channel_sku = models.CharField(max_length=100, blank=True)
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.PROTECT,
        related_name="order_lines",
        null=True,
        blank=True,
    )
    listing = models.ForeignKey(
        "catalog.Listing",
        on_delete=models.SET_NULL,
        related_name="order_lines",
        null=True,
        blank=True,
    )
    external_item_id = models.CharField(max_length=100, blank=True)
    external_variant_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=300, blank=True)
    variant_name = models.CharField(max_length=300, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    paid_price = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "external_line_id"], name="unique_line_per_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.channel_sku or self.name}"


class RoutingRule(TenantOwned):
    """Sends matching orders to a warehouse. Lower priority numbers are tried first.

    A rule with no condition matches every order; with ``require_stock`` it is skipped when
    the warehouse cannot fill the whole order, so the next rule (or the stock fallback) wins.
    """

    name = models.CharField(max_length=200)
    priority = models.PositiveIntegerField(default=100)
    connection = models.ForeignKey(
        "channels.Connection", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    product_category = models.CharField(max_length=200, blank=True)
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.CASCADE, related_name="+")
    require_stock = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.name} → {self.warehouse}"
