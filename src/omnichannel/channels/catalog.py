"""Catalog on the channels: the category cache, pulling items into listings, publishing.

Pulled items become listings (one per variant), upserted by (connection, item, variant) and
mapped to products when the channel SKU equals a master SKU; the rest wait, unmapped, for
a person to map them (``GET /listings?unmapped=true``, ``PATCH /listings/{id}``). An item
missing from a pull is never taken as deleted: pages shift, and channels hide items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from omnichannel.catalog.models import Listing, Product
from omnichannel.channels.jobs import JobOutcome, connections_supporting, run_job
from omnichannel.channels.models import ChannelCategory, Connection, SyncState
from omnichannel.channels.transport import connector_for
from omnichannel.connectors.base import CatalogReading, Publishing, chunked, require
from omnichannel.errors import Unprocessable
from omnichannel.inventory.targets import recompute
from omnichannel.unified import catalog as unified

CATEGORY_JOB = "category_refresh"
PULL_JOB = "catalog_pull"
PAGE = 50  # items upserted per transaction

STATUS = {
    unified.ListingStatus.ACTIVE: Listing.Status.ACTIVE,
    unified.ListingStatus.INACTIVE: Listing.Status.INACTIVE,
    unified.ListingStatus.REVIEWING: Listing.Status.INACTIVE,
    unified.ListingStatus.BANNED: Listing.Status.BANNED,
    unified.ListingStatus.DELETED: Listing.Status.DELETED,
}


# -------------------------------------------------------------------------- categories


def category_sources() -> list[Connection]:
    """One active connection per channel app whose channel reads catalogs: categories are
    per app (marketplace and region), read through any shop the app authorized."""
    chosen: dict[int, Connection] = {}
    for connection in connections_supporting("catalog").filter(app__active=True).order_by("pk"):
        chosen.setdefault(connection.app_id, connection)
    return list(chosen.values())


def refresh_categories(connection: Connection) -> JobOutcome:
    """Download the app's category tree and each leaf's attributes, as a job."""
    return run_job(connection, CATEGORY_JOB, lambda c, state: store_categories(c))


def store_categories(connection: Connection) -> int:
    """Replace the cached tree of the connection's app with the channel's; returns the count.

    The tree is read whole, so a category the channel no longer has is dropped.
    """
    connector = connector_for(connection)
    require(connector, "catalog")
    assert isinstance(connector, CatalogReading)
    categories = connector.categories()
    leaves = [category.id for category in categories if not category.has_children]
    attributes = {
        category_id: [a.model_dump(mode="json") for a in found]
        for category_id, found in connector.attributes(leaves).items()
    }
    now = timezone.now()
    with transaction.atomic():
        for category in categories:
            ChannelCategory.objects.update_or_create(
                app_id=connection.app_id,
                external_id=category.id,
                defaults={
                    "parent_external_id": category.parent_id or "",
                    "name": category.name,
                    "leaf": not category.has_children,
                    "attributes": attributes.get(category.id, []),
                    "refreshed_at": now,
                },
            )
        ChannelCategory.objects.filter(app_id=connection.app_id, refreshed_at__lt=now).delete()
    return len(categories)


def cached_categories(connection: Connection) -> Any:
    """The app's cached categories, downloaded first if there are none yet."""
    categories = ChannelCategory.objects.filter(app_id=connection.app_id)
    if connection.app_id and not categories.exists():
        store_categories(connection)
    return categories.order_by("external_id")


# ---------------------------------------------------------------------------- pulling


@dataclass
class PullCounts:
    items: int = 0
    created: int = 0
    updated: int = 0
    mapped: int = 0
    unmapped: int = 0


def pull_catalog(connection: Connection, full: bool = True) -> JobOutcome:
    """Pull the connection's items into listings, as a job; ``result`` is the counts.

    Incremental pulls (``full=False``) read items updated since the last pull started
    (the watermark is taken before reading, so nothing updated meanwhile is skipped).
    """

    def work(connection: Connection, state: SyncState) -> dict[str, int]:
        connector = connector_for(connection)
        require(connector, "catalog")
        assert isinstance(connector, CatalogReading)
        started = timezone.now()
        counts = PullCounts()
        since = None if full else state.watermark
        for page in chunked(connector.iter_items(since), PAGE):
            upsert_items(connection, page, counts)
        SyncState.objects.filter(pk=state.pk).update(watermark=started)
        return asdict(counts)

    return run_job(connection, PULL_JOB, work)


def listing_rows(item: unified.ChannelItem) -> list[dict[str, Any]]:
    """One listing's fields per sellable variant of a channel item (the item itself when it
    has no variants); ``stock`` is what the channel shows."""
    common = {
        "external_item_id": item.external_item_id,
        "channel_category_id": item.category_id or "",
        "channel_attributes": item.attributes,
    }
    if not item.variants:
        return [
            {
                **common,
                "external_variant_id": "",
                "channel_sku": item.channel_sku or "",
                "name": item.name[:300],
                "status": STATUS[item.status],
                "price": item.price,
                "stock": item.stock,
            }
        ]
    item_status = STATUS[item.status]
    return [
        {
            **common,
            "external_variant_id": variant.external_variant_id,
            "channel_sku": variant.channel_sku or "",
            "name": f"{item.name} · {variant.name}"[:300] if variant.name else item.name[:300],
            "status": item_status
            if item_status != Listing.Status.ACTIVE
            else STATUS[variant.status],
            "price": variant.price,
            "stock": variant.stock,
        }
        for variant in item.variants
    ]


