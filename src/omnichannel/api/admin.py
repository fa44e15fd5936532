"""Admin for stored Idempotency-Key answers (read-only).

The stored response body is never shown: it can hold a secret shown once by the API (the
token of a new API client), so the admin shows only its size.
"""

from __future__ import annotations

from django.contrib import admin

from omnichannel.api.models import IdempotencyRecord
from omnichannel.tenants.admin import ReadOnlyAdmin

# --- IdempotencyRecord (read-only) -----------------------------------------------------------


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "key", "method", "path", "status_code", "client")
    list_filter = ("method", "status_code", "client__tenant")
    list_select_related = ("client__tenant",)
    search_fields = ("key", "path", "client__name")
    date_hierarchy = "created_at"
    fields = (
        "client",
        "key",
        "method",
        "path",
        "body_hash",
        "status_code",
        "content_type",
        "response_size",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="response size (bytes)")
    def response_size(self, record: IdempotencyRecord) -> int:
        return len(record.response_body or b"")
