"""The push outbox: targets follow every change in the same transaction; pushes and
reconciliation keep what the channel shows in step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection as db_connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from omnichannel.catalog.models import Listing
from omnichannel.catalog.services import set_bundle_components
from omnichannel.channels.models import Connection
from omnichannel.inventory import outbox, services
from omnichannel.inventory.models import StockPolicy, StockPush
from omnichannel.inventory.policies import delete_policy, save_policy
from omnichannel.inventory.targets import recompute_products
from omnichannel.inventory.tasks import sweep_preorders, sweep_targets


def fresh(listing: Listing) -> Listing:
    listing.refresh_from_db()
    return listing


def test_a_movement_marks_the_skus_listings_pending_with_a_new_version(
    move, warehouse, product, shop, listing
):
    w1, shirt = warehouse(), product("SHIRT")
    on_shop = listing(shop(), shirt)
    assert (on_shop.target_qty, on_shop.push_state) == (0, "pending")
    version = on_shop.push_version
    move("inbound", w1, shirt, 7)
    on_shop = fresh(on_shop)
    assert (on_shop.target_qty, on_shop.push_state) == (7, "pending")
    assert on_shop.push_version == version + 1


def test_pos_and_manual_listings_show_their_target_at_once_with_nothing_to_push(
    move, warehouse, product, shop, listing, tenant
):
    """A till reads our stock through the API: there is no channel to push to, so such a
    listing is in sync as soon as its target is computed, never left pending."""
    w1, shirt = warehouse(), product("SHIRT")
    till = Connection.objects.create(
        tenant=tenant, channel="pos", name="Till", external_shop_id="t"
    )
    on_till, on_marketplace = listing(till, shirt), listing(shop(), shirt)
    move("inbound", w1, shirt, 7)
    on_till = fresh(on_till)
    assert (on_till.target_qty, on_till.last_pushed_qty, on_till.push_state) == (7, 7, "in_sync")
    assert (fresh(on_marketplace).target_qty, on_marketplace.push_state) == (7, "pending")


def test_bundles_containing_a_changed_component_are_recomputed(
    move, warehouse, product, shop, listing
):
    w1, shirt, mug = warehouse(), product("SHIRT"), product("MUG")
    kit = product("KIT", {shirt: 1, mug: 2})
    kit_listing = listing(shop(), kit)
    move("inbound", w1, shirt, 10)
    move("inbound", w1, mug, 6)
    assert fresh(kit_listing).target_qty == 3


def test_changing_a_bundles_components_recomputes_its_listings(
    move, warehouse, product, shop, listing
):
    w1, shirt = warehouse(), product("SHIRT")
    product("MUG")
    move("inbound", w1, shirt, 10)
    kit = product("KIT", {shirt: 1})
    kit_listing = listing(shop(), kit)
    assert fresh(kit_listing).target_qty == 10
    set_bundle_components(kit, [("SHIRT", 1), ("MUG", 1)])
    assert fresh(kit_listing).target_qty == 0


def test_reservations_lower_the_targets(move, warehouse, product, shop, listing, order_line):
    w1, shirt = warehouse(), product("SHIRT")
    on_shop = listing(shop(), shirt)
    move("inbound", w1, shirt, 5)
    line = order_line(shirt, 2)
    services.reserve(line, w1)
    assert fresh(on_shop).target_qty == 3
    services.release(line)
    assert fresh(on_shop).target_qty == 5


def test_policy_changes_recompute_what_they_govern(tenant, move, warehouse, product, shop, listing):
    w1, shirt = warehouse(), product("SHIRT")
    on_shop = listing(shop(), shirt)
    move("inbound", w1, shirt, 10)
    policy = save_policy(StockPolicy(tenant=tenant, product=shirt), {"safety_stock": 4})
    assert fresh(on_shop).target_qty == 6
    delete_policy(policy)
    assert fresh(on_shop).target_qty == 10


def test_a_successful_push_puts_the_listing_in_sync(move, warehouse, product, shop, listing):
    w1, shirt = warehouse(), product("SHIRT")
    connection = shop()
    on_shop = listing(connection, shirt)
    move("inbound", w1, shirt, 4)
    [pending] = outbox.pending_listings(connection)
    push = outbox.start_push(pending)
    outbox.record_push_result(push, StockPush.State.SUBMITTED)
    outbox.record_push_result(push, StockPush.State.SUCCESS, {"ok": True})
    on_shop = fresh(on_shop)
    assert (on_shop.last_pushed_qty, on_shop.push_state) == (4, "in_sync")
    assert push.finished_at is not None
    assert not outbox.pending_listings(connection).exists()


def test_a_push_answered_after_the_target_moved_leaves_the_listing_pending(
    move, warehouse, product, shop, listing
):
    w1, shirt = warehouse(), product("SHIRT")
    on_shop = listing(shop(), shirt)
    move("inbound", w1, shirt, 4)
    push = outbox.start_push(fresh(on_shop))
    move("inbound", w1, shirt, 1)
    outbox.record_push_result(push, StockPush.State.SUCCESS)
    on_shop = fresh(on_shop)
    assert (on_shop.last_pushed_qty, on_shop.target_qty, on_shop.push_state) == (4, 5, "pending")


def test_a_failed_push_marks_the_listing_in_error(move, warehouse, product, shop, listing):
    w1, shirt = warehouse(), product("SHIRT")
    on_shop = listing(shop(), shirt)
    move("inbound", w1, shirt, 4)
    outbox.record_push_result(outbox.start_push(fresh(on_shop)), "error", {"code": "timeout"})
    assert fresh(on_shop).push_state == "error"


@dataclass
class Shown:
    external_item_id: str
    external_variant_id: str | None
    quantity: int


def test_reconciliation_re_marks_listings_whose_channel_quantity_drifted(
    move, warehouse, product, shop, listing
):
    w1, shirt = warehouse(), product("SHIRT")
    connection = shop()
    drifted, fine, unreported = (listing(connection, shirt) for _ in range(3))
    move("inbound", w1, shirt, 5)
    channel = {drifted.external_item_id: 9, fine.external_item_id: 5}

    def read_stock(item_ids):
        return [Shown(i, None, channel[i]) for i in item_ids if i in channel]

    assert outbox.reconcile(connection, read_stock) == [drifted.pk]
    assert (fresh(drifted).last_pushed_qty, fresh(drifted).push_state) == (9, "pending")
    assert (fresh(fine).last_pushed_qty, fresh(fine).push_state) == (5, "in_sync")
    assert fresh(unreported).push_state == "pending"


def test_force_repush_marks_in_sync_listings_pending(
    tenant, move, warehouse, product, shop, listing
):
    shirt = product("SHIRT")
    on_shop = listing(shop(), shirt)
    Listing.objects.filter(pk=on_shop.pk).update(last_pushed_qty=0, push_state="in_sync")
    assert outbox.force_repush(tenant.pk, Q(product=shirt)) == 1
    assert fresh(on_shop).push_state == "pending"


def test_force_repush_leaves_a_pos_listing_in_sync_with_nothing_to_push(
    tenant, move, warehouse, product, listing
):
    w1, shirt = warehouse(), product("SHIRT")
    till = Connection.objects.create(
        tenant=tenant, channel="pos", name="Till", external_shop_id="t"
    )
    on_till = listing(till, shirt)
    move("inbound", w1, shirt, 4)

    assert outbox.force_repush(tenant.pk, Q(product=shirt)) == 1

    on_till = fresh(on_till)
    assert (on_till.target_qty, on_till.last_pushed_qty, on_till.push_state) == (4, 4, "in_sync")


def test_a_pos_listing_is_settled_by_the_recomputes_own_update(
    tenant, move, warehouse, product, shop, listing
):
    """No statement of its own for the till's listing: one update writes every target."""
    w1, shirt = warehouse(), product("SHIRT")
    till = Connection.objects.create(
        tenant=tenant, channel="pos", name="Till", external_shop_id="t"
    )
    listing(till, shirt), listing(shop(), shirt)

    with CaptureQueriesContext(db_connection) as captured:
        move("inbound", w1, shirt, 3)

    listing_updates = [q["sql"] for q in captured if 'UPDATE "catalog_listing"' in q["sql"]]
    assert len(listing_updates) == 1, listing_updates


