"""Delivering owed events to webhook receivers: signed, retried with backoff, never lost.

Receivers verify ``X-Omni-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA256 of ``f"{t}.".encode() + raw_body`` keyed with the subscription secret
(see docs/webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from omnichannel.notifications.models import Event, WebhookDelivery, WebhookSubscription

logger = logging.getLogger("omnichannel.webhooks")

RETRY_DELAYS = [
    timedelta(seconds=s) for s in (30, 60, 120, 300, 600, 1200, 2400, 4800, 7200, 14400)
]
MAX_DELAY = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(hours=26)  # more than a day of retries before an event is dead
DISABLE_AFTER = timedelta(hours=24)  # of continuous failure before a subscription is disabled
CLAIM_LEASE = timedelta(minutes=2)
BATCH = 200


def retry_delay(attempts: int) -> timedelta:
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else MAX_DELAY


def event_payload(event: Event) -> dict:
    return {
        "id": event.sequence,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "subject": {"kind": event.subject_kind, "id": event.subject_id},
        "data": event.data,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def deliver_due(now: datetime | None = None) -> int:
    """Attempt every delivery that is due; returns how many were attempted."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=now,
            subscription__active=True,
        )
        .select_related("event", "subscription")
        .order_by("next_attempt_at", "event__sequence")[:BATCH]
    )
    if not due:
        return 0
    attempted = 0
    with httpx.Client(timeout=settings.OMNI_WEBHOOK_TIMEOUT) as http:
        for delivery in due:
            if claim(delivery, now):
                attempt(delivery, http, now)
                attempted += 1
    return attempted


def claim(delivery: WebhookDelivery, now: datetime) -> bool:
    """Only one worker attempts a delivery: the one whose conditional update wins."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk,
        state=WebhookDelivery.State.PENDING,
        next_attempt_at=delivery.next_attempt_at,
    ).update(next_attempt_at=now + CLAIM_LEASE)
    return claimed == 1


def attempt(delivery: WebhookDelivery, http: httpx.Client, now: datetime) -> None:
    subscription = delivery.subscription
    body = json.dumps(event_payload(delivery.event), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "omnichannel-webhooks/1",
        "X-Omni-Event": delivery.event.type,
        "X-Omni-Event-Id": str(delivery.event.sequence),
        "X-Omni-Delivery": str(delivery.pk),
        "X-Omni-Signature": signature(subscription.secret, int(time.time()), body),
    }
    status, error = None, ""
    try:
        response = http.post(subscription.url, content=body, headers=headers)
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except httpx.HTTPError as exc:
        error = f"{exc.__class__.__name__}: {exc}"[:300]
    if error:
        record_failure(delivery, subscription, now, status, error)
    else:
        record_success(delivery, subscription, now, status)


def record_success(
    delivery: WebhookDelivery, subscription: WebhookSubscription, now: datetime, status: int | None
) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.DELIVERED,
        attempts=delivery.attempts + 1,
        last_status=status,
        last_error="",
        delivered_at=now,
    )
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        failing_since=None, last_success_at=now, last_error=""
    )


def record_failure(
    delivery: WebhookDelivery,
    subscription: WebhookSubscription,
    now: datetime,
    status: int | None,
    error: str,
) -> None:
    attempts = delivery.attempts + 1
    dead = now - delivery.created_at >= GIVE_UP_AFTER
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=WebhookDelivery.State.DEAD if dead else WebhookDelivery.State.PENDING,
        attempts=attempts,
        last_status=status,
        last_error=error,
        next_attempt_at=now + retry_delay(attempts),
    )
    failing_since = subscription.failing_since or now
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        failing_since=failing_since, last_error=error
    )
    logger.warning(
        "webhook delivery failed",
        extra={"subscription": subscription.pk, "event": delivery.event.sequence, "error": error},
    )
    if now - failing_since >= DISABLE_AFTER:
        disable(subscription, failing_since)


def disable(subscription: WebhookSubscription, failing_since: datetime) -> None:
    """Stop hammering a dead receiver; its pending deliveries wait for re-enabling."""
    from omnichannel.notifications.services import emit

    reason = f"Disabled after failing continuously since {failing_since.isoformat()}"
    with transaction.atomic():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            active=False, disabled_reason=reason
        )
        emit(
            subscription.tenant,
            "webhook.disabled",
            "webhook_subscription",
            subscription.pk,
            {"url": subscription.url, "reason": reason},
        )
    logger.error("webhook subscription disabled", extra={"subscription": subscription.pk})
