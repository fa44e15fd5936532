"""Which listing and SKU a channel line is for, which warehouse fills the order, and when a
pre-order holds it: the order path's written-out statements, specified by behaviour."""

from datetime import timedelta

from django.utils import timezone

from omnichannel.catalog.models import Listing, Product
from omnichannel.inventory.models import Reservation, StockPolicy, Warehouse
from omnichannel.notifications.models import Event
from omnichannel.orders import services
from omnichannel.orders.models import RoutingRule

from .factories import link, listing, order, shop, stock


def sold(item_id: str | None, variant_id: str | None = None, sku: str = "NO-SUCH-SKU", qty=1):  # noqa: ANN201
    """One channel line: the channel's item and variant ids, and its SKU."""
    incoming = order(lines=[(sku, qty)])
    line = incoming.lines[0].model_copy(
        update={"external_item_id": item_id, "external_variant_id": variant_id}
    )
    return incoming.model_copy(update={"lines": [line]})


def placed_line(world, incoming):  # noqa: ANN001, ANN201
    return services.ingest(world.shopee, incoming).order.lines.get()


# --- mapping ------------------------------------------------------------------------------


def test_a_line_maps_by_item_and_variant_ids_before_its_channel_sku(world):
    red = Listing.objects.create(
        tenant=world.tenant,
        connection=world.shopee,
        product=world.mug,
        external_item_id="100",
        external_variant_id="RED",
    )
    line = placed_line(world, sold("100", "RED", sku="TEE"))
    assert (line.listing, line.product) == (red, world.mug)


def test_a_line_without_a_variant_maps_to_the_item_listing_without_one(world):
    line = placed_line(world, sold("200", None, sku="TEE"))
    assert line.listing.external_item_id == "200"
    assert line.product == world.mug


def test_unknown_item_ids_fall_back_to_the_channel_sku(world):
    line = placed_line(world, sold("999", "X", sku="MUG"))
    assert line.listing.external_item_id == "200"
    assert line.product == world.mug


def test_among_listings_sharing_a_channel_sku_the_oldest_wins(world):
    newer = listing(world.shopee, world.tee, "101")
    newer.channel_sku = "SHARED"
    newer.save()
    Listing.objects.filter(external_item_id="200").update(channel_sku="SHARED")
    line = placed_line(world, sold(None, sku="SHARED"))
    assert line.listing.external_item_id == "200"


def test_a_channel_sku_no_listing_has_maps_to_the_master_sku(world):
    hat = Product.objects.create(tenant=world.tenant, sku="HAT", name="Hat")
    stock(world.jkt, hat, 1)
    line = placed_line(world, sold(None, sku="HAT"))
    assert (line.listing, line.product) == (None, hat)


def test_another_tenants_master_sku_never_maps(world, world_factory):
    other = world_factory()
    Product.objects.create(tenant=other.tenant, sku="HAT", name="Hat")
    placed = services.ingest(world.shopee, sold(None, sku="HAT")).order
    assert placed.hold_reason == "mapping_error"


def test_a_listing_mapped_to_no_product_holds_the_order_for_mapping(world):
    Listing.objects.create(
        tenant=world.tenant, connection=world.shopee, external_item_id="500", channel_sku="X"
    )
    placed = services.ingest(world.shopee, sold("500", sku="X")).order
    assert placed.hold_reason == "mapping_error"
    assert placed.lines.get().listing.external_item_id == "500"


# --- routing ------------------------------------------------------------------------------


def rule(world, warehouse: Warehouse, priority: int = 100, **conditions) -> RoutingRule:  # noqa: ANN001
    return RoutingRule.objects.create(
        tenant=world.tenant, name="rule", warehouse=warehouse, priority=priority, **conditions
    )


def test_a_rule_for_the_shop_sends_its_orders_to_the_rules_warehouse(world):
    stock(world.sby, world.tee, 5)
    rule(world, world.sby, connection=world.shopee)
    assert services.ingest(world.shopee, order()).order.warehouse == world.sby


def test_a_rule_for_another_shop_or_category_does_not_apply(world):
    stock(world.sby, world.tee, 5)
    rule(world, world.sby, connection=world.pos)
    rule(world, world.sby, product_category="home")
    assert services.ingest(world.shopee, order()).order.warehouse == world.jkt


def test_a_rule_for_a_category_of_the_order_applies(world):
    stock(world.sby, world.tee, 5)
    rule(world, world.sby, product_category="apparel")
    assert services.ingest(world.shopee, order()).order.warehouse == world.sby


