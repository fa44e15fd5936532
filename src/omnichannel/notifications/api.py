"""The event feed (for systems that poll) and webhook subscriptions (for those that listen)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.errors import InvalidRequest
from omnichannel.notifications import services
from omnichannel.notifications.models import Event, WebhookDelivery, WebhookSubscription

events_router = Router(tags=["events"])
webhooks_router = Router(tags=["webhooks"])


class SubjectOut(Schema):
    kind: str
    id: str


class EventOut(Schema):
    id: int = Field(description="The event's number, monotonic per tenant")
    type: str
    occurred_at: datetime
    subject: SubjectOut
    data: dict

    @staticmethod
    def resolve_id(obj: Event) -> int:
        return obj.sequence

    @staticmethod
    def resolve_subject(obj: Event) -> dict:
        return {"kind": obj.subject_kind, "id": obj.subject_id}


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str = Field(description="Pass as `after` to continue; stays put when empty")


@events_router.get(
    "",
    response=EventPage,
    auth=scope("events:read"),
    summary="Read the event feed",
    description=(
        "Events in order, after the given event number. Poll with the returned `next_cursor`: "
        "an event is never seen after a later one, so nothing is skipped."
    ),
)
def list_events(
    request: HttpRequest,
    after: int = Query(0, ge=0, description="Event number to read after"),
    type: list[str] | None = Query(None, description="Only these event types"),  # noqa: A002
    limit: int = Query(100, ge=1, le=1000),
) -> dict:
    events = owned(Event, request).filter(sequence__gt=after).order_by("sequence")
    if type:
        events = events.filter(type__in=type)
    items = list(events[:limit])
    return {"items": items, "next_cursor": str(items[-1].sequence if items else after)}


class SubscriptionOut(Schema):
    id: int
    url: str
    event_types: list[str]
    active: bool
    disabled_reason: str
    failing_since: datetime | None
    last_success_at: datetime | None
    last_error: str
    created_at: datetime


class SubscriptionIn(Schema):
    url: str = Field(max_length=500, examples=["https://wms.example.com/hooks/omnichannel"])
    event_types: list[str] = Field(default_factory=list, description="Empty = every event type")
    secret: str | None = Field(None, min_length=16, description="Generated when omitted")


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="Shown once: keep it to verify signatures")


class SubscriptionPatch(Schema):
    url: str | None = Field(None, max_length=500)
    event_types: list[str] | None = None
    active: bool | None = None


class ReplayIn(Schema):
    from_event_id: int = Field(ge=1)
    to_event_id: int = Field(ge=1)


class ReplayOut(Schema):
    queued: int


class DeliveryOut(Schema):
    id: int
    event_id: int
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str
    delivered_at: datetime | None

    @staticmethod
    def resolve_event_id(obj: WebhookDelivery) -> int:
        return obj.event.sequence

    @staticmethod
    def resolve_event_type(obj: WebhookDelivery) -> str:
        return obj.event.type


def check_url(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise InvalidRequest("The webhook URL must be http(s).", code="webhook.invalid_url")
    return url


@webhooks_router.get(
    "", response=Page[SubscriptionOut], auth=scope("events:read"), summary="List webhooks"
)
def list_subscriptions(
    request: HttpRequest, cursor: str | None = None, limit: int | None = None
) -> dict:
    return paginate(owned(WebhookSubscription, request), cursor, limit)


@webhooks_router.post(
    "",
    response={201: SubscriptionCreated},
    auth=scope("events:read"),
    summary="Subscribe a URL to events",
    description="The answer holds the signing secret; it is not shown again.",
)
def create_subscription(request: HttpRequest, payload: SubscriptionIn) -> Status:
    subscription = services.create_subscription(
        tenant_of(request), check_url(payload.url), payload.event_types, payload.secret
    )
    return Status(201, subscription)


@webhooks_router.get(
    "/{subscription_id}",
    response=SubscriptionOut,
    auth=scope("events:read"),
    summary="Get a webhook",
)
def get_subscription(request: HttpRequest, subscription_id: int) -> WebhookSubscription:
    return get_owned(WebhookSubscription, request, subscription_id)


@webhooks_router.patch(
    "/{subscription_id}",
    response=SubscriptionOut,
    auth=scope("events:read"),
    summary="Change a webhook, or re-enable it",
)
def patch_subscription(
    request: HttpRequest, subscription_id: int, payload: SubscriptionPatch
) -> WebhookSubscription:
    subscription = get_owned(WebhookSubscription, request, subscription_id)
    data = payload.dict(exclude_unset=True)
    if data.get("url"):
        subscription.url = check_url(data["url"])
    if data.get("event_types") is not None:
        subscription.event_types = services.check_event_types(data["event_types"])
    subscription.save()
    if data.get("active") is True and not subscription.active:
        return services.enable_subscription(subscription)
    if data.get("active") is False:
        subscription.active = False
        subscription.disabled_reason = "Disabled through the API"
        subscription.save()
    return subscription


@webhooks_router.delete(
    "/{subscription_id}",
    response={204: None},
    auth=scope("events:read"),
    summary="Delete a webhook",
)
def delete_subscription(request: HttpRequest, subscription_id: int) -> Status:
    get_owned(WebhookSubscription, request, subscription_id).delete()
    return Status(204, None)


@webhooks_router.post(
    "/{subscription_id}/replay",
    response=ReplayOut,
    auth=scope("events:read"),
    summary="Deliver a range of events again",
)
def replay(request: HttpRequest, subscription_id: int, payload: ReplayIn) -> dict:
    subscription = get_owned(WebhookSubscription, request, subscription_id)
    return {"queued": services.replay(subscription, payload.from_event_id, payload.to_event_id)}


@webhooks_router.get(
    "/{subscription_id}/deliveries",
    response=Page[DeliveryOut],
    auth=scope("events:read"),
    summary="Delivery attempts of a webhook",
)
def list_deliveries(
    request: HttpRequest,
    subscription_id: int,
    state: WebhookDelivery.State | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    subscription = get_owned(WebhookSubscription, request, subscription_id)
    deliveries = subscription.deliveries.select_related("event")
    if state:
        deliveries = deliveries.filter(state=state)
    return paginate(deliveries, cursor, limit)
