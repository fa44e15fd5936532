"""Connections: the shops and accounts the tenant sells through."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.channels import services
from omnichannel.channels.models import Channel, Connection

router = Router(tags=["connections"])


class ConnectionOut(Schema):
    id: int
    channel: str
    name: str
    external_shop_id: str
    region: str
    status: str
    status_reason: str
    api_base_url: str
    fulfillment_mode: str
    has_credentials: bool
    token_expires_at: datetime | None
    settings: dict
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_has_credentials(obj: Connection) -> bool:
        return bool(obj.credentials or obj.access_token)


class ConnectionIn(Schema):
    channel: Channel = Field(examples=["pos"])
    name: str = Field(min_length=1, max_length=200, examples=["Flagship store POS"])
    external_shop_id: str = Field("", max_length=100, description="Generated when empty")
    region: str = Field("", max_length=8, examples=["ID"])
    fulfillment_mode: Connection.FulfillmentMode = Connection.FulfillmentMode.WMS
    settings: dict = Field(default_factory=dict)


class DisableIn(Schema):
    reason: str = Field("", max_length=300)


@router.get(
    "", response=Page[ConnectionOut], auth=scope("catalog:read"), summary="List connections"
)
def list_connections(
    request: HttpRequest,
    channel: Channel | None = None,
    status: Connection.Status | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    connections = owned(Connection, request)
    if channel:
        connections = connections.filter(channel=channel)
    if status:
        connections = connections.filter(status=status)
    return paginate(connections, cursor, limit)


@router.post(
    "",
    response={201: ConnectionOut},
    auth=scope("catalog:write"),
    summary="Create a POS or manual connection",
    description="Marketplace and webstore connections are created by their authorization flow.",
)
def create_connection(request: HttpRequest, payload: ConnectionIn) -> Status:
    fields = payload.dict(exclude={"channel"})
    return Status(
        201, services.create_direct_connection(tenant_of(request), payload.channel, fields)
    )


@router.get(
    "/{connection_id}",
    response=ConnectionOut,
    auth=scope("catalog:read"),
    summary="Get a connection",
)
def get_connection(request: HttpRequest, connection_id: int) -> Connection:
    return get_owned(Connection, request, connection_id)


@router.post(
    "/{connection_id}/disable",
    response=ConnectionOut,
    auth=scope("catalog:write"),
    summary="Disable a connection (stops its jobs)",
)
def disable_connection(
    request: HttpRequest, connection_id: int, payload: DisableIn | None = None
) -> Connection:
    connection = get_owned(Connection, request, connection_id)
    return services.set_enabled(connection, False, payload.reason if payload else "")


@router.post(
    "/{connection_id}/enable",
    response=ConnectionOut,
    auth=scope("catalog:write"),
    summary="Enable a connection",
)
def enable_connection(request: HttpRequest, connection_id: int) -> Connection:
    return services.set_enabled(get_owned(Connection, request, connection_id), True)
