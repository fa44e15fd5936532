"""Admin for the event outbox and webhook subscriptions.

A webhook secret is write-only here: it can be set or replaced, never read back. A new
subscription without one gets a generated secret, shown once in a message so the operator
can give it to the receiver.
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from omnichannel.notifications.models import Event, WebhookSubscription
from omnichannel.tenants.admin import ReadOnlyAdmin, SameTenantForm, TenantOwnedAdmin

# --- Event (the outbox: read-only) -----------------------------------------------------------


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "subject_kind", "subject_id", "tenant", "occurred_at")
    list_filter = ("type", "subject_kind", "tenant")
    list_select_related = ("tenant",)
    search_fields = ("type", "subject_id")
    date_hierarchy = "occurred_at"


# --- WebhookSubscription ---------------------------------------------------------------------


class WebhookSubscriptionForm(SameTenantForm):
    new_secret = forms.CharField(
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=(
            "Write-only: the current secret is never shown. Leave empty to keep it; on a new "
            "subscription, leave empty to have one generated and shown once."
        ),
    )

    class Meta:
        model = WebhookSubscription
        exclude = ("secret",)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(TenantOwnedAdmin):
    form = WebhookSubscriptionForm
    list_display = ("url", "tenant", "active", "event_type_list", "disabled_reason", "updated_at")
    list_filter = ("active", "tenant")
    search_fields = ("url", "disabled_reason")
    exclude = ("secret",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookSubscription]:
        return super().get_queryset(request).defer("secret")

    @admin.display(description="event types")
    def event_type_list(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.event_types) or "every event"

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool
    ) -> None:
        new_secret = form.cleaned_data.get("new_secret")
        if new_secret:
            obj.secret = new_secret
        elif not change:
            obj.secret = secrets.token_urlsafe(32)
            messages.warning(
                request,
                f"Signing secret of {obj.url}: {obj.secret} — copy it now, "
                "it will not be shown again.",
            )
        super().save_model(request, obj, form, change)
