"""The event feed: every event of the tenant, in order, resumable by cursor."""

import pytest
from django.db import transaction

from omnichannel.inventory.sql import pipelined
from omnichannel.notifications.models import Event, WebhookDelivery
from omnichannel.notifications.services import (
    create_subscription,
    emit,
    events_together,
    number_events_early,
)


def emit_events(tenant, count: int, event_type: str = "order.created") -> None:
    for n in range(count):
        with transaction.atomic():
            emit(tenant, event_type, "order", n, {"n": n})


def test_events_are_numbered_per_tenant(tenant, other_tenant):
    emit_events(tenant, 3)
    emit_events(other_tenant, 2)
    assert list(Event.objects.filter(tenant=tenant).values_list("sequence", flat=True)) == [1, 2, 3]
    assert list(Event.objects.filter(tenant=other_tenant).values_list("sequence", flat=True)) == [
        1,
        2,
    ]


def test_events_numbered_early_and_late_in_one_block_keep_the_order_they_were_emitted_in(
    tenant, other_tenant
):
    """``number_events_early`` asks for the numbers of the events emitted so far (the
    tenant's first events: its sequence row does not exist yet); events emitted after it
    are numbered at the block's end, after them."""
    with transaction.atomic(), pipelined(), events_together():
        emit(tenant, "order.created", "order", 1, {})
        emit(other_tenant, "order.created", "order", 9, {})
        emit(tenant, "order.on_hold", "order", 1, {})
        number_events_early()
        emit(tenant, "order.released", "order", 1, {})
        number_events_early()  # again: only the event emitted since is asked for
        emit(tenant, "order.status_changed", "order", 1, {})
    emit_events(tenant, 1, "return.updated")

    mine = Event.objects.filter(tenant=tenant).order_by("sequence")
    assert [(e.sequence, e.type) for e in mine] == [
        (1, "order.created"),
        (2, "order.on_hold"),
        (3, "order.released"),
        (4, "order.status_changed"),
        (5, "return.updated"),
    ]
    assert list(Event.objects.filter(tenant=other_tenant).values_list("sequence")) == [(1,)]


def test_events_numbered_early_are_owed_to_the_subscriptions_that_want_them(tenant):
    create_subscription(tenant, "https://wms.example/hook", ["order.created"])
    with transaction.atomic(), pipelined(), events_together():
        emit(tenant, "order.created", "order", 1, {})
        emit(tenant, "return.updated", "return", 2, {})
        number_events_early()

    owed = WebhookDelivery.objects.select_related("event")
    assert [(d.event.type, d.event.sequence) for d in owed] == [("order.created", 1)]


@pytest.mark.django_db(transaction=True)
def test_an_event_cannot_be_written_outside_the_changes_transaction(tenant):
    with pytest.raises(RuntimeError):
        emit(tenant, "order.created", "order", 1, {})


def test_an_event_of_a_rolled_back_change_never_exists(tenant):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        emit(tenant, "order.created", "order", 1, {})
        1 / 0  # noqa: B018 - the change fails after its event was written
    assert not Event.objects.exists()


def test_polling_with_the_cursor_reads_each_event_once(caller):
    emit_events(caller.tenant, 5)
    first = caller.get("/api/v1/events", limit=3).json()
    assert [e["id"] for e in first["items"]] == [1, 2, 3]
    emit_events(caller.tenant, 1)
    rest = caller.get("/api/v1/events", after=first["next_cursor"]).json()
    assert [e["id"] for e in rest["items"]] == [4, 5, 6]
    empty = caller.get("/api/v1/events", after=rest["next_cursor"]).json()
    assert empty == {"items": [], "next_cursor": "6"}


def test_the_feed_shows_the_subject_and_data(caller):
    emit_events(caller.tenant, 1)
    event = caller.get("/api/v1/events").json()["items"][0]
    assert event["type"] == "order.created"
    assert event["subject"] == {"kind": "order", "id": "0"}
    assert event["data"] == {"n": 0}


def test_the_feed_filters_by_type(caller):
    emit_events(caller.tenant, 2, "order.created")
    emit_events(caller.tenant, 1, "return.updated")
    items = caller.get("/api/v1/events", type="return.updated").json()["items"]
    assert [e["type"] for e in items] == ["return.updated"]


def test_another_tenants_events_are_invisible(caller, other_caller):
    emit_events(caller.tenant, 2)
    assert other_caller.get("/api/v1/events").json()["items"] == []


def test_the_feed_needs_the_events_scope(tenant, make_caller):
    assert make_caller(tenant, ["orders:read"]).get("/api/v1/events").status_code == 403