@transaction.atomic
def upsert_items(
    connection: Connection, items: Sequence[unified.ChannelItem], counts: PullCounts
) -> list[Listing]:
    """Create or update the listings of ``items``; map unmapped ones whose SKU is a product's.

    A new listing remembers the channel's stock as last pushed, so its target (computed
    here) is pushed only when it differs from what buyers see now. A listing mapped by
    hand keeps its mapping.
    """
    rows = [row for item in items for row in listing_rows(item)]
    counts.items += len(items)
    existing = {
        (x.external_item_id, x.external_variant_id): x
        for x in Listing.objects.select_for_update().filter(
            connection=connection, external_item_id__in={r["external_item_id"] for r in rows}
        )
    }
    products = {
        p.sku: p
        for p in Product.objects.filter(
            tenant_id=connection.tenant_id,
            sku__in={r["channel_sku"] for r in rows if r["channel_sku"]},
        )
    }
    touched: list[Listing] = []
    for row in rows:
        stock = row.pop("stock")
        listing = existing.get((row["external_item_id"], row["external_variant_id"]))
        if listing is None:
            listing = Listing(
                tenant_id=connection.tenant_id,
                connection=connection,
                last_pushed_qty=stock,
                **row,
            )
            counts.created += 1
        else:
            for field, value in row.items():
                setattr(listing, field, value)
            counts.updated += 1
        if listing.product_id is None and row["channel_sku"] in products:
            listing.product = products[row["channel_sku"]]
        listing.save()
        touched.append(listing)
        if listing.product_id:
            counts.mapped += 1
        else:
            counts.unmapped += 1
    recompute(connection.tenant_id, Q(pk__in=[x.pk for x in touched]))
    return touched


# -------------------------------------------------------------------------- publishing


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    option: str
    price: Decimal


def draft_for(
    product: Product,
    category_id: str,
    attributes: dict[str, list[str]],
    image_ids: list[str],
    price: Decimal,
    variants: Sequence[VariantSpec] = (),
    variant_tier_name: str = "Variant",
    channel_data: dict[str, Any] | None = None,
    active: bool = True,
) -> unified.ListingDraft:
    """The unified draft of a product. Stock starts at 0: the drain pushes the real target
    right after, so stock only ever moves one way."""
    return unified.ListingDraft(
        product=unified.Product(
            sku=product.sku,
            name=product.name,
            description=product.description,
            brand=product.brand or None,
            weight_g=product.weight_g,
            length_mm=product.length_mm,
            width_mm=product.width_mm,
            height_mm=product.height_mm,
            price=product.price,
            images=product.images,
        ),
        category_id=category_id,
        attributes=attributes,
        image_ids=image_ids,
        price=price,
        quantity=0,
        active=active,
        variant_tier_name=variant_tier_name,
        variants=[
            unified.ListingVariantDraft(sku=v.sku, option=v.option, price=v.price, quantity=0)
            for v in variants
        ],
        channel_data=channel_data or {},
    )


def publishing_connector(connection: Connection) -> Publishing:
    connector = connector_for(connection)
    require(connector, "publish")
    assert isinstance(connector, Publishing)
    return connector


def publish(connection: Connection, product: Product, draft: unified.ListingDraft) -> list[Listing]:
    """Create the item on the channel, then its listings (one per variant), mapped to the
    products by SKU; their targets are computed at once, so the drain pushes real stock."""
    variant_products = {
        v.sku: Product.objects.filter(tenant_id=connection.tenant_id, sku=v.sku).first()
        for v in draft.variants
    }
    missing = sorted(sku for sku, found in variant_products.items() if found is None)
    if missing:
        raise Unprocessable(
            "Every variant must be a master SKU.",
            code="product.not_found",
            details={"skus": missing},
        )
    result = publishing_connector(connection).publish(draft)
    rows: list[tuple[str, Product]] = [
        (result.variant_ids_by_sku.get(v.sku, ""), variant_products[v.sku]) for v in draft.variants
    ] or [("", product)]
    with transaction.atomic():
        listings = [
            Listing.objects.create(
                tenant_id=connection.tenant_id,
                connection=connection,
                product=variant_product,
                external_item_id=result.external_item_id,
                external_variant_id=variant_id,
                channel_sku=variant_product.sku,
                name=draft.product.name[:300],
                status=Listing.Status.ACTIVE if draft.active else Listing.Status.INACTIVE,
                channel_category_id=draft.category_id,
                channel_attributes=draft.attributes,
                price=draft.price,
                last_pushed_qty=0,
            )
            for variant_id, variant_product in rows
        ]
        recompute(connection.tenant_id, Q(pk__in=[x.pk for x in listings]))
    return listings


def item_listings(listing: Listing) -> Iterable[Listing]:
    return Listing.objects.filter(
        connection_id=listing.connection_id, external_item_id=listing.external_item_id
    )


def update_content(listing: Listing, draft: unified.ListingDraft) -> None:
    """Send the product's current content to the channel item of ``listing``."""
    publishing_connector(listing.connection).update(listing.external_item_id, draft)
    item_listings(listing).update(
        channel_category_id=draft.category_id,
        channel_attributes=draft.attributes,
        price=draft.price,
        updated_at=timezone.now(),
    )


def set_active(listing: Listing, active: bool) -> None:
    """List or unlist the channel item (every variant of it), without deleting it."""
    publishing_connector(listing.connection).set_active(listing.external_item_id, active)
    status = Listing.Status.ACTIVE if active else Listing.Status.INACTIVE
    with transaction.atomic():
        ids = [x.pk for x in item_listings(listing)]
        Listing.objects.filter(pk__in=ids).update(status=status, updated_at=timezone.now())
        recompute(listing.tenant_id, Q(pk__in=ids))
