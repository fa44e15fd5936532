"""The WSGI push receiver (``wsgi.py``): the path channels reach in production, answered
without the site's middleware, storing every push once before acknowledging it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.db import connection as database

from omnichannel.channels.models import InboundWebhook
from omnichannel.connectors.shopee.webhooks import push_signature
from omnichannel.wsgi import application

from .test_webhooks import push_body

pytestmark = pytest.mark.django_db(transaction=True)


def deliver(app, body: bytes, key: str | None = None) -> httpx.Response:  # noqa: ANN001
    """POST a push to the WSGI application as a channel does, signed for the URL it hits."""
    path = f"/hooks/shopee/{app.pk}"
    signature = push_signature(
        key or app.credentials["partner_key"], f"http://testserver{path}", body
    )
    with httpx.Client(transport=httpx.WSGITransport(app=application)) as client:
        return client.post(
            f"http://testserver{path}",
            content=body,
            headers={"Authorization": signature, "Content-Type": "application/json"},
        )


def test_a_push_is_stored_once_and_acknowledged(demo_world, shopee_app):
    body = push_body(demo_world.sandbox.shop_id, "2401010000001")

    first, again = deliver(shopee_app, body), deliver(shopee_app, body)

    assert first.status_code == 200 and first.json() == {"ok": True, "stored": 1, "duplicates": 0}
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    (row,) = InboundWebhook.objects.all()
    assert row.connection == demo_world.shop and row.body == body.decode()
    assert row.headers["authorization"] and row.received_at is not None and row.attempts == 0
    assert first.headers["X-Request-ID"]


def test_a_push_with_a_wrong_signature_is_refused_and_nothing_is_stored(demo_world, shopee_app):
    answer = deliver(shopee_app, push_body(demo_world.sandbox.shop_id, "1"), key="wrong")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "webhook.bad_signature"
    assert not InboundWebhook.objects.exists()


def test_pushes_skip_the_site_middleware_and_other_paths_do_not(demo_world, shopee_app):
    push = deliver(shopee_app, push_body(demo_world.sandbox.shop_id, "2401010000002"))
    with httpx.Client(transport=httpx.WSGITransport(app=application)) as client:
        site = client.get("http://testserver/api/v1/health")

    assert "X-Frame-Options" not in push.headers  # no clickjacking, session, CSRF work
    assert site.status_code == 200 and site.headers["X-Frame-Options"] == "DENY"


def test_the_receiver_keeps_its_database_connection_between_pushes(demo_world, shopee_app):
    deliver(shopee_app, push_body(demo_world.sandbox.shop_id, "2401010000003"))
    kept = database.connection

    deliver(shopee_app, push_body(demo_world.sandbox.shop_id, "2401010000004"))

    assert kept is not None and database.connection is kept
    assert InboundWebhook.objects.count() == 2


def test_the_same_push_delivered_concurrently_is_stored_once(demo_world, shopee_app):
    body = push_body(demo_world.sandbox.shop_id, "2401010000005")

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: deliver(shopee_app, body), range(12)))

    assert {answer.status_code for answer in answers} == {200}
    assert sum(answer.json()["stored"] for answer in answers) == 1
    assert InboundWebhook.objects.count() == 1
