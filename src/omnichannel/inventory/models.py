"""Warehouses, the stock ledger, levels and reservations."""

from __future__ import annotations

from django.db import models

from omnichannel.fields import TenantOwned, tenant_key


class Warehouse(TenantOwned):
    tenant = tenant_key(db_index=False)  # another index or unique key starts with it
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    address = models.JSONField(default=dict, blank=True)
    allow_negative_stock = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "code"], name="unique_warehouse_code_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return self.code


class StockLevel(TenantOwned):
    """The current picture of one SKU in one warehouse; the ledger is its history."""

    warehouse = models.ForeignKey(  # unique_level_per_sku starts with it
        Warehouse, on_delete=models.PROTECT, related_name="levels", db_index=False
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "product"], name="unique_level_per_sku")
        ]

    def __str__(self) -> str:
        return (
            f"{self.product} @ {self.warehouse}: {self.on_hand} on hand, {self.reserved} reserved"
        )

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(TenantOwned):
    """One line of the ledger, identified by the sender's own id (idempotency key)."""

    class Type(models.TextChoices):
        INBOUND = "inbound"
        OUTBOUND = "outbound"
        TRANSFER = "transfer"
        ADJUSTMENT = "adjustment"

    tenant = tenant_key(db_index=False)  # unique_movement_id_per_tenant starts with it
    movement_id = models.CharField(max_length=100, help_text="The sender's id")
    type = models.CharField(max_length=16, choices=Type.choices)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    to_warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="movements_in", null=True, blank=True
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="movements"
    )
    quantity = models.IntegerField(help_text="Signed for adjustments, positive otherwise")
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "movement_id"], name="unique_movement_id_per_tenant"
            )
        ]
        indexes = [models.Index(fields=["tenant", "product", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.movement_id} {self.type} {self.quantity} × {self.product}"


class Reservation(TenantOwned):
    """Stock held for an order line in one warehouse until it ships or is cancelled."""

    class State(models.TextChoices):
        OPEN = "open"
        RELEASED = "released"
        CONSUMED = "consumed"

    order_line = models.ForeignKey(  # unique_reservation_per_line_and_sku starts with it
        "orders.OrderLine", on_delete=models.PROTECT, related_name="reservations", db_index=False
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="reservations")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="reservations"
    )
    quantity = models.PositiveIntegerField()
    # Read through its line only: no index of its own (each order line inserts a
    # reservation, and its settling would update one).
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order_line", "product"], name="unique_reservation_per_line_and_sku"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product} for line {self.order_line_id} ({self.state})"


class ConnectionWarehouse(models.Model):
    """Which warehouses serve a shop's stock, and in which priority (1 = first)."""

    connection = models.ForeignKey(  # another index or unique key starts with it
        "channels.Connection",
        on_delete=models.CASCADE,
        related_name="warehouse_links",
        db_index=False,
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, related_name="connection_links"
    )
    priority = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "warehouse"], name="unique_connection_warehouse"
            )
        ]
        ordering = ["priority"]

    def __str__(self) -> str:
        return f"{self.connection} ← {self.warehouse} (priority {self.priority})"


class StockPolicy(TenantOwned):
    """Rules that turn available stock into the quantity a listing shows.

    A policy row belongs to one scope: a listing, a SKU (product), a connection, or — with
    none of the three set — the tenant default. Every rule is optional (empty = inherit);
    the most specific scope that sets a rule wins (listing > SKU > connection > tenant).
    The order in which the rules apply is in ``inventory.availability``.
    """

    class Allocation(models.TextChoices):
        PERCENT = "percent", "Percentage of available"
        FIXED = "fixed", "Fixed quantity (at most what is available)"

    connection = models.ForeignKey(
        "channels.Connection",
        on_delete=models.CASCADE,
        related_name="stock_policies",
        null=True,
        blank=True,
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        related_name="stock_policies",
        null=True,
        blank=True,
    )
    listing = models.ForeignKey(
        "catalog.Listing",
        on_delete=models.CASCADE,
        related_name="stock_policies",
        null=True,
        blank=True,
    )
    safety_stock = models.PositiveIntegerField(
        null=True, blank=True, help_text="Units held back from the channel (buffer)"
    )
    zero_below = models.PositiveIntegerField(
        null=True, blank=True, help_text="Show 0 when fewer than this many would be shown"
    )
    allocation_kind = models.CharField(max_length=8, choices=Allocation.choices, blank=True)
    allocation_value = models.PositiveIntegerField(
        null=True, blank=True, help_text="Percent (0-100) or a fixed quantity"
    )
    max_listed = models.PositiveIntegerField(
        null=True, blank=True, help_text="Never show more than this"
    )
    low_stock_threshold = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Below this many available, only priority connections get stock",
    )
    low_stock_priority = models.BooleanField(
        null=True, blank=True, help_text="Keeps stock when the SKU is below the low-stock threshold"
    )
    preorder_quantity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Published instead of stock while the pre-order runs"
    )
    preorder_until = models.DateTimeField(
        null=True, blank=True, help_text="End of the pre-order; empty = until removed"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "stock policies"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(connection__isnull=True, product__isnull=True)
                    | models.Q(connection__isnull=True, listing__isnull=True)
                    | models.Q(product__isnull=True, listing__isnull=True)
                ),
                name="stock_policy_one_scope",
            ),
            models.CheckConstraint(
                condition=~models.Q(allocation_kind="percent", allocation_value__gt=100),
                name="stock_policy_percent_at_most_100",
            ),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(
                    connection__isnull=True, product__isnull=True, listing__isnull=True
                ),
                name="unique_default_stock_policy",
            ),
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(connection__isnull=False),
                name="unique_connection_stock_policy",
            ),
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(product__isnull=False),
                name="unique_sku_stock_policy",
            ),
            models.UniqueConstraint(
                fields=["listing"],
                condition=models.Q(listing__isnull=False),
                name="unique_listing_stock_policy",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} policy"

    @property
    def scope(self) -> str:
        if self.listing_id:
            return f"listing {self.listing_id}"
        if self.product_id:
            return f"SKU {self.product}"
        if self.connection_id:
            return f"connection {self.connection}"
        return "tenant default"


class StockPush(TenantOwned):
    """One attempt to put a listing's target quantity on its channel: the push audit trail.

    The connector drain opens a row (pending), sends it (submitted), and records the
    channel's answer (success or error). ``version`` is the listing's ``push_version`` the
    value belonged to, so a late answer for an old value cannot mark a newer one as pushed.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        SUBMITTED = "submitted"
        SUCCESS = "success"
        ERROR = "error"

    listing = models.ForeignKey(  # another index or unique key starts with it
        "catalog.Listing", on_delete=models.CASCADE, related_name="stock_pushes", db_index=False
    )
    value = models.IntegerField()
    version = models.PositiveBigIntegerField()
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    answer = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["listing", "-created_at"])]

    def __str__(self) -> str:
        return f"push {self.value} to listing {self.listing_id} v{self.version} ({self.state})"
