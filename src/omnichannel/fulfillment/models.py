"""Shipments (packages handed to couriers) and returns."""

from __future__ import annotations

from datetime import time

from django.db import models

from omnichannel.fields import TenantOwned, tenant_key


class Shipment(TenantOwned):
    class Status(models.TextChoices):
        PENDING = "pending"
        ARRANGED = "arranged"
        PICKED_UP = "picked_up"
        IN_TRANSIT = "in_transit"
        OUT_FOR_DELIVERY = "out_for_delivery"
        DELIVERED = "delivered"
        FAILED = "failed"
        RETURNING = "returning"
        RETURNED = "returned"

    class LogisticsMode(models.TextChoices):
        PICKUP = "pickup"
        DROPOFF = "dropoff"
        SELLER_OWN = "seller_own"

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="shipments")
    external_package_id = models.CharField(max_length=100, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    service = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True, db_index=True)
    logistics_mode = models.CharField(max_length=12, choices=LogisticsMode.choices, blank=True)
    pickup_slot = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    label = models.FileField(upload_to="labels/%Y/%m/", blank=True)
    events = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.order} {self.tracking_number or self.external_package_id or self.pk}"


class Return(TenantOwned):
    class Status(models.TextChoices):
        REQUESTED = "requested"
        APPROVED = "approved"
        REJECTED = "rejected"
        IN_TRANSIT = "in_transit"
        RECEIVED = "received"
        QC_PASSED = "qc_passed"
        QC_FAILED = "qc_failed"
        REFUNDED = "refunded"
        CLOSED = "closed"

    class RefundStatus(models.TextChoices):
        NONE = "none"
        PENDING = "pending"
        REFUNDED = "refunded"
        DECLINED = "declined"

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="returns", db_index=False
    )
    external_id = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=300, blank=True)
    return_tracking_number = models.CharField(max_length=100, blank=True)
    refund_status = models.CharField(
        max_length=10, choices=RefundStatus.choices, default=RefundStatus.NONE
    )
    refund_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    qc_note = models.TextField(blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    qc_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    channel_status = models.CharField(
        max_length=40, blank=True, help_text="The channel's own status, for a channel's return"
    )
    channel_data = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "external_id"], name="unique_return_per_order")
        ]

    def __str__(self) -> str:
        return f"return {self.external_id} of {self.order}"


class ReturnLine(models.Model):
    class QcResult(models.TextChoices):
        PENDING = "", "Not checked"
        PASS = "pass", "Passed: restocked"
        FAIL = "fail", "Failed: written off"
        PARTIAL = "partial", "Partly passed: passed units restocked, the rest written off"

    return_request = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The order line coming back, when known (a channel's return names it)",
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, null=True, blank=True)
    sku = models.CharField(max_length=100)
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=300, blank=True)
    qc_result = models.CharField(max_length=8, choices=QcResult.choices, blank=True)
    passed_quantity = models.PositiveIntegerField(default=0, help_text="Units restocked by QC")
    failed_quantity = models.PositiveIntegerField(default=0, help_text="Units written off by QC")
    qc_note = models.CharField(max_length=300, blank=True)
    restock_warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Where a passed line went back into stock",
    )

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


WEEKDAYS = [1, 2, 3, 4, 5]
"""ISO weekday numbers (Monday = 1) the default rule works on."""


def default_working_days() -> list[int]:
    return list(WEEKDAYS)


class PickupRule(TenantOwned):
    """How a ready order leaves the warehouse: pickup or drop-off, when, and with whom.

    A rule belongs to a connection and/or a warehouse, or to neither (the tenant default);
    the most specific active rule wins (connection + warehouse > connection > warehouse >
    tenant default). Times are local to ``timezone``. The choice itself is the pure
    function ``fulfillment.pickup.choose_slot``.
    """

    class Mode(models.TextChoices):
        PICKUP = "pickup", "Courier picks up"
        DROPOFF = "dropoff", "Seller drops off"

    class SlotPreference(models.TextChoices):
        EARLIEST = "earliest", "Earliest slot after the order is ready"
        FIXED = "fixed", "A fixed daily slot"

    tenant = tenant_key(db_index=False)  # another index or unique key starts with it
    name = models.CharField(max_length=200, blank=True)
    connection = models.ForeignKey(
        "channels.Connection",
        on_delete=models.CASCADE,
        related_name="pickup_rules",
        null=True,
        blank=True,
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.CASCADE,
        related_name="pickup_rules",
        null=True,
        blank=True,
    )
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.PICKUP)
    timezone = models.CharField(max_length=64, default="Asia/Jakarta")
    cutoff_time = models.TimeField(
        null=True, blank=True, help_text="Ready after this local time: the next working day"
    )
    slot_preference = models.CharField(
        max_length=8, choices=SlotPreference.choices, default=SlotPreference.EARLIEST
    )
    fixed_slot_time = models.TimeField(
        null=True, blank=True, help_text="The daily slot, for the fixed preference"
    )
    pickup_window_start = models.TimeField(
        default=time(9, 0), help_text="When pickups (or drop-offs) start each working day"
    )
    pickup_window_end = models.TimeField(
        default=time(17, 0), help_text="When pickups (or drop-offs) end each working day"
    )
    preparation_minutes = models.PositiveIntegerField(
        default=0, help_text="Lead time between ready and handing over"
    )
    courier_preferences = models.JSONField(
        default=list, blank=True, help_text="Carrier codes, most preferred first"
    )
    working_days = models.JSONField(
        default=default_working_days, help_text="ISO weekdays, Monday = 1 … Sunday = 7"
    )
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "connection", "warehouse"],
                condition=models.Q(connection__isnull=False, warehouse__isnull=False),
                name="unique_pickup_rule_connection_warehouse",
            ),
            models.UniqueConstraint(
                fields=["tenant", "connection"],
                condition=models.Q(connection__isnull=False, warehouse__isnull=True),
                name="unique_pickup_rule_connection",
            ),
            models.UniqueConstraint(
                fields=["tenant", "warehouse"],
                condition=models.Q(connection__isnull=True, warehouse__isnull=False),
                name="unique_pickup_rule_warehouse",
            ),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(connection__isnull=True, warehouse__isnull=True),
                name="unique_pickup_rule_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.scope} pickup rule"

    @property
    def scope(self) -> str:
        if self.connection_id and self.warehouse_id:
            return "connection + warehouse"
        if self.connection_id:
            return "connection"
        if self.warehouse_id:
            return "warehouse"
        return "tenant default"
