"""Connections (an authorized shop or account on a channel) and the audit of calls out."""

from __future__ import annotations

from django.db import models

from omnichannel.fields import EncryptedJSONField, EncryptedTextField, TenantOwned, tenant_key


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


class ChannelApp(models.Model):
    """The operator's own app on a channel (Shopee partner id + key, Lazada app key + secret).

    One app usually serves every tenant of a 4PL (``tenant`` empty); a tenant may also bring
    its own. ``api_base_url`` picks live, the channel's test host, or our sandbox.
    """

    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the operator's app, usable by every tenant",
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    name = models.CharField(max_length=200)
    api_base_url = models.URLField()
    region = models.CharField(max_length=8, blank=True)
    credentials = EncryptedJSONField(help_text="e.g. partner_id and partner_key")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_channel_display()} app {self.name}"


class Connection(TenantOwned):
    class Status(models.TextChoices):
        ACTIVE = "active"
        DISABLED = "disabled"
        NEEDS_REAUTH = "needs_reauth"

    class FulfillmentMode(models.TextChoices):
        AUTO = "auto", "Automatic (pickup rules decide)"
        WMS = "wms", "WMS-triggered"

    tenant = tenant_key(db_index=False)  # another index or unique key starts with it
    channel = models.CharField(max_length=20, choices=Channel.choices)
    app = models.ForeignKey(
        ChannelApp,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="connections",
        help_text="The app that authorized this shop",
    )
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
    refresh_locked_until = models.DateTimeField(
        null=True, blank=True, help_text="A token refresh is running in some process until then"
    )
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
    connection = models.ForeignKey(  # another index or unique key starts with it
        Connection,
        on_delete=models.CASCADE,
        related_name="call_logs",
        null=True,
        blank=True,
        db_index=False,
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


class RateBucket(models.Model):
    """A token bucket shared by every process: one per (connection, family, lane)."""

    key = models.CharField(max_length=200, unique=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()
    blocked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key


class InboundWebhook(models.Model):
    """A channel's push, stored (deduplicated) before it is acknowledged, processed later."""

    class State(models.TextChoices):
        RECEIVED = "received"
        PROCESSED = "processed"
        FAILED = "failed"
        IGNORED = "ignored"

    channel = models.CharField(max_length=20)
    dedup_key = models.CharField(max_length=128, help_text="The provider's identity of the push")
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    headers = models.JSONField(default=dict)
    body = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="Not processed before then (a retry's backoff or a lease)"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "dedup_key"], name="unique_inbound_webhook")
        ]
        indexes = [
            models.Index(fields=["state", "received_at"]),
            models.Index(fields=["state", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} push {self.dedup_key[:12]} ({self.state})"


class SyncState(models.Model):
    """One job of one connection (order pull, stock drain, …): its cursor and last run."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="sync_states", db_index=False
    )
    job = models.CharField(max_length=40)
    watermark = models.DateTimeField(null=True, blank=True, help_text="Read up to here")
    cursor = models.JSONField(default=dict, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_result = models.JSONField(
        default=dict, blank=True, help_text="What the last successful run did (e.g. counts)"
    )
    runs = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    running_until = models.DateTimeField(
        null=True, blank=True, help_text="A run holds the job until then (one run at a time)"
    )
    rerun_requested = models.BooleanField(
        default=False, help_text="Asked for while running: the running one goes round again"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "job"], name="unique_sync_state")
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.job}"


class ChannelCategory(models.Model):
    """A category of a channel app's marketplace, with its attributes: a cache of the
    channel's tree (refreshed on a schedule) for publishing and browsing."""

    app = models.ForeignKey(
        ChannelApp, on_delete=models.CASCADE, related_name="categories", db_index=False
    )
    external_id = models.CharField(max_length=100)
    parent_external_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=300)
    leaf = models.BooleanField(default=True, help_text="Only leaf categories take listings")
    attributes = models.JSONField(default=list, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "channel categories"
        constraints = [
            models.UniqueConstraint(fields=["app", "external_id"], name="unique_app_category")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"
