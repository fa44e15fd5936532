"""Admin for channel apps, connections (shops), and the channels' audit and sync tables.

Credentials and tokens never reach a page: they are left out of every form and deferred
from every query, so they are not even decrypted; the admin shows only whether each one is
present and when the tokens expire. A channel app's credentials are write-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest

from omnichannel.channels import tasks
from omnichannel.channels.jobs import channel_supports
from omnichannel.channels.models import (
    ApiCallLog,
    ChannelApp,
    ChannelCategory,
    Connection,
    InboundWebhook,
    RateBucket,
    SyncState,
)
from omnichannel.channels.services import set_enabled
from omnichannel.channels.tasks import process_webhooks_task
from omnichannel.channels.webhooks import retry_now
from omnichannel.inventory.models import ConnectionWarehouse
from omnichannel.tenants.admin import (
    ReadOnlyAdmin,
    SameTenantInlineFormSet,
    TenantOwnedAdmin,
)


def _is_set(field: str) -> ExpressionWrapper:
    """Whether a secret column holds a value, computed by the database without reading it."""
    return ExpressionWrapper(Q(**{f"{field}__isnull": False}), output_field=BooleanField())


# --- ChannelApp ------------------------------------------------------------------------------


class ChannelAppForm(forms.ModelForm):
    new_credentials = forms.JSONField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=(
            'Write-only JSON, e.g. {"partner_id": 1, "partner_key": "..."}. The current '
            "credentials are never shown; leave empty to keep them."
        ),
    )

    class Meta:
        model = ChannelApp
        # Listed, not excluded: a field added later stays off the form until chosen here.
        fields = ("tenant", "channel", "name", "api_base_url", "region", "active")

    def clean_new_credentials(self) -> Any:
        value = self.cleaned_data["new_credentials"]
        if self.instance.pk is None and not value:
            raise forms.ValidationError("A new app needs its credentials.")
        return value


@admin.register(ChannelApp)
class ChannelAppAdmin(admin.ModelAdmin):
    form = ChannelAppForm
    list_display = ("name", "channel", "region", "tenant", "api_base_url", "active")
    list_filter = ("channel", "active", "tenant")
    list_select_related = ("tenant",)
    search_fields = ("name", "api_base_url")
    autocomplete_fields = ("tenant",)
    exclude = ("credentials",)
    readonly_fields = ("has_credentials", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChannelApp]:
        queryset = super().get_queryset(request).defer("credentials")
        return queryset.annotate(_has_credentials=_is_set("credentials"))

    @admin.display(description="credentials", boolean=True)
    def has_credentials(self, app: ChannelApp) -> bool:
        return bool(getattr(app, "_has_credentials", False))

    def save_model(self, request: HttpRequest, obj: ChannelApp, form: Any, change: bool) -> None:
        if form.cleaned_data.get("new_credentials"):
            obj.credentials = form.cleaned_data["new_credentials"]
        super().save_model(request, obj, form, change)


# --- Connection ------------------------------------------------------------------------------

SECRET_FIELDS = ("credentials", "access_token", "refresh_token")


class ConnectionWarehouseInline(admin.TabularInline):
    model = ConnectionWarehouse
    formset = SameTenantInlineFormSet
    autocomplete_fields = ("warehouse",)
    extra = 0


@admin.register(Connection)
class ConnectionAdmin(TenantOwnedAdmin):
    list_display = (
        "name",
        "channel",
        "external_shop_id",
        "tenant",
        "status",
        "has_credentials",
        "has_access_token",
        "token_expires_at",
        "updated_at",
    )
    list_filter = ("channel", "status", "fulfillment_mode", "tenant")
    search_fields = ("name", "external_shop_id", "status_reason")
    exclude = SECRET_FIELDS
    readonly_fields = (
        "status",
        "status_reason",
        "has_credentials",
        "has_access_token",
        "token_expires_at",
        "has_refresh_token",
        "refresh_expires_at",
        "refresh_locked_until",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "tenant",
                    "channel",
                    "app",
                    "name",
                    "external_shop_id",
                    "region",
                    "api_base_url",
                    "fulfillment_mode",
                    "settings",
                )
            },
        ),
        ("Status (use the enable / disable actions)", {"fields": ("status", "status_reason")}),
        (
            "Authorization (secrets are never shown)",
            {
                "fields": (
                    "has_credentials",
                    "has_access_token",
                    "token_expires_at",
                    "has_refresh_token",
                    "refresh_expires_at",
                    "refresh_locked_until",
                )
            },
        ),
        ("Timestamps", {"fields": ("created_at", "updated_at")}),
    )
    autocomplete_fields = ("tenant", "app")
    inlines = (ConnectionWarehouseInline,)
    actions = ("disable", "enable", "pull_catalog", "pull_returns")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Connection]:
        return (
            super()
            .get_queryset(request)
            .defer(*SECRET_FIELDS)
            .annotate(
                _has_credentials=_is_set("credentials"),
                _has_access_token=_is_set("access_token"),
                _has_refresh_token=_is_set("refresh_token"),
            )
        )

    @admin.display(description="credentials", boolean=True)
    def has_credentials(self, connection: Connection) -> bool:
        return bool(getattr(connection, "_has_credentials", False))

    @admin.display(description="access token", boolean=True)
    def has_access_token(self, connection: Connection) -> bool:
        return bool(getattr(connection, "_has_access_token", False))

    @admin.display(description="refresh token", boolean=True)
    def has_refresh_token(self, connection: Connection) -> bool:
        return bool(getattr(connection, "_has_refresh_token", False))

    @admin.action(description="Disable selected connections (stops their jobs)")
    def disable(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        connections = list(queryset)
        for connection in connections:
            set_enabled(connection, False, reason=f"Disabled in the admin by {request.user}")
        self.message_user(request, f"Disabled {len(connections)} connection(s).", messages.SUCCESS)

    @admin.action(description="Enable selected connections")
    def enable(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        connections = list(queryset)
        for connection in connections:
            set_enabled(connection, True)
        self.message_user(request, f"Enabled {len(connections)} connection(s).", messages.SUCCESS)

    @admin.action(description="Pull the catalog of selected connections (a job)")
    def pull_catalog(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        self.queue(request, queryset, "catalog", tasks.pull_catalog_task, "catalog pull")

    @admin.action(description="Pull the returns of selected connections (a job)")
    def pull_returns(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        self.queue(request, queryset, "returns", tasks.pull_returns_task, "return pull")

    def queue(
        self,
        request: HttpRequest,
        queryset: QuerySet[Connection],
        capability: str,
        task: Any,
        what: str,
    ) -> None:
        """Enqueue ``task`` for each active selected connection that can run it; the runs
        show in "Sync states"."""
        able = [
            c.pk
            for c in queryset
            if c.status == Connection.Status.ACTIVE and channel_supports(c.channel, capability)
        ]
        for connection_id in able:
            task(connection_id)
        skipped = queryset.count() - len(able)
        note = f"; {skipped} skipped (not active, or the channel cannot)" if skipped else ""
        self.message_user(
            request,
            f"Queued a {what} for {len(able)} connection(s){note}. Follow it in Sync states.",
            messages.SUCCESS if able else messages.WARNING,
        )


# --- ApiCallLog (audit: read-only) -----------------------------------------------------------


@admin.register(ApiCallLog)
class ApiCallLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "method",
        "endpoint",
        "status_code",
        "latency_ms",
        "error_code",
        "connection",
        "tenant",
    )
    list_filter = ("method", "status_code", "connection__channel", "tenant")
    list_select_related = ("tenant", "connection")
    search_fields = ("endpoint", "request_id", "error_code", "error_message")
    date_hierarchy = "created_at"


# --- RateBucket (the shared rate limiter's state: read-only) ---------------------------------


@admin.register(RateBucket)
class RateBucketAdmin(ReadOnlyAdmin):
    list_display = ("key", "tokens", "blocked_until", "updated_at")
    search_fields = ("key",)


# --- InboundWebhook (channel pushes, stored before they are acknowledged: read-only) ---------


UNPROCESSED = (InboundWebhook.State.FAILED, InboundWebhook.State.RECEIVED)


@admin.register(InboundWebhook)
class InboundWebhookAdmin(ReadOnlyAdmin):
    list_display = (
        "received_at",
        "channel",
        "connection",
        "state",
        "attempts",
        "next_attempt_at",
        "processed_at",
    )
    list_filter = ("state", "channel")
    list_select_related = ("connection",)
    search_fields = ("dedup_key", "error")
    date_hierarchy = "received_at"
    actions = ("retry",)

    @admin.action(description="Retry selected pushes now (failed or not yet processed)")
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundWebhook]) -> None:
        """Make failed rows (even given-up ones) due at once and queue the worker's own
        processing run, which also takes the selected rows still waiting to be processed."""
        rows = list(queryset.select_related("connection"))
        waiting = [row for row in rows if row.state in UNPROCESSED]
        retry_now(waiting)
        transaction.on_commit(process_webhooks_task)
        blocked = sum(
            1
            for row in waiting
            if row.connection is None or row.connection.status != Connection.Status.ACTIVE
        )
        notes = []
        if len(rows) > len(waiting):
            notes.append(f"{len(rows) - len(waiting)} skipped (processed or ignored)")
        if blocked:
            notes.append(f"{blocked} wait for their connection to be active again")
        note = f"; {', '.join(notes)}" if notes else ""
        self.message_user(
            request,
            f"Queued {len(waiting)} push(es) for processing{note}.",
            messages.SUCCESS if waiting else messages.WARNING,
        )


# --- SyncState (each job's cursor and last run: read-only) -----------------------------------


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    list_display = (
        "connection",
        "job",
        "watermark",
        "last_success_at",
        "last_finished_at",
        "runs",
        "failures",
        "last_error",
        "last_result",
        "running_until",
    )
    list_filter = ("job", "connection__channel", "connection__tenant")
    list_select_related = ("connection",)
    search_fields = ("job", "connection__name", "last_error")


# --- ChannelCategory (the cached category tree, refreshed by a job: read-only) ---------------


@admin.register(ChannelCategory)
class ChannelCategoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "external_id", "parent_external_id", "leaf", "app", "refreshed_at")
    list_filter = ("leaf", "app")
    list_select_related = ("app",)
    search_fields = ("name", "external_id")
