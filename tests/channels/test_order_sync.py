"""The scheduled order pull: overlapping windows, a watermark saved only after success,
detail batches, and the job runner's care for revoked shops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omnichannel.channels import order_sync
from omnichannel.channels.models import ApiCallLog, Connection, SyncState
from omnichannel.connectors.base import RemoteUnavailable
from omnichannel.inventory.models import Reservation
from omnichannel.orders.models import Order, OrderStatus

from .conftest import map_demo_items

pytestmark = pytest.mark.django_db(transaction=True)


def calls(connection: Connection, endpoint: str) -> int:
    return ApiCallLog.objects.filter(connection=connection, endpoint=endpoint).count()


def test_windows_are_cut_to_the_longest_the_channel_allows():
    start = datetime(2026, 1, 1, tzinfo=UTC)

    cut = list(order_sync.windows(start, start + timedelta(days=40), timedelta(days=15)))

    assert [(w.end - w.start).days for w in cut] == [15, 15, 10]
    assert cut[0].start == start and cut[-1].end == start + timedelta(days=40)
    assert all(a.end == b.start for a, b in zip(cut, cut[1:], strict=False))


def test_a_pull_finds_an_order_whose_push_was_lost(demo_world):
    order_sn = demo_world.sandbox.order(("DEMO-CASE-BLK", 3))  # no push URL: nothing pushed

    outcome = order_sync.pull_orders_job(demo_world.shop)

    assert outcome.ran and not outcome.error
    order = Order.objects.get(connection=demo_world.shop, external_id=order_sn)
    assert order.status == OrderStatus.READY_TO_PROCESS
    assert Reservation.objects.get(order_line__order=order).quantity == 3
    state = SyncState.objects.get(connection=demo_world.shop, job=order_sync.PULL_JOB)
    assert state.watermark is not None and state.last_success_at is not None


def test_the_next_pull_rereads_an_overlap_and_ingests_nothing_twice(demo_world):
    first = demo_world.sandbox.order(("DEMO-MUG", 1))
    order_sync.pull_orders_job(demo_world.shop)
    watermark = SyncState.objects.get(job=order_sync.PULL_JOB).watermark

    second = demo_world.sandbox.order(("DEMO-MUG", 1))
    report = order_sync.pull_orders_job(demo_world.shop).result

    assert second in report.created and first in report.ingested  # re-read: the overlap
    assert first not in report.created
    assert Order.objects.filter(connection=demo_world.shop).count() == 2
    assert SyncState.objects.get(job=order_sync.PULL_JOB).watermark > watermark


def test_orders_are_read_in_detail_batches_of_the_channels_size(shopee_shop, sandbox):
    map_demo_items(shopee_shop, sandbox, on_hand=100)
    for _ in range(55):
        sandbox.order(("DEMO-CABLE-1M", 1))

    report = order_sync.pull_orders_job(shopee_shop).result

    assert len(report.created) == 55
    assert calls(shopee_shop, "/api/v2/order/get_order_detail") == 2  # 50 + 5


def test_a_pull_that_fails_half_way_keeps_its_watermark_and_the_next_one_catches_up(demo_world):
    order_sync.pull_orders_job(demo_world.shop)
    before = SyncState.objects.get(job=order_sync.PULL_JOB).watermark
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    demo_world.sim.inject_fault(
        "server_error", count=10, path="/api/v2/order/get_order_detail", status=502
    )

    failed = order_sync.pull_orders_job(demo_world.shop)

    assert failed.error.startswith(RemoteUnavailable.code) and failed.retry_after
    assert SyncState.objects.get(job=order_sync.PULL_JOB).watermark == before
    assert not Order.objects.filter(external_id=order_sn).exists()

    demo_world.sim.faults.clear()
    assert order_sync.pull_orders_job(demo_world.shop).ran
    assert Order.objects.filter(external_id=order_sn).exists()
    assert SyncState.objects.get(job=order_sync.PULL_JOB).watermark > before


def test_a_detail_batch_of_orders_asks_for_one_stock_drain_per_shop(demo_world, monkeypatch):
    from omnichannel.channels import tasks
    from omnichannel.channels.transport import connector_for

    placed = [demo_world.sandbox.order(("DEMO-MUG", 1)) for _ in range(3)]
    drains: list[int] = []

    class DrainTask:  # stands in for the Huey task (run at once, as in immediate mode)
        huey = tasks.drain_stock_task.huey

        def __call__(self, connection_id: int) -> None:
            drains.append(connection_id)

    monkeypatch.setattr(tasks, "drain_stock_task", DrainTask())

    report = order_sync.ingest_orders(demo_world.shop, connector_for(demo_world.shop), placed)

    assert sorted(report.created) == sorted(placed)
    assert drains == [demo_world.shop.pk]  # one, not one per order
