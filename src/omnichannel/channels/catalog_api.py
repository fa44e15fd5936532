"""The channel's catalog over the API: cached categories, the catalog pull (a job), and
publishing products as channel items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, tenant_of
from omnichannel.catalog.api import ListingOut
from omnichannel.catalog.models import Listing
from omnichannel.catalog.services import product_by_sku
from omnichannel.channels import catalog, tasks
from omnichannel.channels.jobs_api import JobQueuedOut, queue_job
from omnichannel.channels.models import ChannelCategory, Connection
from omnichannel.connectors.base import connector_class, require
from omnichannel.errors import NotFound

catalog_router = Router(tags=["connections"])
publishing_router = Router(tags=["listings"])


class CategoryOut(Schema):
    id: str = Field(alias="external_id")
    parent_id: str = Field(alias="parent_external_id")
    name: str
    leaf: bool
    attributes: list[dict]
    refreshed_at: datetime


class PullIn(Schema):
    full: bool = Field(True, description="False: only items updated since the last pull")


@catalog_router.get(
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


@catalog_router.post(
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
