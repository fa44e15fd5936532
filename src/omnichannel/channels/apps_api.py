"""Channel apps: the operator's own app on each channel (credentials write-only)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import tenant_of
from omnichannel.channels.models import Channel, ChannelApp
from omnichannel.errors import NotFound

apps_router = Router(tags=["channel apps"])


class ChannelAppOut(Schema):
    id: int
    channel: str
    name: str
    api_base_url: str
    region: str
    shared: bool = Field(description="The operator's app, usable by every tenant")
    active: bool
    has_credentials: bool
    created_at: datetime

    @staticmethod
    def resolve_shared(obj: ChannelApp) -> bool:
        return obj.tenant_id is None

    @staticmethod
    def resolve_has_credentials(obj: ChannelApp) -> bool:
        return bool(obj.credentials)


class ChannelAppPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    api_base_url: str | None = Field(
        None, max_length=200, description="Live, the channel's test host, or our sandbox"
    )
    region: str | None = Field(None, max_length=8)
    credentials: dict[str, str] | None = Field(
        None, description="Write-only (e.g. partner_id, partner_key); never returned"
    )
    active: bool | None = None


class ChannelAppIn(ChannelAppPatch):
    channel: Channel = Field(examples=["shopee"])
    name: str = Field(min_length=1, max_length=200, examples=["Our Shopee app"])
    api_base_url: str = Field(max_length=200, examples=["https://partner.shopeemobile.com"])
    credentials: dict[str, str] = Field(description="Write-only; encrypted at rest")
    shared: bool = Field(True, description="False: only the caller's tenant may use it")


def visible_apps(request: HttpRequest):  # noqa: ANN201
    return ChannelApp.objects.filter(Q(tenant__isnull=True) | Q(tenant=tenant_of(request)))


@apps_router.get("", response=Page[ChannelAppOut], auth=scope("admin"), summary="List channel apps")
def list_channel_apps(
    request: HttpRequest,
    channel: Channel | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    apps = visible_apps(request)
    if channel:
        apps = apps.filter(channel=channel)
    return paginate(apps, cursor, limit)


@apps_router.post(
    "", response={201: ChannelAppOut}, auth=scope("admin"), summary="Register a channel app"
)
def create_channel_app(request: HttpRequest, payload: ChannelAppIn) -> Status:
    fields = payload.dict(exclude={"shared"}, exclude_none=True)
    tenant = None if payload.shared else tenant_of(request)
    return Status(201, ChannelApp.objects.create(tenant=tenant, **fields))


def visible_app(request: HttpRequest, app_id: int) -> ChannelApp:
    app = visible_apps(request).filter(pk=app_id).first()
    if app is None:
        raise NotFound(f"No channel app with id {app_id}.", code="channel_app.not_found")
    return app


@apps_router.get(
    "/{app_id}", response=ChannelAppOut, auth=scope("admin"), summary="Get a channel app"
)
def get_channel_app(request: HttpRequest, app_id: int) -> ChannelApp:
    return visible_app(request, app_id)


@apps_router.patch(
    "/{app_id}", response=ChannelAppOut, auth=scope("admin"), summary="Change a channel app"
)
def patch_channel_app(request: HttpRequest, app_id: int, payload: ChannelAppPatch) -> ChannelApp:
    app = visible_app(request, app_id)
    for field, value in payload.dict(exclude_unset=True).items():
        setattr(app, field, value)
    app.full_clean()
    app.save()
    return app
