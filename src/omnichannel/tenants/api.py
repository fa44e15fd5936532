"""Tenants and API clients: operator endpoints (scope ``admin``)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.errors import NotFound
from omnichannel.tenants import services
from omnichannel.tenants.models import ApiClient, ApiToken, Tenant

tenants_router = Router(tags=["tenants"], auth=scope("admin"))
clients_router = Router(tags=["api clients"], auth=scope("admin"))


class TenantOut(Schema):
    id: int
    name: str
    active: bool
    created_at: datetime


class TenantIn(Schema):
    name: str = Field(min_length=1, max_length=200, examples=["Brand A"])


class TenantPatch(Schema):
    active: bool | None = None
    name: str | None = Field(None, min_length=1, max_length=200)


class TokenOut(Schema):
    id: int
    hint: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ClientOut(Schema):
    id: int
    tenant_id: int
    name: str
    scopes: list[str]
    active: bool
    rate_limit_per_minute: int | None
    created_at: datetime
    tokens: list[TokenOut]

    @staticmethod
    def resolve_tokens(obj: ApiClient) -> list[ApiToken]:
        return list(obj.tokens.all())


class ClientIn(Schema):
    tenant_id: int
    name: str = Field(min_length=1, max_length=200, examples=["Main WMS"])
    scopes: list[str] = Field(examples=[["orders:read", "orders:write", "stock:write"]])
    rate_limit_per_minute: int | None = Field(None, ge=1)


class NewToken(Schema):
    token: str = Field(description="Shown once: store it now, it cannot be read again")
    token_id: int
    client: ClientOut


def get_tenant(pk: int) -> Tenant:
    tenant = Tenant.objects.filter(pk=pk).first()
    if tenant is None:
        raise NotFound(f"No tenant with id {pk}.", details={"id": pk})
    return tenant


def get_client(pk: int) -> ApiClient:
    client = ApiClient.objects.filter(pk=pk).prefetch_related("tokens").first()
    if client is None:
        raise NotFound(f"No API client with id {pk}.", details={"id": pk})
    return client


@tenants_router.get("", response=Page[TenantOut], summary="List tenants")
def list_tenants(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> dict:
    return paginate(Tenant.objects.all(), cursor, limit)


@tenants_router.post("", response={201: TenantOut}, summary="Create a tenant")
def create_tenant(request: HttpRequest, payload: TenantIn) -> Status:
    return Status(201, services.create_tenant(payload.name))


@tenants_router.get("/{tenant_id}", response=TenantOut, summary="Get a tenant")
def get_tenant_view(request: HttpRequest, tenant_id: int) -> Tenant:
    return get_tenant(tenant_id)


@tenants_router.patch("/{tenant_id}", response=TenantOut, summary="Rename or (de)activate a tenant")
def patch_tenant(request: HttpRequest, tenant_id: int, payload: TenantPatch) -> Tenant:
    tenant = get_tenant(tenant_id)
    for field, value in payload.dict(exclude_unset=True).items():
        setattr(tenant, field, value)
    tenant.save()
    return tenant


@clients_router.get("", response=Page[ClientOut], summary="List API clients")
def list_clients(
    request: HttpRequest,
    tenant_id: int | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    clients = ApiClient.objects.prefetch_related("tokens")
    if tenant_id is not None:
        clients = clients.filter(tenant_id=tenant_id)
    return paginate(clients, cursor, limit)


@clients_router.post(
    "",
    response={201: NewToken},
    summary="Create an API client",
    description="Creates the client and its first token. The token is in this answer only.",
)
def create_client(request: HttpRequest, payload: ClientIn) -> Status:
    client, raw = services.create_client(
        get_tenant(payload.tenant_id), payload.name, payload.scopes
    )
    if payload.rate_limit_per_minute:
        client.rate_limit_per_minute = payload.rate_limit_per_minute
        client.save(update_fields=["rate_limit_per_minute"])
    token = client.tokens.get()
    return Status(201, {"token": raw, "token_id": token.pk, "client": get_client(client.pk)})


@clients_router.get("/{client_id}", response=ClientOut, summary="Get an API client")
def get_client_view(request: HttpRequest, client_id: int) -> ApiClient:
    return get_client(client_id)


@clients_router.post("/{client_id}/tokens", response={201: NewToken}, summary="Issue a new token")
def issue_token(request: HttpRequest, client_id: int) -> Status:
    client = get_client(client_id)
    token, raw = ApiToken.issue(client)
    return Status(201, {"token": raw, "token_id": token.pk, "client": get_client(client.pk)})


@clients_router.post(
    "/{client_id}/tokens/{token_id}/revoke", response=ClientOut, summary="Revoke a token"
)
def revoke_token(request: HttpRequest, client_id: int, token_id: int) -> ApiClient:
    client = get_client(client_id)
    token = client.tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"No token {token_id} on client {client_id}.")
    token.revoke()
    return get_client(client_id)


@clients_router.post("/{client_id}/disable", response=ClientOut, summary="Disable an API client")
def disable_client(request: HttpRequest, client_id: int) -> ApiClient:
    ApiClient.objects.filter(pk=get_client(client_id).pk).update(active=False)
    return get_client(client_id)
