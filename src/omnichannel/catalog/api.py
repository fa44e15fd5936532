"""Products (master SKUs with bundle components) and listings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.catalog import services
from omnichannel.catalog.models import Listing, Product
from omnichannel.channels.models import Connection
from omnichannel.inventory.targets import recompute_listing

products_router = Router(tags=["products"])
listings_router = Router(tags=["listings"])


class ComponentIO(Schema):
    sku: str = Field(examples=["TSHIRT-RED-M"])
    quantity: int = Field(1, ge=1, examples=[2])


class ProductFields(Schema):
    name: str | None = Field(None, min_length=1, max_length=300, examples=["T-shirt red M"])
    description: str | None = None
    brand: str | None = Field(None, max_length=100)
    category: str | None = Field(None, max_length=200)
    attributes: dict | None = None
    weight_g: int | None = Field(None, ge=0)
    length_mm: int | None = Field(None, ge=0)
    width_mm: int | None = Field(None, ge=0)
    height_mm: int | None = Field(None, ge=0)
    price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3, examples=["IDR"])
    barcode: str | None = Field(None, max_length=64)
    images: list[str] | None = None
    active: bool | None = None
    bundle_components: list[ComponentIO] | None = Field(
        None, description="Set to make a virtual bundle; [] makes it a plain product again"
    )


class ProductIn(ProductFields):
    sku: str = Field(min_length=1, max_length=100, examples=["TSHIRT-RED-M"])
    name: str = Field(min_length=1, max_length=300, examples=["T-shirt red M"])


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    description: str
    brand: str
    category: str
    attributes: dict
    weight_g: int | None
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    price: Decimal | None
    currency: str
    barcode: str
    images: list[str]
    active: bool
    bundle_components: list[ComponentIO]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_bundle_components(obj: Product) -> list[dict]:
        return [
            {"sku": c.component.sku, "quantity": c.quantity}
            for c in obj.components.select_related("component").all()
        ]


NULLABLE_FIELDS = {"weight_g", "length_mm", "width_mm", "height_mm", "price"}


def split_components(payload: ProductFields) -> tuple[dict, list[tuple[str, int]] | None]:
    data = payload.dict(exclude_unset=True)
    components = None
    if data.pop("bundle_components", None) is not None:
        components = [(c.sku, c.quantity) for c in payload.bundle_components or []]
    return {k: v for k, v in data.items() if v is not None or k in NULLABLE_FIELDS}, components


@products_router.get(
    "", response=Page[ProductOut], auth=scope("catalog:read"), summary="List products"
)
def list_products(
    request: HttpRequest,
    sku: str | None = None,
    q: str | None = Query(None, description="Search SKU, name or barcode"),
    active: bool | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    products = owned(Product, request).prefetch_related("components__component")
    if sku:
        products = products.filter(sku=sku)
    if q:
        products = products.filter(Q(sku__icontains=q) | Q(name__icontains=q) | Q(barcode=q))
    if active is not None:
        products = products.filter(active=active)
    return paginate(products, cursor, limit)


@products_router.post(
    "", response={201: ProductOut}, auth=scope("catalog:write"), summary="Create a product"
)
def create_product(request: HttpRequest, payload: ProductIn) -> Status:
    fields, components = split_components(payload)
    return Status(201, services.create_product(tenant_of(request), fields, components or []))


@products_router.get(
    "/{product_id}", response=ProductOut, auth=scope("catalog:read"), summary="Get a product"
)
def get_product(request: HttpRequest, product_id: int) -> Product:
    return get_owned(Product, request, product_id)


@products_router.patch(
    "/{product_id}", response=ProductOut, auth=scope("catalog:write"), summary="Change a product"
)
def patch_product(request: HttpRequest, product_id: int, payload: ProductFields) -> Product:
    fields, components = split_components(payload)
    return services.update_product(get_owned(Product, request, product_id), fields, components)


class ListingOut(Schema):
    id: int
    connection_id: int
    product_id: int | None
    sku: str | None
    external_item_id: str
    external_variant_id: str
    channel_sku: str
    name: str
    status: str
    price: Decimal | None
    target_qty: int | None
    last_pushed_qty: int | None
    last_pushed_at: datetime | None
    push_state: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_sku(obj: Listing) -> str | None:
        return obj.product.sku if obj.product else None


class ListingIn(Schema):
    connection_id: int
    external_item_id: str = Field(min_length=1, max_length=100, examples=["100200300"])
    external_variant_id: str = Field("", max_length=100, examples=["5001"])
    channel_sku: str = Field("", max_length=100, examples=["TSHIRT-RED-M"])
    name: str = Field("", max_length=300)
    sku: str | None = Field(None, description="Master SKU to map the item to")
    price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class ListingPatch(Schema):
    sku: str | None = Field(None, description="Master SKU to map to; null unmaps")
    status: Listing.Status | None = None
    price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


@listings_router.get(
    "", response=Page[ListingOut], auth=scope("catalog:read"), summary="List listings"
)
def list_listings(
    request: HttpRequest,
    connection_id: int | None = None,
    sku: str | None = None,
    push_state: Listing.PushState | None = None,
    unmapped: bool | None = Query(None, description="Only listings with no master SKU"),
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    listings = owned(Listing, request).select_related("product")
    if connection_id is not None:
        listings = listings.filter(connection_id=connection_id)
    if sku:
        listings = listings.filter(product__sku=sku)
    if push_state:
        listings = listings.filter(push_state=push_state)
    if unmapped is not None:
        listings = listings.filter(product__isnull=unmapped)
    return paginate(listings, cursor, limit)


@listings_router.post(
    "",
    response={201: ListingOut},
    auth=scope("catalog:write"),
    summary="Add a listing",
    description="Records a channel item on a connection, optionally mapped to a master SKU.",
)
def create_listing(request: HttpRequest, payload: ListingIn) -> Status:
    connection = get_owned(Connection, request, payload.connection_id)
    fields = payload.dict(exclude={"connection_id", "sku"})
    return Status(201, services.create_listing(connection, fields, payload.sku))


@listings_router.get(
    "/{listing_id}", response=ListingOut, auth=scope("catalog:read"), summary="Get a listing"
)
def get_listing(request: HttpRequest, listing_id: int) -> Listing:
    return get_owned(Listing, request, listing_id)


@listings_router.patch(
    "/{listing_id}",
    response=ListingOut,
    auth=scope("catalog:write"),
    summary="Map a listing to a SKU or change its status",
)
def patch_listing(request: HttpRequest, listing_id: int, payload: ListingPatch) -> Listing:
    listing = get_owned(Listing, request, listing_id)
    data = payload.dict(exclude_unset=True)
    if "sku" in data:
        sku = data.pop("sku")
        listing.product = services.product_by_sku(listing.tenant, sku) if sku else None
    for field, value in data.items():
        setattr(listing, field, value)
    with transaction.atomic():
        listing.save()
        recompute_listing(listing)
    return listing
