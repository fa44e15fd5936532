"""Stored answers to POST requests sent with an Idempotency-Key."""

from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    client = models.ForeignKey(
        "tenants.ApiClient", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty while in progress"
    )
    response_body = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "key"], name="unique_idempotency_key_per_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.method} {self.path}"
