"""The event feed: every event of the tenant, in order, resumable by cursor."""

import pytest
from django.db import transaction

from omnichannel.notifications.models import Event
from omnichannel.notifications.services import emit


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
