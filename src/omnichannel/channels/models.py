"""Connections (an authorized shop or account on a channel) and the audit of calls out."""

from __future__ import annotations

from django.db import models

from omnichannel.fields import EncryptedJSONField, EncryptedTextField, TenantOwned


class Channel(models.TextChoices):
    SHOPEE = "shopee", "Shopee"
    LAZADA = "lazada", "Lazada"
    TIKTOK = "tiktok", "TikTok Shop"
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    POS = "pos", "POS"
    MANUAL = "manual", "Manual"


# Channels whose connections are created directly: there is nothing to authorize.
DIRECT_CHANNELS = {Channel.POS, Channel.MANUAL}


class Connection(TenantOwned):
    class Status(models.TextChoices):
        ACTIVE = "active"
        DISABLED = "disabled"
        NEEDS_REAUTH = "needs_reauth"

    class FulfillmentMode(models.TextChoices):
        AUTO = "auto", "Automatic (pickup rules decide)"
        WMS = "wms", "WMS-triggered"

    channel = models.CharField(max_length=20, choices=Channel.choices)
    name = models.CharField(max_length=200)
    external_shop_id = models.CharField(max_length=100)
    region = models.CharField(max_length=8, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    status_reason = models.CharField(max_length=300, blank=True)
    api_base_url = models.URLField(blank=True, help_text="Overrides the channel's default API host")
    fulfillment_mode = models.CharField(
        max_length=8, choices=FulfillmentMode.choices, default=FulfillmentMode.WMS
    )
    credentials = EncryptedJSONField(null=True, blank=True)
    access_token = EncryptedTextField(null=True, blank=True)
    refresh_token = EncryptedTextField(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    settings = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "channel", "external_shop_id"], name="unique_shop_per_tenant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.name}"


class ApiCallLog(models.Model):
    """One call to an external API: the audit trail. Bodies are stored redacted."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="call_logs", null=True, blank=True
    )
    method = models.CharField(max_length=8)
    endpoint = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    request_id = models.CharField(max_length=100, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    request_body = models.JSONField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["connection", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} → {self.status_code}"
