"""The push receiver: verified, stored once before the answer, processed into orders."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta

import pytest
from django.db import connection as database
from django.db import transaction
from django.test import Client
from django.utils import timezone

from omnichannel.channels import webhooks
from omnichannel.channels.models import ChannelApp, Connection, InboundWebhook
from omnichannel.connectors.shopee.webhooks import push_signature
from omnichannel.inventory.models import Reservation
from omnichannel.orders.models import Order, OrderStatus
from omnichannel.sandbox.shopee import lifecycle
from omnichannel.tenants.models import Tenant

# Real commits: processing is queued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
State = InboundWebhook.State


def push_body(shop_id: int, order_sn: str, status: str = "READY_TO_SHIP", at: int = 1) -> bytes:
    """An order status push as Shopee sends it (compact JSON)."""
    envelope = {
        "data": {"ordersn": order_sn, "status": status, "update_time": 1_700_000_000 + at},
        "shop_id": shop_id,
        "code": 3,
        "timestamp": 1_700_000_000 + at,
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def post_push(app, body: bytes, key: str | None = None):
    """POST a push to our receiver signed for the URL the test client is served at."""
    path = f"/hooks/shopee/{app.pk}"
    signature = push_signature(
        key or app.credentials["partner_key"], f"http://testserver{path}", body
    )
    return Client().post(
        path, body, content_type="application/json", headers={"Authorization": signature}
    )


def test_a_signed_push_is_stored_before_the_answer_and_a_redelivery_is_not_stored_again(
    demo_world, shopee_app
):
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    body = push_body(demo_world.sandbox.shop_id, order_sn)

    first = post_push(shopee_app, body)
    again = post_push(shopee_app, body)

    assert first.status_code == 200 and first.json()["stored"] == 1
    assert again.status_code == 200 and again.json() == {"ok": True, "stored": 0, "duplicates": 1}
    (row,) = InboundWebhook.objects.all()
    assert row.connection == demo_world.shop and row.body == body.decode()
    assert row.headers["authorization"]


def test_a_push_with_a_wrong_signature_is_refused_and_nothing_is_stored(demo_world, shopee_app):
    body = push_body(demo_world.sandbox.shop_id, "2401010000001")

    answer = post_push(shopee_app, body, key="not-the-partner-key")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "webhook.bad_signature"
    assert not InboundWebhook.objects.exists()


def test_a_push_signed_for_another_url_is_refused(demo_world, shopee_app):
    body = push_body(demo_world.sandbox.shop_id, "2401010000001")
    signature = push_signature(
        shopee_app.credentials["partner_key"], "https://elsewhere.example/hook", body
    )

    answer = Client().post(
        f"/hooks/shopee/{shopee_app.pk}",
        body,
        content_type="application/json",
        headers={"Authorization": signature},
    )

    assert answer.status_code == 401
    assert not InboundWebhook.objects.exists()


def test_a_push_for_an_unknown_app_is_not_found(db):
    answer = Client().post("/hooks/shopee/999", b"{}", content_type="application/json")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "webhook.unknown_app"


def test_a_push_for_a_shop_we_do_not_serve_is_kept_but_ignored(demo_world, shopee_app):
    answer = post_push(shopee_app, push_body(999_999, "2401010000001"))

    assert answer.status_code == 200
    (row,) = InboundWebhook.objects.all()
    assert row.state == State.IGNORED and "999999" in row.error


def test_an_order_push_becomes_the_order_with_its_stock_reserved(demo_world, shopee_app):
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 2))

    post_push(shopee_app, push_body(demo_world.sandbox.shop_id, order_sn))

    order = Order.objects.get(connection=demo_world.shop, external_id=order_sn)
    assert order.status == OrderStatus.READY_TO_PROCESS
    (reservation,) = Reservation.objects.filter(order_line__order=order)
    assert reservation.quantity == 2 and reservation.warehouse == demo_world.warehouse
    assert InboundWebhook.objects.get().state == State.PROCESSED


def test_a_push_whose_order_cannot_be_read_is_kept_failed_and_retried_later(demo_world, shopee_app):
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    demo_world.sim.inject_fault(
        "server_error", count=20, path="/api/v2/order/get_order_detail", status=503
    )

    assert post_push(shopee_app, push_body(demo_world.sandbox.shop_id, order_sn)).status_code == 200

    row = InboundWebhook.objects.get()
    assert row.state == State.FAILED and row.attempts == 1
    assert "remote_unavailable" in row.error and row.next_attempt_at > timezone.now()
    assert webhooks.process_due() == 0  # not before its backoff
    assert not Order.objects.exists()

    demo_world.sim.faults.clear()
    InboundWebhook.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert webhooks.process_due() == 1

    row.refresh_from_db()
    assert row.state == State.PROCESSED and row.attempts == 1
    assert Order.objects.get(external_id=order_sn).status == OrderStatus.READY_TO_PROCESS


def test_a_row_that_keeps_failing_gives_up_after_the_last_attempt(demo_world, shopee_app):
    order_sn = demo_world.sandbox.order(("DEMO-MUG", 1))
    demo_world.sim.inject_fault(
        "server_error", count=1000, path="/api/v2/order/get_order_detail", status=503
    )
    post_push(shopee_app, push_body(demo_world.sandbox.shop_id, order_sn))
    InboundWebhook.objects.update(
        attempts=webhooks.MAX_ATTEMPTS - 1, next_attempt_at=timezone.now()
    )

    assert webhooks.process_due() == 1

    row = InboundWebhook.objects.get()
    assert row.state == State.FAILED and row.attempts == webhooks.MAX_ATTEMPTS
    assert row.next_attempt_at is None and webhooks.process_due() == 0
    assert webhooks.retry_now([row]) == 1  # the admin's retry makes it due again


def test_duplicate_and_out_of_order_pushes_make_one_order_in_the_channels_final_state(
    demo_world, shopee_app
):
    sandbox = demo_world.sandbox
    order_sn = sandbox.order(("DEMO-MUG", 1))
    paid = push_body(sandbox.shop_id, order_sn, "READY_TO_SHIP", at=1)
    asked = push_body(sandbox.shop_id, order_sn, "IN_CANCEL", at=2)
    cancelled = push_body(sandbox.shop_id, order_sn, "CANCELLED", at=3)
    post_push(shopee_app, paid)
    assert Reservation.objects.filter(state="open").count() == 1

    demo_world.sim.buyer_cancel(order_sn)
    with demo_world.sim.state.lock:
        lifecycle.answer_buyer_cancellation(
            demo_world.sim, demo_world.sim.state.orders[order_sn], True
        )
    for body in (cancelled, asked, paid, cancelled):  # late, out of order, and twice
        assert post_push(shopee_app, body).status_code == 200

    (order,) = Order.objects.filter(external_id=order_sn)
    assert order.status == OrderStatus.CANCELLED
    assert not Reservation.objects.filter(order_line__order=order, state="open").exists()
    assert InboundWebhook.objects.count() == 3
    assert set(InboundWebhook.objects.values_list("state", flat=True)) == {State.PROCESSED}


def test_a_full_claim_asks_for_help_before_it_is_processed(demo_world, shopee_app):
    for _ in range(3):  # stored, not yet processed (as by intake with no worker running)
        body = push_body(demo_world.sandbox.shop_id, demo_world.sandbox.order(("DEMO-MUG", 1)))
        InboundWebhook.objects.create(
            channel="shopee", dedup_key=hashlib.sha256(body).hexdigest(),
            connection=demo_world.shop, body=body.decode(),
        )  # fmt: skip
    helped: list[int] = []

    def help_wanted() -> None:
        helped.append(InboundWebhook.objects.filter(state=State.RECEIVED).count())

    assert webhooks.process_due(limit=2, on_full_claim=help_wanted) == 2
    assert webhooks.process_due(limit=2, on_full_claim=help_wanted) == 1

    assert helped == [3]  # asked once, before the full claim's rows were processed
    assert Order.objects.count() == 3


# --- claims --------------------------------------------------------------------------


@pytest.fixture
def shops(db):
    """An active and a disabled connection of one app, with no channel behind them: a
    claim only reads and leases rows."""
    tenant = Tenant.objects.create(name="claims")
    app = ChannelApp.objects.create(
        channel="shopee", name="claims", api_base_url="https://partner.example",
        credentials={"partner_id": "1", "partner_key": "key"},
    )  # fmt: skip
    active, disabled = (
        Connection.objects.create(
            tenant=tenant,
            channel="shopee",
            app=app,
            name=name,
            external_shop_id=name,
            status=status,
        )
        for name, status in (("active", "active"), ("disabled", "disabled"))
    )
    return active, disabled


def stored(connection: Connection, n: float, **fields: object) -> InboundWebhook:
    """A stored push of ``connection``, received ``n`` minutes after this time yesterday."""
    received = timezone.now() - timedelta(days=1) + timedelta(minutes=n)
    row = InboundWebhook.objects.create(
        channel="shopee", dedup_key=f"push-{n}", connection=connection, body="{}", **fields
    )
    InboundWebhook.objects.filter(pk=row.pk).update(received_at=received)
    return row


def test_a_claim_leases_the_oldest_due_rows_of_active_shops_with_their_connection(shops):
    active, disabled = shops
    now = timezone.now()
    later, earlier = now + timedelta(hours=1), now - timedelta(seconds=1)
    due = [
        stored(active, 5),
        stored(active, 1, state=State.FAILED, attempts=2, next_attempt_at=earlier),
        stored(active, 3, next_attempt_at=earlier),
        stored(active, 2),
    ]
    stored(active, 0, next_attempt_at=later)  # held back
    stored(active, 0.5, state=State.FAILED, next_attempt_at=later)  # in its backoff
    stored(active, 0.7, state=State.FAILED, next_attempt_at=None)  # gave up
    stored(active, 0.8, state=State.PROCESSED)
    stored(disabled, 0.9)  # waits for its shop

    first = webhooks.claim(limit=3)
    second = webhooks.claim(limit=3)

    assert [row.pk for row in first] == [due[1].pk, due[3].pk, due[2].pk]  # oldest first
    assert [row.pk for row in second] == [due[0].pk]
    assert webhooks.claim() == []
    assert first[0].attempts == 2 and first[0].state == State.FAILED and first[0].body == "{}"
    assert {row.connection for row in first} == {active}
    assert first[0].connection.app.credentials["partner_key"] == "key"
    leases = set(InboundWebhook.objects.filter(pk__in=[r.pk for r in first]).values_list(
        "next_attempt_at", flat=True
    ))  # fmt: skip
    assert len(leases) == 1 and leases == {first[0].next_attempt_at}
    assert leases.pop() > now + webhooks.LEASE - timedelta(seconds=5)
    assert first[0].next_attempt_at != second[0].next_attempt_at  # a lease per claim


def test_concurrent_claimers_never_take_the_same_row(shops):
    active, _ = shops
    pushes = {stored(active, n).pk for n in range(120)}
    taken: list[list[int]] = []
    start = threading.Barrier(4)

    def claimer() -> None:
        mine: list[int] = []
        try:
            start.wait()
            while rows := webhooks.claim(limit=7):
                mine += [row.pk for row in rows]
        finally:
            taken.append(mine)
            database.close()

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [pk for mine in taken for pk in mine]
    assert len(every) == len(set(every)) == len(pushes) and set(every) == pushes


def test_on_postgresql_a_claim_takes_other_rows_while_another_claim_holds_its_own(shops):
    if database.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the second claim waits for the first")
    active, _ = shops
    oldest = [stored(active, n).pk for n in range(4)]
    held = threading.Event()
    release = threading.Event()
    first: list[int] = []

    def holding_claim() -> None:
        try:
            with transaction.atomic():
                first.extend(row.pk for row in webhooks.claim(limit=2))
                held.set()
                release.wait(10)
        finally:
            database.close()

    thread = threading.Thread(target=holding_claim)
    thread.start()
    try:
        assert held.wait(10)
        second = [row.pk for row in webhooks.claim(limit=2)]
    finally:
        release.set()
        thread.join()

    assert first == oldest[:2] and second == oldest[2:]


def test_rows_failing_together_each_keep_their_attempts_and_backoff(shops):
    active, _ = shops
    for n in range(25):  # enough for PostgreSQL's one-statement batch
        stored(active, n, attempts=n % 3 if n < 24 else webhooks.MAX_ATTEMPTS - 1)
    rows = webhooks.claim(limit=25)
    before = timezone.now()

    webhooks._fail(rows, "remote_unavailable: down")

    failed = {row.dedup_key: row for row in InboundWebhook.objects.all()}
    assert len(failed) == 25 and {row.state for row in failed.values()} == {State.FAILED}
    for n in range(24):
        row = failed[f"push-{n}"]
        assert row.attempts == n % 3 + 1 and row.error == "remote_unavailable: down"
        backoff = webhooks.BACKOFF_BASE * 2 ** (n % 3)
        assert before + backoff <= row.next_attempt_at <= timezone.now() + backoff
    gave_up = failed["push-24"]
    assert gave_up.attempts == webhooks.MAX_ATTEMPTS and gave_up.next_attempt_at is None
