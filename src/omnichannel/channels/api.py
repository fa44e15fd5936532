"""Connections: the shops and accounts the tenant sells through, and authorizing them.

The connection's catalog (``catalog_api``) and jobs (``jobs_api``) are routers of their
own mounted under this one; channel apps (``apps_api``) and publishing have their own
prefixes and are named here for ``api.main``.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.channels import authorization, services
from omnichannel.channels.apps_api import apps_router
from omnichannel.channels.catalog_api import catalog_router, publishing_router
from omnichannel.channels.jobs_api import jobs_router
from omnichannel.channels.models import Channel, Connection

router = Router(tags=["connections"])
router.add_router("", catalog_router)
router.add_router("", jobs_router)

__all__ = ["apps_router", "publishing_router", "router"]


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


# ------------------------------------------------------------------------ authorization


class AuthorizeUrlOut(Schema):
    url: str = Field(description="Send the seller here; the channel comes back to our callback")


@router.get(
    "/{channel}/authorize-url",
    response=AuthorizeUrlOut,
    auth=scope("catalog:write"),
    summary="Link for a seller to authorize a shop",
)
def authorize_url(request: HttpRequest, channel: Channel, app_id: int, redirect: str = "") -> dict:
    callback = request.build_absolute_uri(
        reverse("api:authorization_callback", kwargs={"channel": channel.value})
    )
    url = authorization.authorization_link(tenant_of(request), channel, app_id, callback, redirect)
    return {"url": url}


@router.get(
    "/{channel}/callback",
    response=ConnectionOut,
    auth=None,
    url_name="authorization_callback",
    summary="Where the channel sends the seller back (public)",
    description="Exchanges the code for tokens and stores the connection. Redirects to the "
    "`redirect` given when the link was made, or answers the connection as JSON.",
)
def authorization_callback(request: HttpRequest, channel: Channel):  # noqa: ANN201
    params = {key: request.GET[key] for key in request.GET}
    connection, redirect = authorization.complete_authorization(channel, params)
    if redirect:
        query = urlencode({"connection_id": connection.pk, "status": connection.status})
        separator = "&" if "?" in redirect else "?"
        return HttpResponseRedirect(f"{redirect}{separator}{query}")
    return connection
