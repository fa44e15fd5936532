"""Webhooks to the WMS: signed, retried with backoff for over a day, never lost."""

import hashlib
import hmac
import json
import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from omnichannel.notifications import delivery
from omnichannel.notifications.models import Event, WebhookDelivery, WebhookSubscription
from omnichannel.notifications.services import create_subscription, emit, replay

from .receiver import Receiver


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


def emit_order_event(tenant, n: int = 1, event_type: str = "order.created") -> Event:
    with transaction.atomic():
        return emit(tenant, event_type, "order", n, {"order": n})


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does, as documented in docs/webhooks.md."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


def test_the_event_reaches_the_receiver_signed_after_commit(
    tenant, receiver, django_capture_on_commit_callbacks
):
    subscription = create_subscription(tenant, receiver.url, [])
    with django_capture_on_commit_callbacks(execute=True):
        emit_order_event(tenant)
    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert verify(subscription.secret, request.headers["X-Omni-Signature"], request.body)
    assert not verify("another secret", request.headers["X-Omni-Signature"], request.body)
    payload = json.loads(request.body)
    assert payload["id"] == 1
    assert payload["type"] == "order.created"
    assert payload["subject"] == {"kind": "order", "id": "1"}
    assert request.headers["X-Omni-Event-Id"] == "1"
    assert WebhookDelivery.objects.get().state == "delivered"


def test_only_the_subscribed_event_types_are_sent(tenant, receiver):
    create_subscription(tenant, receiver.url, ["return.updated"])
    emit_order_event(tenant, 1, "order.created")
    emit_order_event(tenant, 2, "return.updated")
    delivery.deliver_due()
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["return.updated"]


def test_a_failing_receiver_is_retried_with_growing_delays(tenant, receiver):
    receiver.plan = [500, 503, 200]
    create_subscription(tenant, receiver.url, [])
    emit_order_event(tenant)
    start = timezone.now()
    assert delivery.deliver_due(start) == 1
    assert delivery.deliver_due(start + timedelta(seconds=20)) == 0
    assert delivery.deliver_due(start + timedelta(seconds=31)) == 1
    assert delivery.deliver_due(start + timedelta(seconds=31 + 50)) == 0
    assert delivery.deliver_due(start + timedelta(seconds=31 + 61)) == 1
    owed = WebhookDelivery.objects.get()
    assert owed.state == "delivered"
    assert owed.attempts == 3
    assert len(receiver.received) == 3
    assert WebhookSubscription.objects.get().failing_since is None


@override_settings(OMNI_WEBHOOK_TIMEOUT=0.2)
def test_a_receiver_that_hangs_counts_as_a_failure(tenant, receiver):
    receiver.plan = [("sleep", 1.0)]
    create_subscription(tenant, receiver.url, [])
    emit_order_event(tenant)
    delivery.deliver_due()
    owed = WebhookDelivery.objects.get()
    assert owed.state == "pending"
    assert "Timeout" in owed.last_error


def test_nothing_is_lost_while_the_receiver_is_down(tenant):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    create_subscription(tenant, f"http://127.0.0.1:{port}/hook", [])
    for n in range(3):
        emit_order_event(tenant, n)
    start = timezone.now()
    assert delivery.deliver_due(start) == 3
    assert WebhookDelivery.objects.filter(state="pending").count() == 3

    back = Receiver().start(port)
    try:
        delivery.deliver_due(start + timedelta(minutes=1))
    finally:
        back.stop()
    assert sorted(json.loads(r.body)["id"] for r in back.received) == [1, 2, 3]
    assert WebhookDelivery.objects.filter(state="delivered").count() == 3


def test_a_delivery_is_given_up_only_after_more_than_a_day(tenant, receiver):
    receiver.default_status = 500
    create_subscription(tenant, receiver.url, [])
    emit_order_event(tenant)
    start = timezone.now()
    moment = start
    while moment - start < timedelta(hours=25):
        delivery.deliver_due(moment)
        assert WebhookDelivery.objects.get().state == "pending"
        moment += timedelta(hours=1)
        WebhookSubscription.objects.update(active=True, failing_since=None)
    delivery.deliver_due(start + timedelta(hours=27))
    assert WebhookDelivery.objects.get().state == "dead"


def test_a_receiver_failing_for_a_day_is_disabled_and_the_tenant_is_told(caller, receiver):
    receiver.default_status = 500
    subscription = create_subscription(caller.tenant, receiver.url, ["order.created"])
    emit_order_event(caller.tenant)
    start = timezone.now()
    delivery.deliver_due(start)
    delivery.deliver_due(start + timedelta(hours=24, minutes=1))
    subscription.refresh_from_db()
    assert subscription.active is False
    assert "failing continuously" in subscription.disabled_reason
    feed = caller.get("/api/v1/events", type="webhook.disabled").json()["items"]
    assert feed[0]["subject"] == {"kind": "webhook_subscription", "id": str(subscription.pk)}

    assert delivery.deliver_due(start + timedelta(hours=30)) == 0
    receiver.default_status = 200
    enabled = caller.patch(f"/api/v1/webhooks/{subscription.pk}", {"active": True})
    assert enabled.json()["active"] is True
    delivery.deliver_due(timezone.now() + timedelta(seconds=1))
    assert WebhookDelivery.objects.get(event__type="order.created").state == "delivered"


def test_a_range_of_events_can_be_replayed(tenant, receiver):
    subscription = create_subscription(tenant, receiver.url, [])
    for n in range(5):
        emit_order_event(tenant, n)
    delivery.deliver_due()
    assert len(receiver.received) == 5
    with transaction.atomic():
        assert replay(subscription, 2, 3) == 2
    delivery.deliver_due()
    assert [json.loads(r.body)["id"] for r in receiver.received[5:]] == [2, 3]


def test_one_delivery_attempt_is_claimed_by_one_worker_only(tenant):
    create_subscription(tenant, "http://127.0.0.1:9/hook", [])
    emit_order_event(tenant)
    owed = WebhookDelivery.objects.get()
    now = timezone.now()
    assert delivery.claim(owed, now) is True
    assert delivery.claim(owed, now) is False


def test_subscriptions_through_the_api(caller, other_caller, receiver):
    created = caller.post(
        "/api/v1/webhooks", {"url": receiver.url, "event_types": ["order.created"]}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    shown = caller.get(f"/api/v1/webhooks/{body['id']}").content.decode()
    assert body["secret"] not in shown
    assert other_caller.get(f"/api/v1/webhooks/{body['id']}").status_code == 404
    bad_type = caller.post("/api/v1/webhooks", {"url": receiver.url, "event_types": ["nope"]})
    assert bad_type.json()["error"]["code"] == "webhook.unknown_event_type"
    bad_url = caller.post("/api/v1/webhooks", {"url": "ftp://x"})
    assert bad_url.json()["error"]["code"] == "webhook.invalid_url"


def test_deliveries_and_replay_through_the_api(caller, receiver):
    subscription = caller.post("/api/v1/webhooks", {"url": receiver.url}).json()
    for n in range(3):
        emit_order_event(caller.tenant, n)
    delivery.deliver_due()
    path = f"/api/v1/webhooks/{subscription['id']}"
    deliveries = caller.get(f"{path}/deliveries").json()["items"]
    assert [d["state"] for d in deliveries] == ["delivered"] * 3
    assert caller.post(f"{path}/replay", {"from_event_id": 1, "to_event_id": 3}).json() == {
        "queued": 3
    }
    reversed_range = caller.post(f"{path}/replay", {"from_event_id": 3, "to_event_id": 1})
    assert reversed_range.status_code == 400
