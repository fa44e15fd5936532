"""Catalog against the Shopee sandbox: categories cached, items pulled into listings mapped
by SKU (the rest left for manual mapping, nothing deleted), publishing and listing state."""

from __future__ import annotations

import pytest

from omnichannel.catalog.models import Listing, Product
from omnichannel.channels import catalog
from omnichannel.channels.models import ChannelCategory, Connection, SyncState
from omnichannel.channels.tasks import refresh_categories_task
from omnichannel.inventory.models import Warehouse

from .shopee_env import Shopee, authorize, shopee_fixture  # noqa: F401

LOGISTICS = {"logistic_info": [{"logistic_id": 1, "enabled": True}]}


@pytest.fixture
def shop(caller, shopee) -> Connection:
    return authorize(caller, shopee)


def test_categories_are_downloaded_once_with_attributes_and_served_from_the_cache(
    caller, shop, shopee: Shopee
):
    first = caller.get(f"/api/v1/connections/{shop.pk}/categories", leaf="true").json()
    calls = len(shopee.sim.state.categories)
    shopee.sim.state.categories = []  # the cache answers now

    again = caller.get(f"/api/v1/connections/{shop.pk}/categories", leaf="true").json()

    assert first == again and calls
    cases = next(c for c in first["items"] if c["name"] == "Phone Cases")
    assert cases["parent_id"] == "100001"
    assert {a["name"] for a in cases["attributes"]} == {"Brand", "Material"}
    assert ChannelCategory.objects.filter(app=shopee.app, leaf=False).count() == 3


def pull(caller, shop, **body) -> dict:
    """Ask for a catalog pull (a job) and read how it ended where the answer says."""
    queued = caller.post(f"/api/v1/connections/{shop.pk}/catalog/pull", body)
    assert queued.status_code == 202, queued.json()
    assert queued.json()["job"] == "catalog_pull"
    return caller.get(queued.json()["status_url"]).json()


def test_a_pull_maps_listings_by_sku_and_leaves_the_rest_for_manual_mapping(caller, shop):
    Product.objects.create(tenant=caller.tenant, sku="DEMO-MUG", name="Mug")

    job = pull(caller, shop)

    assert job["runs"] == 1 and job["last_success_at"] and not job["running"]
    counts = job["last_result"]
    assert counts == {"items": 4, "created": 7, "updated": 0, "mapped": 1, "unmapped": 6}
    unmapped = caller.get("/api/v1/listings", unmapped="true", connection_id=shop.pk).json()
    assert "DEMO-TEE-M" in {x["channel_sku"] for x in unmapped["items"]}
    mug = Listing.objects.get(connection=shop, channel_sku="DEMO-MUG")
    assert mug.product.sku == "DEMO-MUG" and mug.last_pushed_qty == 40


def test_a_second_pull_updates_keeps_manual_mappings_and_never_deletes(caller, shop, shopee):
    pull(caller, shop)
    Product.objects.create(tenant=caller.tenant, sku="MUG-MASTER", name="Mug")
    mug = Listing.objects.get(connection=shop, channel_sku="DEMO-MUG")
    assert caller.patch(f"/api/v1/listings/{mug.pk}", {"sku": "MUG-MASTER"}).status_code == 200
    shopee.sim.state.items.pop(int(mug.external_item_id))  # gone from the channel's pages

    counts = pull(caller, shop)["last_result"]

    assert counts["created"] == 0 and counts["updated"] == 6
    mug.refresh_from_db()
    assert mug.product.sku == "MUG-MASTER" and mug.status == "active"
    assert Listing.objects.filter(connection=shop).count() == 7


def test_an_incremental_pull_reads_only_items_updated_since_the_last(caller, shop, shopee):
    for item in shopee.sim.state.items.values():
        item.update_time -= 3600  # seeded an hour ago, not in the second of the first pull
    pull(caller, shop)
    mug = shopee.sim.state.find_model_by_sku(shopee.shop_id, "DEMO-MUG")[0]
    mug.update_time = shopee.sim.clock.timestamp()  # changed on Shopee since

    job = pull(caller, shop, full=False)

    assert job["runs"] == 2 and job["last_result"]["items"] == 1


def test_a_pull_the_channel_fails_shows_its_error_in_the_job(caller, shop, shopee):
    shopee.sim.inject_fault("server_error", count=20, path="/api/v2/product/get_item_list")

    job = pull(caller, shop)

    assert job["failures"] == 1 and job["last_error"].startswith("remote_unavailable")
    assert not Listing.objects.filter(connection=shop).exists()


def test_a_pull_for_a_shop_that_runs_no_jobs_is_refused(caller, shop):
    caller.post(f"/api/v1/connections/{shop.pk}/disable", {"reason": "holiday"})

    refused = caller.post(f"/api/v1/connections/{shop.pk}/catalog/pull")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "connection.not_active"
    assert caller.get(f"/api/v1/connections/{shop.pk}/jobs/catalog_pull").status_code == 404


def test_a_connections_jobs_are_listed_with_their_last_run(caller, shop):
    pull(caller, shop)

    jobs = caller.get(f"/api/v1/connections/{shop.pk}/jobs").json()

    assert [job["job"] for job in jobs] == ["catalog_pull"]