def test_recompute_needs_the_same_queries_for_5_or_50_listings(
    tenant, move, warehouse, product, shop, listing
):
    warehouse()
    shirt, mug = product("SHIRT"), product("MUG")
    kit = product("KIT", {shirt: 1, mug: 1})
    connections = [shop(f"shop-{i}") for i in range(50)]
    for connection in connections[:5]:
        listing(connection, shirt), listing(connection, kit)

    def queries() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            recompute_products(tenant.pk, [shirt.pk])
        return len(captured)

    few = queries()
    for connection in connections[5:]:
        listing(connection, shirt), listing(connection, kit)
    assert queries() == few


def test_the_sweep_ends_pre_orders_and_fixes_stale_targets(
    tenant, move, warehouse, product, shop, listing
):
    w1, shirt = warehouse(), product("SHIRT")
    connection = shop()
    on_shop = listing(connection, shirt)
    move("inbound", w1, shirt, 3)
    save_policy(
        StockPolicy(tenant=tenant, listing=on_shop),
        {"preorder_quantity": 40, "preorder_until": timezone.now() + timedelta(days=1)},
    )
    assert fresh(on_shop).target_qty == 40
    StockPolicy.objects.filter(listing=on_shop).update(preorder_until=timezone.now())
    assert sweep_preorders() == 1
    assert fresh(on_shop).target_qty == 3
    Listing.objects.filter(pk=on_shop.pk).update(target_qty=99)
    assert sweep_targets() == {connection.pk: 1}
    assert fresh(on_shop).target_qty == 3


def test_the_admin_action_recomputes_and_re_pushes_selected_products(
    tenant, product, shop, listing, admin_client
):
    shirt = product("SHIRT")
    on_shop = listing(shop(), shirt)
    Listing.objects.filter(pk=on_shop.pk).update(last_pushed_qty=0, push_state="in_sync")
    response = admin_client.post(
        "/admin/catalog/product/",
        {"action": "recompute_and_repush", "_selected_action": [shirt.pk]},
    )
    assert response.status_code == 302
    assert fresh(on_shop).push_state == "pending"
