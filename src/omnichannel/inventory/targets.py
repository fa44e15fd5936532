"""Listing targets: load the stock picture for some listings, apply the pure function,
and mark the listings whose target changed as pending (the push outbox).

Cost is a fixed number of statements per chunk of up to ``CHUNK`` listings (one read of
the listings with everything their targets depend on, one batched update), then linear
work in the number of listings: no query per listing, and ``listing_availability`` once per
distinct input. Callers run it inside the transaction that changed the stock, so the
new targets commit or roll back with the change that caused them.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from omnichannel.catalog.models import BundleComponent, Listing, Product
from omnichannel.channels.models import DIRECT_CHANNELS
from omnichannel.inventory import sql
from omnichannel.inventory.availability import (
    Availability,
    ListingFacts,
    PolicyLayers,
    PolicyValues,
    StockPicture,
    listing_availability,
)
from omnichannel.inventory.models import StockPolicy

CHUNK = 1000

#: Sent (inside the changing transaction) with ``connection_ids`` whose listings just became
#: pending, and ``channels``: the channel of each of them as the recompute read it (None
#: when it did not). The channels app schedules their stock drains for after the commit.
listings_pending = Signal()
# The listing fields a recompute reads.
LISTING_FIELDS = tuple(name for name in sql.LISTING_ROW if name)


def policy_values(policy: StockPolicy) -> PolicyValues:
    return PolicyValues(
        safety_stock=policy.safety_stock,
        zero_below=policy.zero_below,
        allocation_kind=policy.allocation_kind or None,
        allocation_value=policy.allocation_value,
        max_listed=policy.max_listed,
        low_stock_threshold=policy.low_stock_threshold,
        low_stock_priority=policy.low_stock_priority,
        preorder_quantity=policy.preorder_quantity,
        preorder_until=policy.preorder_until,
    )


@dataclass
class PolicyBook:
    """Every policy that may apply to a set of listings, indexed by scope."""

    tenant: PolicyValues | None
    by_connection: dict[int, PolicyValues]
    by_product: dict[int, PolicyValues]
    by_listing: dict[int, PolicyValues]

    def layers(self, listing: Listing) -> PolicyLayers:
        return PolicyLayers(
            listing=self.by_listing.get(listing.pk),
            sku=self.by_product.get(listing.product_id) if listing.product_id else None,
            connection=self.by_connection.get(listing.connection_id),
            tenant=self.tenant,
        )

    def apply(self, policy: StockPolicy, values: PolicyValues | None) -> None:
        """Put (or with ``None``, remove) one policy in the book: used by the simulator."""
        if policy.listing_id:
            target, key = self.by_listing, policy.listing_id
        elif policy.product_id:
            target, key = self.by_product, policy.product_id
        elif policy.connection_id:
            target, key = self.by_connection, policy.connection_id
        else:
            self.tenant = values
            return
        if values is None:
            target.pop(key, None)
        else:
            target[key] = values


@dataclass
class Context:
    """The stock picture, policies and warehouse sets for a set of listings, and the
    channel of each of their connections."""

    picture: StockPicture
    policies: PolicyBook
    warehouses: dict[int, tuple[int, ...]]
    channels: dict[int, str] = field(default_factory=dict)

    def facts(self, listing: Listing) -> ListingFacts:
        return ListingFacts(
            listing_id=listing.pk,
            connection_id=listing.connection_id,
            product_id=listing.product_id,
            active=listing.status == Listing.Status.ACTIVE,
            warehouse_ids=self.warehouses.get(listing.connection_id, ()),
        )

    def availability(self, listing: Listing) -> Availability:
        return listing_availability(
            self.picture, self.policies.layers(listing), self.facts(listing)
        )

    def targets(self, listings: Iterable[Listing]) -> dict[int, int | None]:
        """The quantity of each listing, by id, worked out once per distinct input.

        ``listing_availability`` reads only the product, the status, the warehouse set and
        the policy layers: listings of one SKU on shops with the same warehouses and no
        policy of their own (listing or connection) get the same answer. A listing or a
        connection with its own policy (low-stock priority is usually per connection) keys
        its answer by its own id."""
        book = self.policies
        known: dict[tuple, int | None] = {}
        quantities: dict[int, int | None] = {}
        for listing in listings:
            key = (
                listing.product_id,
                listing.status,
                self.warehouses.get(listing.connection_id, ()),
                listing.pk if listing.pk in book.by_listing else None,
                listing.connection_id if listing.connection_id in book.by_connection else None,
            )
            if key not in known:
                known[key] = self.availability(listing).quantity
            quantities[listing.pk] = known[key]
        return quantities


def warehouse_sets(tenant_id: int, connection_ids: set[int]) -> dict[int, tuple[int, ...]]:
    """Active warehouses serving each connection, by priority; no links = all active ones."""
    links: dict[int, list[int]] = defaultdict(list)
    for connection_id, warehouse_id in sql.linked_warehouse_rows(connection_ids):
        links[connection_id].append(warehouse_id)
    unlinked = connection_ids - links.keys()
    if unlinked:
        everything = sql.active_warehouse_ids(tenant_id)
        links.update({connection_id: list(everything) for connection_id in unlinked})
    return {connection_id: tuple(ids) for connection_id, ids in links.items()}


def load_context(tenant_id: int, listings: Sequence[Listing]) -> Context:
    """Everything ``listing_availability`` needs for ``listings`` (as stored), in one
    statement: ``sql.recompute_rows``."""
    if not listings:
        nothing = StockPicture(at=timezone.now(), available={})
        return Context(nothing, PolicyBook(None, {}, {}, {}), {})
    chunk = sql.listings_chunk([listing.pk for listing in listings])
    return read_context(sql.recompute_rows(tenant_id, chunk, with_listings=False))[1]


def read_context(rows: Iterable[sql.PictureRow]) -> tuple[list[Listing], Context]:
    """The listings (in id order) and the context in ``sql.recompute_rows``' rows."""
    components: dict[int, list[tuple[int, int]]] = defaultdict(list)
    available: dict[tuple[int, int], int] = {}
    links: dict[int, list[tuple[int, int]]] = defaultdict(list)
    channels: dict[int, str] = {}
    active: list[int] = []
    listing_rows, policy_rows = [], []
    for row in rows:
        kind, a, b, c = row[:4]
        if kind == "l":
            available[(a, b)] = c
        elif kind == "L":
            listing_rows.append(row)
        elif kind == "c":
            components[a].append((b, c))
        elif kind == "s":
            channels[a] = row[1 + sql.PICTURE_INTS]
            if b is not None:
                links[a].append((c, b))
        elif kind == "a":
            active.append(a)
        else:
            policy_rows.append(row)
    book = PolicyBook(None, {}, {}, {})
    for policy in sql.rows_as(StockPolicy, sql.POLICY_ROW, policy_rows):
        book.apply(policy, policy_values(policy))
    listings = sql.rows_as(Listing, sql.LISTING_ROW, listing_rows)
    listings.sort(key=lambda listing: listing.pk)
    picture = StockPicture(
        at=timezone.now(),
        available=available,
        components={bundle: tuple(parts) for bundle, parts in components.items()},
    )
    return listings, Context(picture, book, serving_warehouses(channels, links, active), channels)


