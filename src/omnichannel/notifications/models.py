"""The outbox of events for the WMS/ERP, and the webhooks that deliver them."""

from __future__ import annotations

from django.db import models

from omnichannel.fields import EncryptedTextField, TenantOwned


class EventSequence(models.Model):
    """The last event number of a tenant.

    Incremented in the writer's transaction, so the row lock orders commits: a feed
    reader that saw event N can never later find an N-1 that committed after it.
    """

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.tenant}: {self.last}"


class Event(models.Model):
    """Something that happened, written in the same transaction as the change itself."""

    tenant = models.ForeignKey(  # unique_event_sequence starts with it
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    sequence = models.PositiveBigIntegerField(help_text="Monotonic per tenant; the feed cursor")
    type = models.CharField(max_length=60)  # filtered within a tenant's sequence range
    subject_kind = models.CharField(max_length=30)
    subject_id = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sequence"], name="unique_event_sequence")
        ]
        indexes = [models.Index(fields=["subject_kind", "subject_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.type} {self.subject_kind}:{self.subject_id}"


class WebhookSubscription(TenantOwned):
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list, blank=True, help_text="Empty = every event type")
    secret = EncryptedTextField()
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event owed to one subscription; retried until delivered or given up."""

    class State(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        DEAD = "dead"

    subscription = models.ForeignKey(  # another index or unique key starts with it
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="unique_delivery")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"event {self.event_id} → {self.subscription} ({self.state})"
