"""Stock reaches Shopee: a WMS movement through our API shows on the sandbox shop, batched,
audited, newest value wins, and faults (refusal, 429 storm, revoked or expired tokens)
lose nothing."""

from __future__ import annotations

import itertools

import pytest

from omnichannel.catalog.models import Listing, Product
from omnichannel.channels.models import ApiCallLog, Connection, SyncState
from omnichannel.channels.stock_sync import DRAIN_JOB, drain_connection, reconcile_connection
from omnichannel.channels.tasks import reconcile_stock_task
from omnichannel.inventory.models import StockPush, Warehouse
from omnichannel.notifications.models import Event

from .shopee_env import Shopee, authorize, shopee_fixture  # noqa: F401

SKUS = ["DEMO-CASE-BLK", "DEMO-CASE-WHT", "DEMO-MUG", "DEMO-TEE-S", "DEMO-TEE-M", "DEMO-TEE-L"]
movement_ids = itertools.count(1)


@pytest.fixture
def shop(caller, shopee, django_capture_on_commit_callbacks) -> Connection:
    """The demo shop authorized, its catalog pulled and mapped, an empty warehouse pushed."""
    for sku in SKUS:
        Product.objects.create(tenant=caller.tenant, sku=sku, name=sku)
    Warehouse.objects.create(tenant=caller.tenant, code="W1", name="Main")
    connection = authorize(caller, shopee)
    with django_capture_on_commit_callbacks(execute=True):
        pulled = caller.post(f"/api/v1/connections/{connection.pk}/catalog/pull")
    job = caller.get(pulled.json()["status_url"]).json()
    assert job["last_result"]["mapped"] == len(SKUS), job
    return connection


def move(caller, django_capture_on_commit_callbacks, **quantities: int) -> None:  # noqa: ANN001
    movements = [
        {
            "id": f"m-{next(movement_ids)}",
            "type": "adjustment",
            "warehouse": "W1",
            "sku": sku.replace("_", "-"),
            "quantity": quantity,
            "occurred_at": "2026-11-01T08:00:00Z",
        }
        for sku, quantity in quantities.items()
    ]
    with django_capture_on_commit_callbacks(execute=True):
        answer = caller.post("/api/v1/stock/movements", {"movements": movements})
    assert answer.status_code in (200, 201), answer.json()


def update_stock_calls() -> int:
    return ApiCallLog.objects.filter(endpoint="/api/v2/product/update_stock").count()


def test_a_wms_movement_shows_on_every_affected_listing(
    caller, shop, shopee: Shopee, django_capture_on_commit_callbacks
):
    assert {sku: shopee.stock(sku) for sku in SKUS} == dict.fromkeys(SKUS, 0)

    move(caller, django_capture_on_commit_callbacks, DEMO_CASE_BLK=12, DEMO_MUG=5)

    assert shopee.stock("DEMO-CASE-BLK") == 12 and shopee.stock("DEMO-MUG") == 5
    listing = Listing.objects.get(connection=shop, channel_sku="DEMO-CASE-BLK")
    assert (listing.push_state, listing.last_pushed_qty) == ("in_sync", 12)
    push = StockPush.objects.filter(listing=listing).latest("pk")
    assert (push.state, push.value, push.version) == ("success", 12, listing.push_version)
    assert push.answer["ok"] is True
    assert SyncState.objects.get(connection=shop, job=DRAIN_JOB).last_error == ""


def test_calls_per_drain_are_ceil_of_changed_listings_over_the_batch_size_per_item(
    caller, shop, shopee, django_capture_on_commit_callbacks
):
    before = update_stock_calls()

    # Three models of one item: Shopee takes up to 50 models of one item per call.
    move(caller, django_capture_on_commit_callbacks, DEMO_TEE_S=1, DEMO_TEE_M=2, DEMO_TEE_L=3)

    assert update_stock_calls() - before == 1
    assert [shopee.stock(s) for s in ("DEMO-TEE-S", "DEMO-TEE-M", "DEMO-TEE-L")] == [1, 2, 3]


def test_a_refused_value_is_recorded_and_reported(
    caller, shop, shopee, django_capture_on_commit_callbacks
):
    mug = shopee.item("DEMO-MUG")
    shopee.sim.set_stock(mug["item_id"], 9, reserved=4)  # buyers hold 4: less is refused

    move(caller, django_capture_on_commit_callbacks, DEMO_MUG=2)

    listing = Listing.objects.get(connection=shop, channel_sku="DEMO-MUG")
    push = StockPush.objects.filter(listing=listing).latest("pk")
    assert listing.push_state == "error" and push.state == "error"
    assert push.answer["ok"] is False and push.answer["error_message"]
    event = Event.objects.get(type="stock.push_failed")
    assert event.data["sku"] == "DEMO-MUG" and event.data["quantity"] == 2
    assert shopee.stock("DEMO-MUG") == 9