def serving_warehouses(
    connection_ids: Iterable[int], links: dict[int, list[tuple[int, int]]], active: list[int]
) -> dict[int, tuple[int, ...]]:
    """``warehouse_sets`` from rows already read: each connection's linked active
    warehouses as (priority, warehouse id), and the tenant's active warehouses."""
    everything = tuple(sorted(active))
    return {
        connection_id: tuple(w for _, w in sorted(links[connection_id]))
        if links.get(connection_id)
        else everything
        for connection_id in connection_ids
    }


def apply_targets(
    listings: Sequence[Listing],
    targets: dict[int, int | None],
    channels: dict[int, str] | None = None,
) -> list[Listing]:
    """Store new targets; a listing whose target moved away from what was last pushed
    becomes pending with its version bumped. Returns the listings that changed.

    ``channels`` (connection id → channel, when known) goes out with ``listings_pending``.
    With it, a POS or manual shop's listing shows its new target at once (its till or app
    reads our stock through the API; there is no channel to push to), in the same update."""
    changed = []
    shown_at_once = {c for c, channel in (channels or {}).items() if channel in DIRECT_CHANNELS}
    for listing in listings:
        target = targets[listing.pk]
        if target == listing.target_qty:
            continue
        listing.target_qty = target
        listing.push_version += 1
        if target is not None and listing.connection_id in shown_at_once:
            listing.last_pushed_qty = target
        in_sync = target is None or target == listing.last_pushed_qty
        listing.push_state = Listing.PushState.IN_SYNC if in_sync else Listing.PushState.PENDING
        changed.append(listing)
    now = timezone.now()
    sql.update_rows(
        Listing,
        ("target_qty", "last_pushed_qty", "push_state", "push_version", "updated_at"),
        (
            (x.target_qty, x.last_pushed_qty, x.push_state, x.push_version, now, x.pk)
            for x in changed
        ),
    )
    pending = {x.connection_id for x in changed if x.push_state == Listing.PushState.PENDING}
    if pending:
        listings_pending.send(sender=Listing, connection_ids=pending, channels=channels)
    return changed


