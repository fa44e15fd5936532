"""Admin for connections (shops) and the log of calls to channel APIs.

A connection's credentials and tokens never reach a page: they are left out of every form
and deferred from every query, so they are not even decrypted; the admin shows only whether
each one is present and when the tokens expire.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest

from omnichannel.channels.models import ApiCallLog, Connection
from omnichannel.channels.services import set_enabled
from omnichannel.inventory.models import ConnectionWarehouse
from omnichannel.tenants.admin import ReadOnlyAdmin, SameTenantInlineFormSet, TenantOwnedAdmin

# --- Connection ------------------------------------------------------------------------------

SECRET_FIELDS = ("credentials", "access_token", "refresh_token")


def _is_set(field: str) -> ExpressionWrapper:
    """Whether a secret column holds a value, computed by the database without reading it."""
    return ExpressionWrapper(Q(**{f"{field}__isnull": False}), output_field=BooleanField())


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
                )
            },
        ),
        ("Timestamps", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (ConnectionWarehouseInline,)
    actions = ("disable", "enable")

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
