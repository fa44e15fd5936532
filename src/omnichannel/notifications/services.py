"""Writing events (in the caller's transaction) and owing them to webhook subscriptions."""

from __future__ import annotations

import secrets
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from omnichannel.errors import InvalidRequest
from omnichannel.inventory import sql
from omnichannel.notifications.models import (
    Event,
    EventSequence,
    WebhookDelivery,
    WebhookSubscription,
)
from omnichannel.tenants.models import Tenant

EVENT_TYPES = {
    "order.created": "An order was seen for the first time",
    "order.status_changed": "An order moved to another unified status",
    "order.cancel_requested": "The buyer asked to cancel; the seller must answer",
    "order.on_hold": "An order was put on hold (see hold_reason)",
    "order.released": "A held order was released for fulfilment",
    "shipment.updated": "A shipment was arranged, labelled, picked up or tracked",
    "return.updated": "A return changed status",
    "stock.push_failed": "A channel refused a stock update",
    "connection.needs_reauth": "A shop's authorization was refused; re-authorize it",
    "webhook.disabled": "A webhook subscription was disabled after sustained failure",
}


def take_sequences(tenant_id: int, count: int) -> tuple[int, bool]:
    """Take the tenant's next ``count`` event numbers (returns the last); the row stays
    locked until commit. Also says whether the tenant has an active webhook subscription,
    which the events may be owed to.

    One statement (a tenant without subscriptions needs no other); the tenant's row is
    created by its first event only.
    """
    return take_sequences_later(tenant_id, count)()


def take_sequences_later(tenant_id: int, count: int) -> Callable[[], tuple[int, bool]]:
    """``take_sequences`` in two steps: the statement is sent now and its answer read when
    the function returned is called (in a pipeline, with whatever read comes first)."""
    sequences, subscriptions = sql.table(EventSequence), sql.table(WebhookSubscription)
    cursor = sql.sent(
        f"UPDATE {sequences} SET last = last + %s WHERE tenant_id = %s RETURNING last,"
        f" EXISTS (SELECT 1 FROM {subscriptions} subscription"
        f" WHERE subscription.tenant_id = %s AND subscription.active = %s)",
        [count, tenant_id, tenant_id, True],
    )

    def read() -> tuple[int, bool]:
        with cursor:
            row = cursor.fetchone()
        if row is not None:
            return row[0], bool(row[1])
        EventSequence.objects.get_or_create(tenant_id=tenant_id)
        return take_sequences(tenant_id, count)

    return read


_held = threading.local()


@dataclass
class Numbering:
    """Events of one tenant whose numbers were asked for early (``number_events_early``)
    and the function that reads them."""

    tenant_id: int
    events: list[Event]
    read: Callable[[], tuple[int, bool]]


@contextmanager
def events_together() -> Iterator[None]:
    """Events emitted in the block are numbered and written together when it ends: one
    sequence update per tenant and one insert for a whole batch of orders, and the
    tenant's sequence row (which serializes its writers on PostgreSQL) is locked only
    from then until the commit.

    Run the block inside the transaction whose changes the events report, so they still
    commit together; an error in the block writes none of them.
    """
    if getattr(_held, "events", None) is not None:
        yield  # nested: the outermost block writes
        return
    _held.events = pending = []
    _held.numbering = numbering = []
    try:
        yield
    finally:
        _held.events = _held.numbering = None
    write_events(pending, numbering)


def number_events_early() -> None:
    """Inside ``events_together``: ask now for the numbers of the events emitted so far,
    without waiting for them; the block's end reads them and numbers any event emitted
    since as usual. In a pipeline the question travels with the next read the block
    makes (an order batch's listings), saving the wait that numbering would make at the
    block's end, while the batch holds its stock levels' locks."""
    pending, numbering = getattr(_held, "events", None), getattr(_held, "numbering", None)
    if pending is None or numbering is None:
        return
    asked = {id(event) for each in numbering for event in each.events}
    by_tenant: dict[int, list[Event]] = defaultdict(list)
    for event in pending:
        if id(event) not in asked:
            by_tenant[event.tenant_id].append(event)
    for tenant_id, mine in by_tenant.items():
        numbering.append(Numbering(tenant_id, mine, take_sequences_later(tenant_id, len(mine))))


