"""Tenant and API-client operations, shared by the API, the admin and the `omni` command."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from omnichannel.errors import Conflict, Unprocessable
from omnichannel.tenants.models import SCOPES, ApiClient, ApiToken, Tenant


def create_tenant(name: str) -> Tenant:
    name = name.strip()
    if not name:
        raise Unprocessable("A tenant needs a name.", details={"field": "name"})
    try:
        with transaction.atomic():
            return Tenant.objects.create(name=name)
    except IntegrityError as exc:
        raise Conflict(f"Tenant '{name}' exists.", code="tenant.exists") from exc


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise Unprocessable(
            f"Unknown scopes: {', '.join(unknown)}.",
            code="auth.unknown_scope",
            details={"unknown": unknown, "known": sorted(SCOPES)},
        )
    return sorted(set(scopes))


def create_client(tenant: Tenant, name: str, scopes: list[str]) -> tuple[ApiClient, str]:
    """A new API client with its first token; the token's clear value is returned once."""
    scopes = check_scopes(scopes)
    try:
        with transaction.atomic():
            client = ApiClient.objects.create(tenant=tenant, name=name, scopes=scopes)
            _, raw = ApiToken.issue(client)
    except IntegrityError as exc:
        raise Conflict(
            f"Tenant '{tenant}' already has an API client named '{name}'.", code="api_client.exists"
        ) from exc
    return client, raw
