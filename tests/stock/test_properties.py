"""Property tests: random sequences of movements, counts, reservations, releases,
consumptions and policy changes never break the stock engine's invariants."""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from omnichannel.catalog.models import BundleComponent, Listing, Product
from omnichannel.catalog.services import create_listing
from omnichannel.channels.models import Connection
from omnichannel.errors import DomainError
from omnichannel.inventory import services
from omnichannel.inventory.availability import (
    ListingFacts,
    PolicyLayers,
    PolicyValues,
    StockPicture,
    listing_availability,
)
from omnichannel.inventory.ledger import CountInput, MovementInput, apply_counts, post_movements
from omnichannel.inventory.models import (
    ConnectionWarehouse,
    Reservation,
    StockLevel,
    StockMovement,
    StockPolicy,
    Warehouse,
)
from omnichannel.inventory.policies import delete_policy, save_policy
from omnichannel.inventory.targets import load_context
from omnichannel.orders.models import Order, OrderLine
from omnichannel.tenants.models import Tenant

WHEN = datetime(2026, 11, 1, tzinfo=UTC)
WAREHOUSES = ("W1", "W2")
STOCKED = ("A", "B")
SELLABLE = ("A", "B", "KIT")  # KIT = 1 × A + 2 × B

quantities = st.integers(min_value=1, max_value=3)
movements = st.tuples(
    st.just("move"),
    st.sampled_from(["inbound", "outbound", "transfer", "adjustment"]),
    st.sampled_from(WAREHOUSES),
    st.sampled_from(STOCKED),
    st.integers(min_value=-4, max_value=8),
    st.integers(min_value=0, max_value=5),  # a small id pool, so ids are replayed
)
counts = st.tuples(
    st.just("count"),
    st.sampled_from(WAREHOUSES),
    st.sampled_from(STOCKED),
    st.integers(min_value=0, max_value=8),
)
reservations = st.tuples(
    st.just("reserve"), st.sampled_from(SELLABLE), st.sampled_from(WAREHOUSES), quantities
)
settlements = st.tuples(
    st.sampled_from(["release", "consume"]), st.integers(min_value=0, max_value=5)
)
policy_changes = st.tuples(
    st.just("policy"),
    st.sampled_from(["tenant", "connection", "sku"]),
    st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {},
            optional={
                "safety_stock": st.integers(0, 5),
                "zero_below": st.integers(0, 4),
                "max_listed": st.integers(0, 10),
                "low_stock_threshold": st.integers(0, 6),
                "low_stock_priority": st.booleans(),
                "allocation_kind": st.just("percent"),
            },
        ),
    ),
    st.integers(min_value=0, max_value=100),
)
operations = st.lists(
    st.one_of(movements, counts, reservations, settlements, policy_changes), max_size=15
)