def emit(
    tenant: Tenant,
    event_type: str,
    subject_kind: str,
    subject_id: Any,
    data: dict[str, Any],
) -> Event:
    """Record an event and what it owes each subscription, in the caller's transaction
    (inside ``events_together``: when the block ends; the event's number comes then).

    Call it inside the transaction that makes the change, so the change and its event
    commit together or not at all.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("emit() must run inside the transaction of the change it reports")
    event = sql.built(
        Event,
        tenant=tenant,
        type=event_type,
        subject_kind=subject_kind,
        subject_id=str(subject_id),
        data=data,
    )
    pending = getattr(_held, "events", None)
    if pending is not None:
        pending.append(event)
    else:
        write_events([event])
    return event


def write_events(events: list[Event], numbering: Iterable[Numbering] = ()) -> None:
    """Number the events per tenant in the order given (those of ``numbering`` with the
    numbers asked for them), insert them, and owe them."""
    subscribed: set[int] = set()
    numbered: set[int] = set()
    for asked in numbering:
        last, has_subscriptions = asked.read()
        number(asked.events, last)
        numbered.update(id(event) for event in asked.events)
        if has_subscriptions:
            subscribed.add(asked.tenant_id)
    by_tenant: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_tenant[event.tenant_id].append(event)
    for tenant_id, mine in by_tenant.items():
        rest = [event for event in mine if id(event) not in numbered]
        if rest:
            last, has_subscriptions = take_sequences(tenant_id, len(rest))
            number(rest, last)
            if has_subscriptions:
                subscribed.add(tenant_id)
    # Written out (decision 0008): every order, stock and shipment change writes events.
    # Their ids are read back only for deliveries to owe: without, the insert needs no
    # answer and, in a pipeline (``sql.pipelined``), travels with the commit's round trip.
    sql.insert_rows(events, key=("tenant_id", "sequence") if subscribed else ())
    for tenant_id in subscribed:
        subscriptions = active_subscriptions(tenant_id)
        owe(
            (event, subscription)
            for event in by_tenant[tenant_id]
            for subscription in subscriptions
            if subscription.wants(event.type)
        )


def number(events: list[Event], last: int) -> None:
    """Give ``events`` the numbers up to ``last``, in their order."""
    for sequence, event in enumerate(events, start=last - len(events) + 1):
        event.sequence = sequence


def active_subscriptions(tenant_id: int) -> list[WebhookSubscription]:
    """The tenant's active subscriptions with only what owing needs: the secret stays
    encrypted (decrypting costs per row)."""
    return sql.instances(
        WebhookSubscription,
        f"SELECT id, event_types FROM {sql.table(WebhookSubscription)}"
        " WHERE tenant_id = %s AND active = %s",
        [tenant_id, True],
    )


def owe(pairs: Iterable[tuple[Event, WebhookSubscription]]) -> None:
    """A delivery row for each (event, subscription); a worker is woken after the commit."""
    now = timezone.now()
    owed = [
        WebhookDelivery(subscription=subscription, event=event, next_attempt_at=now)
        for event, subscription in pairs
    ]
    if owed:
        WebhookDelivery.objects.bulk_create(owed, ignore_conflicts=True)
        transaction.on_commit(schedule_delivery)


def schedule_delivery() -> None:
    """Ask a worker to deliver now; the periodic sweep catches anything this misses."""
    from omnichannel.notifications.tasks import deliver_due_webhooks

    deliver_due_webhooks()


def check_event_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidRequest(
            f"Unknown event types: {', '.join(unknown)}.",
            code="webhook.unknown_event_type",
            details={"unknown": unknown, "known": sorted(EVENT_TYPES)},
        )
    return sorted(set(event_types))


def create_subscription(
    tenant: Tenant, url: str, event_types: list[str], secret: str | None = None
) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        tenant=tenant,
        url=url,
        event_types=check_event_types(event_types),
        secret=secret or "whsec_" + secrets.token_urlsafe(32),
    )


def enable_subscription(subscription: WebhookSubscription) -> WebhookSubscription:
    """Re-enable after a disable; deliveries still pending are retried right away."""
    subscription.active = True
    subscription.disabled_reason = ""
    subscription.failing_since = None
    subscription.save()
    subscription.deliveries.filter(state=WebhookDelivery.State.PENDING).update(
        next_attempt_at=timezone.now()
    )
    transaction.on_commit(schedule_delivery)
    return subscription


@transaction.atomic
def replay(subscription: WebhookSubscription, from_sequence: int, to_sequence: int) -> int:
    """Owe again every event in the range (inclusive) the subscription wants; returns how many."""
    if from_sequence > to_sequence:
        raise InvalidRequest("from_sequence is after to_sequence.", code="webhook.invalid_range")
    events = Event.objects.filter(
        tenant=subscription.tenant, sequence__gte=from_sequence, sequence__lte=to_sequence
    )
    if subscription.event_types:
        events = events.filter(type__in=subscription.event_types)
    event_ids = list(events.values_list("id", flat=True))
    now = timezone.now()
    WebhookDelivery.objects.filter(subscription=subscription, event_id__in=event_ids).update(
        state=WebhookDelivery.State.PENDING, next_attempt_at=now, attempts=0, last_error=""
    )
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(subscription=subscription, event_id=pk, next_attempt_at=now)
            for pk in event_ids
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(schedule_delivery)
    return len(event_ids)
