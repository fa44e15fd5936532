"""Shipments (packages handed to couriers) and returns."""

from __future__ import annotations

from django.db import models

from omnichannel.fields import TenantOwned


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

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="returns")
    external_id = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    return_tracking_number = models.CharField(max_length=100, blank=True)
    refund_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    qc_note = models.TextField(blank=True)
    channel_data = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "external_id"], name="unique_return_per_order")
        ]

    def __str__(self) -> str:
        return f"return {self.external_id} of {self.order}"


class ReturnLine(models.Model):
    return_request = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, null=True, blank=True)
    sku = models.CharField(max_length=100)
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"
