"""Warehouses, the stock ledger, levels and reservations."""

from __future__ import annotations

from django.db import models

from omnichannel.fields import TenantOwned


class Warehouse(TenantOwned):
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

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="levels")
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

    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="reservations"
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="reservations")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="reservations"
    )
    quantity = models.PositiveIntegerField()
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.OPEN, db_index=True
    )

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

    connection = models.ForeignKey(
        "channels.Connection", on_delete=models.CASCADE, related_name="warehouse_links"
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
