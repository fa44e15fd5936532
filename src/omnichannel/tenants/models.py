"""Tenants (brands served by the operator) and the API clients that act for them."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone

SCOPES = {
    "orders:read": "Read orders, shipments and returns",
    "orders:write": "Create orders and drive fulfillment",
    "stock:read": "Read stock levels and the ledger",
    "stock:write": "Post stock movements and counts",
    "catalog:read": "Read products, listings and connections",
    "catalog:write": "Create and change products, listings, warehouses and connections",
    "events:read": "Read the event feed and manage webhook subscriptions",
    "admin": "Everything, plus tenants and API clients",
}
TOKEN_PREFIX = "omni_"


class Tenant(models.Model):
    name = models.CharField(max_length=200, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ApiClient(models.Model):
    """A system (WMS, ERP, script) that calls the API for one tenant, with scopes."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="api_clients", db_index=False
    )
    name = models.CharField(max_length=200)
    scopes = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests per minute; empty = OMNI_API_RATE_PER_MINUTE"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="unique_client_name_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.tenant} / {self.name}"

    def has_scope(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def hash_token(raw: str) -> str:
    """Tokens are 256-bit random, so a plain SHA-256 is a safe, fast lookup key."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token of an API client. Only its hash is stored; it is shown once."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        max_length=16, editable=False, help_text="First characters, to recognise it"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.hint}… ({self.client})"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    @classmethod
    def issue(cls, client: ApiClient) -> tuple[ApiToken, str]:
        """Create a token and return it with its clear value (never stored)."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(client=client, token_hash=hash_token(raw), hint=raw[:12])
        return token, raw