def test_a_429_storm_slows_the_drain_down_and_loses_nothing(
    caller, shop, shopee, django_capture_on_commit_callbacks
):
    shopee.sim.inject_fault("rate_limit", count=6, path="/api/v2/product/update_stock")

    move(caller, django_capture_on_commit_callbacks, DEMO_CASE_BLK=3, DEMO_MUG=4)
    state = SyncState.objects.get(connection=shop, job=DRAIN_JOB)
    assert "rate_limited" in state.last_error  # gave up after backing off, rescheduled
    assert Listing.objects.filter(connection=shop, push_state="pending").exists()

    drain_connection(shop)  # the rescheduled run

    assert shopee.stock("DEMO-CASE-BLK") == 3 and shopee.stock("DEMO-MUG") == 4
    assert not Listing.objects.filter(connection=shop).exclude(push_state="in_sync").exists()
    assert ApiCallLog.objects.filter(status_code=429).count() == 6


def test_a_revoked_shop_needs_reauth_and_its_jobs_stop(
    caller, shop, shopee, django_capture_on_commit_callbacks
):
    shopee.sim.revoke_authorization(shopee.shop_id)

    move(caller, django_capture_on_commit_callbacks, DEMO_MUG=7)
    shop.refresh_from_db()
    calls = ApiCallLog.objects.count()
    move(caller, django_capture_on_commit_callbacks, DEMO_MUG=8)
    drain_connection(shop)

    assert shop.status == Connection.Status.NEEDS_REAUTH
    assert ApiCallLog.objects.count() == calls  # nothing more is tried against the shop
    assert Event.objects.filter(type="connection.needs_reauth").count() == 1
    assert Listing.objects.get(connection=shop, channel_sku="DEMO-MUG").push_state == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        authorize(caller, shopee)  # the seller re-authorizes: the waiting value goes out

    assert shopee.stock("DEMO-MUG") == 15  # 7 + 8: adjustments add up


def test_a_token_expiring_mid_drain_is_refreshed_and_the_drain_continues(
    caller, shop, shopee, django_capture_on_commit_callbacks
):
    for token in shopee.sim.state.access_tokens.values():
        token.expires_at = shopee.sim.clock.now() - 1  # the sandbox expires it; we do not know
    old = Connection.objects.get(pk=shop.pk).access_token

    move(caller, django_capture_on_commit_callbacks, DEMO_CASE_WHT=6)

    assert shopee.stock("DEMO-CASE-WHT") == 6
    assert Connection.objects.get(pk=shop.pk).access_token != old


def test_read_back_finds_a_listing_changed_on_the_channel_and_pushes_it_again(
    caller, shop, shopee, django_capture_on_commit_callbacks
):
    move(caller, django_capture_on_commit_callbacks, DEMO_MUG=5)
    shopee.sim.set_stock(shopee.item("DEMO-MUG")["item_id"], 40)  # edited in Seller Centre

    with django_capture_on_commit_callbacks(execute=True):
        outcome = reconcile_connection(shop)

    assert len(outcome.result) == 1
    assert shopee.stock("DEMO-MUG") == 5
    assert SyncState.objects.get(connection=shop, job="stock_reconcile").last_success_at


def test_the_periodic_read_back_repairs_every_shop_that_can_read_stock(
    caller, shop, shopee, django_capture_on_commit_callbacks
):
    move(caller, django_capture_on_commit_callbacks, DEMO_MUG=3)
    shopee.sim.set_stock(shopee.item("DEMO-MUG")["item_id"], 0)

    with django_capture_on_commit_callbacks(execute=True):
        reconcile_stock_task.call_local()

    assert shopee.stock("DEMO-MUG") == 3
    assert SyncState.objects.get(connection=shop, job="stock_reconcile").last_success_at


def test_every_call_of_a_drain_is_logged_once_with_its_secrets_redacted(
    caller, shop, shopee: Shopee, django_capture_on_commit_callbacks
):
    before = update_stock_calls()

    move(caller, django_capture_on_commit_callbacks, DEMO_CASE_BLK=2, DEMO_MUG=3, DEMO_TEE_S=4)

    logged = ApiCallLog.objects.filter(endpoint="/api/v2/product/update_stock").order_by("pk")
    assert logged.count() - before == 3  # three items, one update_stock each
    assert (shopee.stock("DEMO-CASE-BLK"), shopee.stock("DEMO-MUG")) == (2, 3)
    for row in logged[before:]:
        query = dict(row.request_body["query"])
        assert row.status_code == 200 and row.connection_id == shop.pk
        assert query["access_token"] == query["sign"] == "[redacted]"


def test_the_calls_of_a_batch_cut_short_by_an_outage_are_logged_and_its_listings_wait(
    caller, shop, shopee: Shopee, django_capture_on_commit_callbacks
):
    shopee.sim.inject_fault("server_error", count=4, path="/api/v2/product/update_stock")

    move(caller, django_capture_on_commit_callbacks, DEMO_MUG=6)

    failed = ApiCallLog.objects.filter(endpoint="/api/v2/product/update_stock", status_code=500)
    assert failed.count() == 4  # the call and its three retries, each logged
    assert "remote_unavailable" in SyncState.objects.get(connection=shop, job=DRAIN_JOB).last_error
    assert Listing.objects.get(connection=shop, channel_sku="DEMO-MUG").push_state == "pending"
    drain_connection(shop)
    assert shopee.stock("DEMO-MUG") == 6