ChunkLoader = Callable[[int], tuple[list[Listing], Context]]
"""Up to ``CHUNK`` listings with ids above the given one, in id order, locked, and their
context."""


def recompute(tenant_id: int, listing_filter: Q) -> list[Listing]:
    """Recompute the targets of the tenant's listings matching ``listing_filter``."""
    matching = (
        Listing.objects.filter(listing_filter, tenant_id=tenant_id)
        .order_by("pk")
        .select_for_update()
        .only(*LISTING_FIELDS)
    )

    def load_chunk(after: int) -> tuple[list[Listing], Context]:
        chunk = list(matching.filter(pk__gt=after)[:CHUNK])
        return chunk, load_context(tenant_id, chunk)

    return recompute_chunks(load_chunk)


def recompute_chunks(load_chunk: ChunkLoader) -> list[Listing]:
    """Recompute the listings ``load_chunk`` returns, chunk after chunk.

    On PostgreSQL the listings are locked first (in id order), so two transactions that
    changed different components of one bundle recompute it one after the other and the
    later one sees the earlier one's stock. SQLite serializes writers anyway.
    """
    changed: list[Listing] = []
    with transaction.atomic(savepoint=False):
        last = 0
        while True:
            chunk, context = load_chunk(last)
            if chunk:
                last = chunk[-1].pk
                changed.extend(apply_targets(chunk, context.targets(chunk), context.channels))
            if len(chunk) < CHUNK:
                return changed


def affected_by_products(product_ids: Iterable[int]) -> Q:
    """Listings of these products and of every bundle that contains one of them: the
    products as one set, so that the listings are found through the product index (an
    ``OR`` of the two walks the listing table on PostgreSQL)."""
    ids = set(product_ids)
    bundles = BundleComponent.objects.filter(component_id__in=ids).values("bundle_id")
    own = Product.objects.filter(pk__in=ids).values("pk")
    return Q(product_id__in=own.union(bundles, all=True))


_deferred = threading.local()


@contextmanager
def recompute_once() -> Iterator[None]:
    """``recompute_products`` calls made in the block are gathered and run once, as the
    block ends: a batch of orders selling the same SKUs recomputes each listing once
    instead of once per order.

    Use it only inside one transaction that spans the block (a detail batch ingested
    together), so the targets still commit with the changes that caused them. Nothing in
    the block may read listing targets back: reservations and routing read stock levels.
    """
    if getattr(_deferred, "products", None) is not None:
        yield  # nested: the outermost block recomputes
        return
    _deferred.products = gathered = defaultdict(set)
    try:
        yield
    finally:
        _deferred.products = None
    for tenant_id, ids in gathered.items():
        recompute_products(tenant_id, ids)


def recompute_products(tenant_id: int, product_ids: Iterable[int]) -> list[Listing]:
    """Recompute every listing whose target depends on these products' stock (the
    listings ``affected_by_products``): what every stock change runs, so its listings are
    read with one written-out statement (``inventory.sql``).

    Inside ``recompute_once`` the products are noted and nothing is returned yet."""
    ids = set(product_ids)
    gathered = getattr(_deferred, "products", None)
    if gathered is not None:
        gathered[tenant_id] |= ids
        return []
    if not ids:
        return []

    def load_chunk(after: int) -> tuple[list[Listing], Context]:
        chunk = sql.locked_chunk_of_products(tenant_id, ids, after, CHUNK)
        return read_context(sql.recompute_rows(tenant_id, chunk, with_listings=True))

    return recompute_chunks(load_chunk)


def recompute_listing(listing: Listing) -> None:
    """Recompute one listing (created, mapped or its status changed) and refresh it."""
    recompute(listing.tenant_id, Q(pk=listing.pk))
    listing.refresh_from_db(fields=["target_qty", "push_state", "push_version", "updated_at"])