def test_publishing_a_product_with_variants_creates_mapped_listings_and_pushes_stock(
    caller, shop, shopee, django_capture_on_commit_callbacks
):
    Warehouse.objects.create(tenant=caller.tenant, code="W1", name="Main")
    Product.objects.create(
        tenant=caller.tenant, sku="HOODIE", name="Hoodie", description="Warm.", weight_g=400
    )
    for size in ("S", "M"):
        Product.objects.create(tenant=caller.tenant, sku=f"HOODIE-{size}", name=f"Hoodie {size}")
    with django_capture_on_commit_callbacks(execute=True):
        caller.post(
            "/api/v1/stock/movements",
            {
                "movements": [
                    {
                        "id": "in-1",
                        "type": "inbound",
                        "warehouse": "W1",
                        "sku": "HOODIE-M",
                        "quantity": 4,
                        "occurred_at": "2026-11-01T08:00:00Z",
                    }
                ]
            },
        )

    with django_capture_on_commit_callbacks(execute=True):
        published = caller.post(
            "/api/v1/listings/publish",
            {
                "connection_id": shop.pk,
                "sku": "HOODIE",
                "category_id": "100040",
                "attributes": {"100010": ["2"]},
                "image_ids": ["img-1"],
                "price": "25.00",
                "variant_tier_name": "Size",
                "variants": [
                    {"sku": "HOODIE-S", "option": "S", "price": "25.00"},
                    {"sku": "HOODIE-M", "option": "M", "price": "25.00"},
                ],
                "channel_data": LOGISTICS,
            },
        )

    assert published.status_code == 201, published.json()
    assert sorted(x["sku"] for x in published.json()) == ["HOODIE-M", "HOODIE-S"]
    assert shopee.stock("HOODIE-M") == 4 and shopee.stock("HOODIE-S") == 0

    listing_id = published.json()[0]["id"]
    assert caller.post(f"/api/v1/listings/{listing_id}/deactivate").json()["status"] == "inactive"
    assert shopee.item("HOODIE-M")["item_status"] == "UNLIST"
    assert caller.post(f"/api/v1/listings/{listing_id}/activate").json()["status"] == "active"
    assert shopee.item("HOODIE-M")["item_status"] == "NORMAL"


def test_a_channel_refusing_the_draft_answers_in_the_error_envelope(caller, shop):
    Product.objects.create(tenant=caller.tenant, sku="CASE", name="Case")

    answer = caller.post(
        "/api/v1/listings/publish",
        {"connection_id": shop.pk, "sku": "CASE", "category_id": "100017", "price": "5.00"},
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "channel.invalid_request"
    assert not Listing.objects.filter(connection=shop).exists()


def test_a_channel_without_the_capability_answers_501(caller):
    manual = Connection.objects.create(
        tenant=caller.tenant, channel="manual", name="manual", external_shop_id="m"
    )
    Product.objects.create(tenant=caller.tenant, sku="CASE", name="Case")

    answer = caller.post(
        "/api/v1/listings/publish",
        {"connection_id": manual.pk, "sku": "CASE", "category_id": "1", "price": "5.00"},
    )
    pull = caller.post(f"/api/v1/connections/{manual.pk}/catalog/pull")

    for refused in (answer, pull):
        assert refused.status_code == 501
        assert refused.json()["error"]["code"] == "capability.unsupported"


def test_the_daily_refresh_replaces_the_apps_categories_and_records_the_run(shop, shopee):
    catalog.store_categories(shop)
    shopee.sim.state.categories = [
        c for c in shopee.sim.state.categories if c["category_id"] != 100_018
    ] + [
        {
            "category_id": 100_050,
            "parent_category_id": 100_002,
            "original_category_name": "Teapots",
            "display_category_name": "Teapots",
            "has_children": False,
        }
    ]
    shopee.sim.state.attributes[100_050] = shopee.sim.state.attributes[100_030]

    refresh_categories_task.call_local()

    cached = {c.external_id: c for c in ChannelCategory.objects.filter(app=shopee.app)}
    assert "100018" not in cached
    assert cached["100050"].name == "Teapots" and cached["100050"].leaf
    assert {a["name"] for a in cached["100050"].attributes} == {"Brand", "Material"}
    state = SyncState.objects.get(connection=shop, job=catalog.CATEGORY_JOB)
    assert state.runs == 1 and state.last_success_at and not state.last_error


def test_a_refresh_the_channel_fails_keeps_the_cached_tree_and_records_the_error(shop, shopee):
    catalog.store_categories(shop)
    cached = ChannelCategory.objects.filter(app=shopee.app).count()
    shopee.sim.inject_fault("server_error", count=20, path="/api/v2/product/get_category")

    refresh_categories_task.call_local()

    assert ChannelCategory.objects.filter(app=shopee.app).count() == cached
    state = SyncState.objects.get(connection=shop, job=catalog.CATEGORY_JOB)
    assert state.failures == 1 and state.last_error.startswith("remote_unavailable")


def test_new_content_goes_to_the_channel_item_and_the_listings_price(caller, shop, shopee):
    Product.objects.create(tenant=caller.tenant, sku="CASE", name="Case", description="Slim.")
    published = caller.post(
        "/api/v1/listings/publish",
        {
            "connection_id": shop.pk,
            "sku": "CASE",
            "category_id": "100017",
            "attributes": {"100010": ["1"]},
            "image_ids": ["img-1"],
            "price": "5.00",
            "channel_data": LOGISTICS,
        },
    ).json()[0]
    Product.objects.filter(sku="CASE").update(name="Slim Case")

    answer = caller.put(
        f"/api/v1/listings/{published['id']}/content",
        {
            "category_id": "100017",
            "attributes": {"100010": ["2"], "100011": ["11"]},
            "image_ids": ["img-2"],
            "price": "6.50",
            "channel_data": LOGISTICS,
        },
    )

    assert answer.status_code == 200, answer.json()
    assert answer.json()["price"] == "6.50"
    item = shopee.sim.state.items[int(published["external_item_id"])]
    assert (item.item_name, item.price, item.image_id_list) == ("Slim Case", 6.5, ["img-2"])
    assert len(item.attribute_list) == 2
