"""Admin for tenants, API clients and tokens, plus the base every tenant-owned admin uses.

Token values are never stored, so the admin can only ever show a token's hint; a new
token's clear value is shown once, in a message, right after it is issued.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from omnichannel.tenants.models import SCOPES, ApiClient, ApiToken, Tenant

# --- Shared: the base of every tenant-owned admin --------------------------------------------


def _related_tenant_ids(cleaned_data: dict[str, Any]) -> dict[str, int]:
    """The tenant of each chosen related row that has one; shared rows (no tenant) are left out."""
    return {
        name: value.tenant_id
        for name, value in cleaned_data.items()
        if isinstance(value, models.Model) and getattr(value, "tenant_id", None) is not None
    }


class SameTenantForm(forms.ModelForm):
    """Refuses a row that mixes tenants (e.g. a listing of A's product on B's shop).

    The API cannot build such rows because it scopes every lookup to the caller's tenant;
    the admin sees every tenant, so it checks here instead. The row's own tenant decides;
    a row without one (a bundle component, an order line) follows its first related row.
    """

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        related = _related_tenant_ids(cleaned_data)
        tenant = cleaned_data.get("tenant")
        tenant_id = tenant.pk if tenant else getattr(self.instance, "tenant_id", None)
        if tenant_id is None and related:
            tenant_id = next(iter(related.values()))
        for name, other_tenant_id in related.items():
            if other_tenant_id != tenant_id:
                self.add_error(name, "This belongs to another tenant.")
        return cleaned_data


class SameTenantInlineFormSet(forms.BaseInlineFormSet):
    """Inline rows take the parent's tenant and may only point at that tenant's rows."""

    def clean(self) -> None:
        super().clean()
        tenant_id = getattr(self.instance, "tenant_id", None)
        if tenant_id is None:  # the parent form is invalid; its own errors come first
            return
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            for name, other_tenant_id in _related_tenant_ids(form.cleaned_data).items():
                if name != self.fk.name and other_tenant_id != tenant_id:
                    form.add_error(name, "This belongs to another tenant than the parent row.")

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> models.Model:
        child = form.instance
        if hasattr(child, "tenant_id") and child.tenant_id is None:
            child.tenant_id = self.instance.tenant_id
        return super().save_new(form, commit=commit)


class TenantOwnedAdmin(admin.ModelAdmin):
    """Common parts of the admin of a ``TenantOwned`` model: tenant filter, timestamps."""

    form = SameTenantForm
    list_filter: tuple[Any, ...] = ("tenant",)
    list_select_related: tuple[str, ...] = ("tenant",)
    autocomplete_fields: tuple[str, ...] = ("tenant",)
    readonly_fields: tuple[str, ...] = ("created_at", "updated_at")
    list_per_page = 50


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit table: rows are written by the service only and never edited or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Tenant ----------------------------------------------------------------------------------


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "api_client_count", "created_at")
    list_filter = ("active",)
    search_fields = ("name",)
    readonly_fields = ("created_at",)
    actions = ("deactivate",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        return super().get_queryset(request).annotate(_api_clients=models.Count("api_clients"))

    @admin.display(description="API clients", ordering="_api_clients")
    def api_client_count(self, tenant: Tenant) -> int:
        return tenant._api_clients  # type: ignore[attr-defined]

    @admin.action(description="Deactivate selected tenants (their API clients stop working)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        count = queryset.filter(active=True).update(active=False)
        self.message_user(request, f"Deactivated {count} tenant(s).", messages.SUCCESS)


# --- ApiClient and ApiToken ------------------------------------------------------------------


class ApiClientForm(forms.ModelForm):
    """Scopes as checkboxes of the known scopes, instead of free JSON."""

    scopes = forms.MultipleChoiceField(
        choices=[(name, f"{name} — {label}") for name, label in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ApiClient
        fields = ("tenant", "name", "scopes", "active", "rate_limit_per_minute")

    def clean_scopes(self) -> list[str]:
        return sorted(self.cleaned_data["scopes"])


class ApiTokenInline(admin.TabularInline):
    """Tokens of a client, read-only: the hint recognises one, the hash is never shown."""

    model = ApiToken
    fields = ("hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _issue_token_once(request: HttpRequest, client: ApiClient) -> None:
    _, raw = ApiToken.issue(client)
    messages.warning(
        request, f"New token for {client}: {raw} — copy it now, it will not be shown again."
    )


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "tenant", "scope_list", "active", "live_tokens", "created_at")
    list_filter = ("active", "tenant")
    list_select_related = ("tenant",)
    search_fields = ("name", "tenant__name")
    autocomplete_fields = ("tenant",)
    readonly_fields = ("created_at",)
    inlines = (ApiTokenInline,)
    actions = ("issue_token", "revoke_all_tokens")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiClient]:
        live = models.Count("tokens", filter=models.Q(tokens__revoked_at__isnull=True))
        return super().get_queryset(request).annotate(_live_tokens=live)

    @admin.display(description="scopes")
    def scope_list(self, client: ApiClient) -> str:
        return ", ".join(client.scopes)

    @admin.display(description="live tokens", ordering="_live_tokens")
    def live_tokens(self, client: ApiClient) -> int:
        return client._live_tokens  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        """A new client gets its first token at once, as through the API and the CLI."""
        super().save_model(request, obj, form, change)
        if not change:
            _issue_token_once(request, obj)

    @admin.action(description="Issue a new token (shown once)")
    def issue_token(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        clients = list(queryset)
        for client in clients:
            _issue_token_once(request, client)
        self.message_user(request, f"Issued {len(clients)} token(s).", messages.SUCCESS)

    @admin.action(description="Revoke all tokens of the selected clients")
    def revoke_all_tokens(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        tokens = ApiToken.objects.filter(client__in=queryset, revoked_at__isnull=True)
        revoked = 0
        for token in tokens:
            token.revoke()
            revoked += 1
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued from their client; here they can be found and revoked."""

    list_display = ("hint", "client", "tenant", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "client__tenant")
    list_select_related = ("client__tenant",)
    search_fields = ("hint", "client__name", "client__tenant__name")
    fields = ("client", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke",)

    @admin.display(description="tenant", ordering="client__tenant__name")
    def tenant(self, token: ApiToken) -> Tenant:
        return token.client.tenant

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token.revoke()
        self.message_user(request, f"Revoked {len(tokens)} token(s).", messages.SUCCESS)
