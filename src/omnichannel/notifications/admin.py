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

from omnichannel.notifications.models import (
    Event,
    EventSequence,
    WebhookDelivery,
    WebhookSubscription,
)
from omnichannel.tenants.admin import ReadOnlyAdmin, SameTenantForm, TenantOwnedAdmin

# --- Event (the outbox: read-only) -----------------------------------------------------------


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "type", "subject_kind", "subject_id", "tenant", "occurred_at")
    list_filter = ("type", "subject_kind", "tenant")
    list_select_related = ("tenant",)
    search_fields = ("type", "subject_id")
    date_hierarchy = "occurred_at"


@admin.register(EventSequence)
class EventSequenceAdmin(ReadOnlyAdmin):
    """Each tenant's last event number; written only by ``notifications.services.emit``."""

    list_display = ("tenant", "last")
    list_select_related = ("tenant",)
    search_fields = ("tenant__name",)


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
        # Listed, not excluded: a field added later stays off the form until chosen here.
        fields = ("tenant", "url", "event_types", "active", "disabled_reason")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(TenantOwnedAdmin):
    form = WebhookSubscriptionForm
    list_display = (
        "url",
        "tenant",
        "active",
        "event_type_list",
        "last_success_at",
        "failing_since",
        "disabled_reason",
    )
    list_filter = ("active", "tenant")
    search_fields = ("url", "disabled_reason", "last_error")
    exclude = ("secret",)
    readonly_fields = (
        "failing_since",
        "last_success_at",
        "last_error",
        "created_at",
        "updated_at",
    )

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


# --- WebhookDelivery (what each subscription is owed: read-only) -----------------------------


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "event",
        "subscription",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status",
        "delivered_at",
    )
    list_filter = ("state", "subscription__tenant")
    list_select_related = ("event", "subscription")
    search_fields = ("event__type", "subscription__url", "last_error")
    date_hierarchy = "created_at"
