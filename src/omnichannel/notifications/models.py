"""The outbox of events for the WMS/ERP, and the webhooks that deliver them."""

from __future__ import annotations

from django.db import models

from omnichannel.fields import EncryptedTextField, TenantOwned


class Event(models.Model):
    """Something that happened, written in the same transaction as the change itself."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=60, db_index=True)
    subject_kind = models.CharField(max_length=30)
    subject_id = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "id"]),
            models.Index(fields=["subject_kind", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.subject_kind}:{self.subject_id}"


class WebhookSubscription(TenantOwned):
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list, blank=True, help_text="Empty = every event type")
    secret = EncryptedTextField()
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.url