class StockEngineProperties(TestCase):
    def build(self) -> None:
        self.tenant = Tenant.objects.create(name="props")
        self.warehouses = {
            code: Warehouse.objects.create(tenant=self.tenant, code=code, name=code)
            for code in WAREHOUSES
        }
        self.products = {
            sku: Product.objects.create(tenant=self.tenant, sku=sku, name=sku) for sku in SELLABLE
        }
        BundleComponent.objects.create(bundle=self.products["KIT"], component=self.products["A"])
        BundleComponent.objects.create(
            bundle=self.products["KIT"], component=self.products["B"], quantity=2
        )
        self.shops = [
            Connection.objects.create(
                tenant=self.tenant, channel="manual", name=name, external_shop_id=name
            )
            for name in ("only-w1", "all")
        ]
        ConnectionWarehouse.objects.create(
            connection=self.shops[0], warehouse=self.warehouses["W1"]
        )
        items = itertools.count()
        for shop, sku in itertools.product(self.shops, SELLABLE):
            create_listing(shop, {"external_item_id": str(next(items))}, sku)
        seed = [CountInput(code, sku, 6) for code in WAREHOUSES for sku in STOCKED]
        apply_counts(self.tenant, seed, WHEN)
        self.lines: list[OrderLine] = []
        self.accepted: list[MovementInput] = []

    def apply(self, operation: tuple) -> None:
        kind = operation[0]
        if kind == "move":
            _, type, code, sku, quantity, number = operation
            other = "W2" if code == "W1" else "W1"
            item = MovementInput(
                f"id-{number}",
                type,
                code,
                sku,
                quantity,
                WHEN,
                to_warehouse=other if type == "transfer" else None,
            )
            post_movements(self.tenant, [item])
            self.accepted.append(item)
        elif kind == "count":
            _, code, sku, on_hand = operation
            apply_counts(self.tenant, [CountInput(code, sku, on_hand)], WHEN)
        elif kind == "reserve":
            _, sku, code, quantity = operation
            order = Order.objects.create(
                tenant=self.tenant,
                connection=self.shops[0],
                channel="manual",
                external_id=f"o{len(self.lines)}",
                status="ready_to_process",
            )
            line = OrderLine.objects.create(
                order=order, external_line_id="1", product=self.products[sku], quantity=quantity
            )
            self.lines.append(line)
            services.reserve(line, self.warehouses[code])
        elif kind in ("release", "consume") and self.lines:
            line = self.lines[operation[1] % len(self.lines)]
            getattr(services, kind)(line)
        elif kind == "policy":
            _, scope, rules, percent = operation
            where = {
                "tenant": {},
                "connection": {"connection": self.shops[1]},
                "sku": {"product": self.products["KIT"]},
            }[scope]
            existing = StockPolicy.objects.filter(tenant=self.tenant, **where)
            if scope == "tenant":
                existing = existing.filter(connection=None, product=None, listing=None)
            policy = existing.first() or StockPolicy(tenant=self.tenant, **where)
            if rules is None:
                if policy.pk:
                    delete_policy(policy)
                return
            if rules.get("allocation_kind"):
                rules = {**rules, "allocation_value": percent}
            fields = (
                "safety_stock",
                "zero_below",
                "max_listed",
                "low_stock_threshold",
                "low_stock_priority",
                "allocation_kind",
                "allocation_value",
            )
            save_policy(policy, {name: rules.get(name) for name in fields})

    def check_invariants(self) -> None:
        ledger: dict[tuple[int, int], int] = defaultdict(int)
        for m in StockMovement.objects.filter(tenant=self.tenant):
            sign = -1 if m.type in ("outbound", "transfer") else 1
            ledger[(m.product_id, m.warehouse_id)] += sign * m.quantity
            if m.type == "transfer":
                ledger[(m.product_id, m.to_warehouse_id)] += m.quantity
        held: dict[tuple[int, int], int] = defaultdict(int)
        for r in Reservation.objects.filter(tenant=self.tenant, state="open"):
            held[(r.product_id, r.warehouse_id)] += r.quantity
        levels = StockLevel.objects.filter(tenant=self.tenant)
        for level in levels:
            pair = (level.product_id, level.warehouse_id)
            assert level.on_hand == ledger[pair], "on_hand is the sum of the ledger"
            assert level.reserved == held[pair], "reserved is the sum of open reservations"
            assert level.on_hand >= 0, "no warehouse here allows negative stock"
        available = {(x.product_id, x.warehouse_id): x.available for x in levels}
        listings = list(Listing.objects.filter(tenant=self.tenant))
        context = load_context(self.tenant.pk, listings)
        a, b = self.products["A"].pk, self.products["B"].pk
        for listing in listings:
            warehouses = context.warehouses[listing.connection_id]
            supply = {
                product_id: sum(max(0, available.get((product_id, w), 0)) for w in warehouses)
                for product_id in (a, b)
            }
            assert listing.target_qty == context.availability(listing).quantity, "up to date"
            kit = listing.product_id == self.products["KIT"].pk
            limit = min(supply[a], supply[b] // 2) if kit else supply[listing.product_id]
            assert 0 <= listing.target_qty <= limit, "never negative, never above supply"
            pending = listing.target_qty != listing.last_pushed_qty
            assert (listing.push_state == "pending") == pending

    @settings(max_examples=60, deadline=None)
    @given(operations)
    def test_random_sequences_keep_every_invariant(self, sequence):
        self.build()
        for operation in sequence:
            with contextlib.suppress(DomainError):  # a refusal must change nothing
                self.apply(operation)
            self.check_invariants()
        before = list(StockLevel.objects.order_by("pk").values_list("on_hand", "reserved"))
        for item in self.accepted:
            post_movements(self.tenant, [item])  # replay: duplicates or conflicts only
        after = list(StockLevel.objects.order_by("pk").values_list("on_hand", "reserved"))
        assert before == after, "replaying movement ids changes nothing"


@settings(max_examples=100, deadline=None)
@given(
    stock=st.lists(st.integers(-3, 50), min_size=2, max_size=2),
    reserved=st.integers(0, 20),
    percents=st.lists(st.integers(0, 100), min_size=1, max_size=5).filter(lambda p: sum(p) <= 100),
    safety=st.integers(0, 5),
)
def test_percentage_shares_never_sum_above_the_available_quantity(
    stock, reserved, percents, safety
):
    picture = StockPicture(at=WHEN, available={(1, 10): stock[0] - reserved, (1, 20): stock[1]})
    total = 0
    for number, percent in enumerate(percents):
        layers = PolicyLayers(
            listing=PolicyValues(allocation_kind="percent", allocation_value=percent),
            tenant=PolicyValues(safety_stock=safety),
        )
        total += listing_availability(
            picture, layers, ListingFacts(number, number, 1, True, (10, 20))
        ).quantity
    assert total <= max(0, stock[0] - reserved) + max(0, stock[1])


@settings(max_examples=100, deadline=None)
@given(
    a=st.integers(-5, 40),
    b=st.integers(-5, 40),
    per_b=st.integers(1, 4),
    max_listed=st.integers(0, 30),
)
def test_a_bundle_never_shows_more_than_its_scarcest_component_allows(a, b, per_b, max_listed):
    picture = StockPicture(
        at=WHEN, available={(1, 10): a, (2, 10): b}, components={3: ((1, 1), (2, per_b))}
    )
    layers = PolicyLayers(sku=PolicyValues(max_listed=max_listed))
    shown = listing_availability(picture, layers, ListingFacts(1, 1, 3, True, (10,))).quantity
    assert 0 <= shown <= min(max(0, a), max(0, b) // per_b)