def test_rules_are_tried_by_priority_and_skipped_when_they_cannot_fill_the_order(world):
    bdg = Warehouse.objects.create(tenant=world.tenant, code="BDG", name="Bandung")
    stock(world.sby, world.tee, 1)
    stock(bdg, world.tee, 5)
    rule(world, bdg, priority=20)
    rule(world, world.sby, priority=10)
    assert services.ingest(world.shopee, order(lines=[("TEE", 1)])).order.warehouse == world.sby
    second = services.ingest(world.shopee, order("2", lines=[("TEE", 2)])).order
    assert second.warehouse == bdg


def test_a_rule_that_ignores_stock_takes_the_order_and_holds_it_when_short(world):
    rule(world, world.sby, require_stock=False)
    placed = services.ingest(world.shopee, order(lines=[("TEE", 2)])).order
    assert placed.status == "on_hold"
    assert placed.hold_reason == "insufficient_stock"
    assert not Reservation.objects.exists()
    assert list(Event.objects.values_list("type", flat=True)) == ["order.created", "order.on_hold"]


def test_a_shop_served_by_one_warehouse_holds_an_order_it_cannot_fill(world):
    """The lone candidate is not read ahead: its reservation finds the shortfall."""
    pos_only = shop(world.tenant, name="Kiosk")
    link(pos_only, world.sby)
    listing(pos_only, world.mug, "M1")
    stock(world.sby, world.mug, 2)
    held = services.ingest(pos_only, order("K-1", lines=[("MUG", 3)])).order
    assert (held.status, held.hold_reason) == ("on_hold", "insufficient_stock")
    assert held.warehouse is None
    assert not Reservation.objects.exists()
    assert list(Event.objects.values_list("type", flat=True)) == ["order.created", "order.on_hold"]
    placed = services.ingest(pos_only, order("K-2", lines=[("MUG", 2)])).order
    assert (placed.status, placed.warehouse) == ("ready_to_process", world.sby)


def test_an_inactive_warehouse_is_never_chosen(world):
    Warehouse.objects.filter(pk=world.jkt.pk).update(active=False)
    stock(world.sby, world.tee, 5)
    rule(world, world.jkt)
    assert services.ingest(world.shopee, order()).order.warehouse == world.sby


def test_a_shop_without_warehouse_links_is_served_by_every_warehouse_in_id_order(world):
    unlinked = shop(world.tenant, name="Unlinked")
    listing(unlinked, world.tee, "100")
    stock(world.sby, world.tee, 5)
    assert services.ingest(unlinked, order()).order.warehouse == world.jkt
    assert services.ingest(unlinked, order("2", lines=[("TEE", 12)])).order.hold_reason == (
        "insufficient_stock"
    )
    stock(world.sby, world.tee, 12)
    assert services.ingest(unlinked, order("3", lines=[("TEE", 12)])).order.warehouse == (world.sby)


# --- pre-orders ---------------------------------------------------------------------------


def test_a_running_preorder_holds_the_order(world):
    StockPolicy.objects.create(tenant=world.tenant, product=world.tee, preorder_quantity=50)
    placed = services.ingest(world.shopee, order()).order
    assert placed.hold_reason == "pre_order"
    assert not Reservation.objects.exists()


def test_an_ended_preorder_does_not_hold_the_order(world):
    StockPolicy.objects.create(
        tenant=world.tenant,
        connection=world.shopee,
        preorder_quantity=50,
        preorder_until=timezone.now() - timedelta(days=1),
    )
    assert services.ingest(world.shopee, order()).order.status == "ready_to_process"


def test_the_most_specific_preorder_policy_decides(world):
    tee_listing = Listing.objects.get(connection=world.shopee, product=world.tee)
    StockPolicy.objects.create(tenant=world.tenant, preorder_quantity=50)
    StockPolicy.objects.create(
        tenant=world.tenant,
        listing=tee_listing,
        preorder_quantity=5,
        preorder_until=timezone.now() - timedelta(days=1),
    )
    assert services.ingest(world.shopee, order()).order.status == "ready_to_process"
    assert services.ingest(world.shopee, order("2", lines=[("MUG", 1)])).order.hold_reason == (
        "pre_order"
    )


def test_another_tenants_preorder_never_holds_the_order(world, world_factory):
    StockPolicy.objects.create(tenant=world_factory().tenant, preorder_quantity=50)
    assert services.ingest(world.shopee, order()).order.status == "ready_to_process"
