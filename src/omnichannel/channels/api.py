"""Connections: the shops and accounts the tenant sells through."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.catalog.api import ListingOut
from omnichannel.catalog.models import Listing
from omnichannel.catalog.services import product_by_sku
from omnichannel.channels import authorization, catalog, return_sync, services, tasks
from omnichannel.channels.models import (
    Channel,
    ChannelApp,
    ChannelCategory,
    Connection,
    SyncState,
)
from omnichannel.connectors.base import connector_class, require
from omnichannel.errors import Conflict, NotFound
from omnichannel.fulfillment.models import Return
from omnichannel.fulfillment.schemas import ReturnOut

router = Router(tags=["connections"])
apps_router = Router(tags=["channel apps"])
publishing_router = Router(tags=["listings"])


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


# ------------------------------------------------------------------------- channel apps


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


# ----------------------------------------------------------------------------- catalog


class CategoryOut(Schema):
    id: str = Field(alias="external_id")
    parent_id: str = Field(alias="parent_external_id")
    name: str
    leaf: bool
    attributes: list[dict]
    refreshed_at: datetime


class PullIn(Schema):
    full: bool = Field(True, description="False: only items updated since the last pull")


class JobOut(Schema):
    """One job of a connection as its SyncState records it."""

    job: str
    running: bool = Field(description="A run holds the job now")
    rerun_requested: bool = Field(description="Asked for again while running: it goes round")
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    last_result: dict = Field(description="What the last successful run did (e.g. counts)")
    runs: int
    failures: int
    watermark: datetime | None

    @staticmethod
    def resolve_running(obj: SyncState) -> bool:
        return bool(obj.running_until and obj.running_until > timezone.now())


class JobQueuedOut(Schema):
    job: str
    connection_id: int
    status_url: str = Field(description="Where to follow the run: GET it for its SyncState")


@router.get(
    "/{connection_id}/categories",
    response=Page[CategoryOut],
    auth=scope("catalog:read"),
    summary="The channel's categories (cached) with their attributes",
)
def list_categories(
    request: HttpRequest,
    connection_id: int,
    leaf: bool | None = None,
    parent_id: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    connection = get_owned(Connection, request, connection_id)
    categories = catalog.cached_categories(connection)
    if not connection.app_id:
        categories = ChannelCategory.objects.none()
    if leaf is not None:
        categories = categories.filter(leaf=leaf)
    if parent_id is not None:
        categories = categories.filter(parent_external_id=parent_id)
    return paginate(categories, cursor, limit)


def queue_job(connection: Connection, job: str, enqueue: Any) -> Status:
    """Enqueue a job of ``connection`` and answer 202 with where to follow it.

    Refused at once (409) when the connection cannot run jobs, rather than accepted and
    silently skipped by the runner.
    """
    if connection.status != Connection.Status.ACTIVE:
        raise Conflict(
            f"Connection {connection.pk} is {connection.status}: it runs no jobs.",
            code="connection.not_active",
            details={"status": connection.status, "reason": connection.status_reason},
        )
    enqueue()
    url = reverse("api:connection_job", kwargs={"connection_id": connection.pk, "job": job})
    return Status(202, {"job": job, "connection_id": connection.pk, "status_url": url})


@router.post(
    "/{connection_id}/catalog/pull",
    response={202: JobQueuedOut},
    auth=scope("catalog:write"),
    summary="Pull the shop's items into listings, mapped by SKU (a job)",
    description="Queues the pull and answers 202 with `status_url` (`GET …/jobs/catalog_pull`: "
    "running, last run, last error, counts). Upserts one listing per item variant; never "
    "deletes. Unmatched SKUs stay unmapped: `GET /listings?unmapped=true`, then "
    "`PATCH /listings/{id}` with a SKU. 409 `connection.not_active` for a disabled shop or "
    "one to re-authorize; 501 when the channel cannot read catalogs.",
)
def pull_catalog(request: HttpRequest, connection_id: int, payload: PullIn | None = None) -> Status:
    connection = get_owned(Connection, request, connection_id)
    require(connector_class(connection.channel), "catalog")
    full = payload.full if payload else True
    return queue_job(
        connection,
        catalog.PULL_JOB,
        lambda: tasks.pull_catalog_task(connection.pk, full),
    )


@router.post(
    "/{connection_id}/returns/pull",
    response={202: JobQueuedOut},
    auth=scope("orders:write"),
    summary="Pull the shop's returns into ours now (a job; it also runs every 15 minutes)",
    description="Queues the pull and answers 202 with `status_url` (`GET …/jobs/return_pull`). "
    "Each channel return becomes one of our returns (`GET /api/v1/returns?connection_id=`), "
    "linked to its order and lines; reading it again changes nothing.",
)
def pull_returns(request: HttpRequest, connection_id: int) -> Status:
    connection = get_owned(Connection, request, connection_id)
    require(connector_class(connection.channel), "returns")
    return queue_job(
        connection, return_sync.PULL_JOB, lambda: tasks.pull_returns_task(connection.pk)
    )


@router.post(
    "/{connection_id}/returns/{external_id}/refresh",
    response=ReturnOut,
    auth=scope("orders:write"),
    summary="Read one channel return again now and update ours",
    description="One call to the channel (Shopee `get_return_detail`): our return of that id "
    "is created or takes the channel's status step and return tracking number.",
)
def refresh_return(request: HttpRequest, connection_id: int, external_id: str) -> Return:
    connection = get_owned(Connection, request, connection_id)
    return_request = return_sync.refresh_return(connection, external_id)
    return (
        Return.objects.select_related("order")
        .prefetch_related("lines__restock_warehouse")
        .get(pk=return_request.pk)
    )


@router.get(
    "/{connection_id}/jobs",
    response=list[JobOut],
    auth=scope("catalog:read"),
    summary="The connection's jobs: last run, last error, counts",
)
def list_jobs(request: HttpRequest, connection_id: int) -> list[SyncState]:
    connection = get_owned(Connection, request, connection_id)
    return list(SyncState.objects.filter(connection=connection).order_by("job"))


@router.get(
    "/{connection_id}/jobs/{job}",
    response=JobOut,
    auth=scope("catalog:read"),
    url_name="connection_job",
    summary="One job of the connection: is it running, how did it last end",
)
def get_job(request: HttpRequest, connection_id: int, job: str) -> SyncState:
    connection = get_owned(Connection, request, connection_id)
    state = SyncState.objects.filter(connection=connection, job=job).first()
    if state is None:
        raise NotFound(f"Job {job} has not run for this connection.", code="job.not_found")
    return state


# -------------------------------------------------------------------------- publishing


class VariantIn(Schema):
    sku: str = Field(min_length=1, max_length=100, description="A master SKU")
    option: str = Field(min_length=1, max_length=50, examples=["Red"])
    price: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class ContentIn(Schema):
    category_id: str = Field(min_length=1, max_length=100)
    attributes: dict[str, list[str]] = Field(
        default_factory=dict, description="Attribute id → value ids (or free text)"
    )
    image_ids: list[str] = Field(default_factory=list, description="Channel-side image ids")
    price: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    variant_tier_name: str = Field("Variant", max_length=50)
    variants: list[VariantIn] = Field(default_factory=list)
    channel_data: dict = Field(
        default_factory=dict, description="Channel-specific inputs, e.g. Shopee logistic_info"
    )


class PublishIn(ContentIn):
    connection_id: int
    sku: str = Field(min_length=1, max_length=100, description="The product to publish")
    active: bool = True


def draft_of(sku_product, payload: ContentIn, active: bool = True):  # noqa: ANN001, ANN201
    return catalog.draft_for(
        sku_product,
        payload.category_id,
        payload.attributes,
        payload.image_ids,
        payload.price,
        [catalog.VariantSpec(v.sku, v.option, v.price) for v in payload.variants],
        payload.variant_tier_name,
        payload.channel_data,
        active,
    )


@publishing_router.post(
    "/publish",
    response={201: list[ListingOut]},
    auth=scope("catalog:write"),
    summary="Publish a product on a connection",
    description="Creates the channel item (and its variants) and the mapped listings; the "
    "stock drain then pushes each listing's target. 501 when the channel cannot publish.",
)
def publish(request: HttpRequest, payload: PublishIn) -> Status:
    connection = get_owned(Connection, request, payload.connection_id)
    product = product_by_sku(tenant_of(request), payload.sku)
    draft = draft_of(product, payload, payload.active)
    return Status(201, catalog.publish(connection, product, draft))


@publishing_router.put(
    "/{listing_id}/content",
    response=ListingOut,
    auth=scope("catalog:write"),
    summary="Send the product's content to its channel item",
)
def update_content(request: HttpRequest, listing_id: int, payload: ContentIn) -> Listing:
    listing = get_owned(Listing, request, listing_id)
    if listing.product is None:
        raise NotFound("Map the listing to a product first.", code="listing.unmapped")
    catalog.update_content(listing, draft_of(listing.product, payload))
    listing.refresh_from_db()
    return listing


@publishing_router.post(
    "/{listing_id}/activate",
    response=ListingOut,
    auth=scope("catalog:write"),
    summary="List the channel item again",
)
def activate(request: HttpRequest, listing_id: int) -> Listing:
    listing = get_owned(Listing, request, listing_id)
    catalog.set_active(listing, True)
    listing.refresh_from_db()
    return listing


@publishing_router.post(
    "/{listing_id}/deactivate",
    response=ListingOut,
    auth=scope("catalog:write"),
    summary="Unlist the channel item (not deleted)",
)
def deactivate(request: HttpRequest, listing_id: int) -> Listing:
    listing = get_owned(Listing, request, listing_id)
    catalog.set_active(listing, False)
    listing.refresh_from_db()
    return listing
