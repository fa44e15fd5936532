"""Faults between us and the marketplace: expired and revoked tokens, 429 storms, outages.
Each ends with nothing lost: every order the channel has is ingested once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from omnichannel.channels import order_sync, webhooks
from omnichannel.channels.models import ApiCallLog, Connection, InboundWebhook, SyncState
from omnichannel.channels.tasks import pull_orders_task
from omnichannel.notifications.models import Event
from omnichannel.orders.models import Order

from .conftest import map_demo_items
from .test_webhooks import post_push, push_body

pytestmark = pytest.mark.django_db(transaction=True)


def orders_of(connection: Connection) -> set[str]:
    return set(Order.objects.filter(connection=connection).values_list("external_id", flat=True))


def test_a_token_that_expires_mid_pull_is_refreshed_once_and_the_pull_continues(demo_world):
    placed = {demo_world.sandbox.order(("DEMO-CASE-WHT", 1)) for _ in range(3)}
    before = Connection.objects.get(pk=demo_world.shop.pk).refresh_token
    with demo_world.sim.state.lock:  # the channel expires it; our copy still looks valid
        for token in demo_world.sim.state.access_tokens.values():
            token.expires_at = demo_world.sim.clock.now()

    outcome = order_sync.pull_orders_job(demo_world.shop)

    assert outcome.ran and not outcome.error
    assert orders_of(demo_world.shop) == placed
    shop = Connection.objects.get(pk=demo_world.shop.pk)
    assert shop.refresh_token != before and shop.status == Connection.Status.ACTIVE
    assert ApiCallLog.objects.filter(endpoint="/api/v2/auth/access_token/get").count() == 1


def test_a_revoked_shop_needs_reauth_and_its_jobs_stop_without_a_storm(demo_world, shopee_app):
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    demo_world.sim.revoke_authorization(demo_world.sandbox.shop_id)

    outcome = order_sync.pull_orders_job(demo_world.shop)

    shop = Connection.objects.get(pk=demo_world.shop.pk)
    assert shop.status == Connection.Status.NEEDS_REAUTH and outcome.error
    assert Event.objects.filter(type="connection.needs_reauth").count() == 1
    calls = ApiCallLog.objects.count()

    pull_orders_task.call_local()
    post_push(shopee_app, push_body(demo_world.sandbox.shop_id, order_sn))
    webhooks.process_due()

    assert ApiCallLog.objects.count() == calls  # nothing more was tried
    assert InboundWebhook.objects.get().state == InboundWebhook.State.RECEIVED  # kept for later
    assert Event.objects.filter(type="connection.needs_reauth").count() == 1


def test_a_429_storm_slows_the_pull_down_and_drops_nothing(shopee_shop, sandbox):
    map_demo_items(shopee_shop, sandbox, on_hand=100)
    placed = {sandbox.order(("DEMO-CABLE-1M", 1)) for _ in range(60)}
    sandbox.sim.inject_fault("rate_limit", count=3, path="/api/v2/order/get_order_detail")
    sandbox.sim.set_rate_limit(calls=2, per_seconds=1, path="/api/v2/order/get_order_list")

    outcome = order_sync.pull_orders_job(shopee_shop)

    assert outcome.ran and not outcome.error
    assert orders_of(shopee_shop) == placed
    refused = ApiCallLog.objects.filter(
        endpoint="/api/v2/order/get_order_detail", status_code=429
    ).count()
    assert refused >= 1  # the storm happened, and was waited out


def test_orders_placed_while_the_marketplace_is_down_are_all_ingested_when_it_is_back(
    demo_world,
):
    order_sync.pull_orders_job(demo_world.shop)
    placed = {demo_world.sandbox.order(("DEMO-TEE-S", 1)) for _ in range(2)}
    demo_world.sandbox.down()

    during = order_sync.pull_orders_job(demo_world.shop)

    assert during.error and during.retry_after  # rescheduled, not failed for good
    watermark = SyncState.objects.get(job=order_sync.PULL_JOB).watermark
    demo_world.sandbox.up()
    placed.add(demo_world.sandbox.order(("DEMO-TEE-S", 1)))

    after = order_sync.pull_orders_job(demo_world.shop)

    assert after.ran and not after.error
    assert orders_of(demo_world.shop) == placed
    assert SyncState.objects.get(job=order_sync.PULL_JOB).watermark > watermark
    assert SyncState.objects.get(job=order_sync.PULL_JOB).last_success_at <= timezone.now()
