"""Authorizing a Shopee shop over real HTTP against the sandbox, and channel apps."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection as db

from omnichannel.channels.models import ApiCallLog, ChannelApp, Connection

from .shopee_env import approve, authorize, shopee_fixture  # noqa: F401


def raw_column(column: str, pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM channels_connection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_authorizing_a_shop_stores_the_connection_with_encrypted_tokens(caller, shopee):
    connection = authorize(caller, shopee)

    assert connection.tenant == caller.tenant and connection.app == shopee.app
    assert connection.external_shop_id == str(shopee.shop_id)
    assert connection.status == Connection.Status.ACTIVE
    assert connection.access_token and connection.token_expires_at
    for column in ("access_token", "refresh_token"):
        stored = raw_column(column, connection.pk)
        assert stored and getattr(connection, column) not in stored
    assert ApiCallLog.objects.filter(endpoint="/api/v2/auth/token/get", status_code=200).exists()


def test_the_callback_redirects_the_seller_where_the_link_asked(caller, shopee):
    link = caller.get(
        "/api/v1/connections/shopee/authorize-url",
        app_id=shopee.app.pk,
        redirect="https://wms.example/shops",
    ).json()["url"]

    answer = caller.http.get(approve(shopee, link))

    assert answer.status_code == 302
    target = urlparse(answer["Location"])
    assert target.netloc == "wms.example"
    assert parse_qs(target.query)["status"] == ["active"]


def test_re_authorizing_a_shop_that_needs_it_resumes_the_connection(caller, shopee):
    connection = authorize(caller, shopee)
    Connection.objects.filter(pk=connection.pk).update(
        status=Connection.Status.NEEDS_REAUTH, status_reason="refresh refused"
    )

    again = authorize(caller, shopee)

    assert again.pk == connection.pk
    assert again.status == Connection.Status.ACTIVE and again.status_reason == ""


def test_a_forged_state_is_refused(caller, shopee):
    link = caller.get("/api/v1/connections/shopee/authorize-url", app_id=shopee.app.pk)
    callback = approve(shopee, link.json()["url"]).replace("state=", "state=x")

    answer = caller.http.get(callback)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "authorization.invalid_state"
    assert not Connection.objects.exists()


def test_an_expired_state_is_refused(caller, shopee, settings):
    link = caller.get("/api/v1/connections/shopee/authorize-url", app_id=shopee.app.pk)
    callback = approve(shopee, link.json()["url"])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("omnichannel.channels.authorization.STATE_MAX_AGE", timedelta(seconds=-1))
        answer = caller.http.get(callback)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "authorization.state_expired"
    assert not Connection.objects.exists()


def test_another_tenants_app_cannot_be_used(caller, other_tenant, shopee):
    private = ChannelApp.objects.create(
        tenant=other_tenant,
        channel="shopee",
        name="theirs",
        api_base_url=shopee.url,
        credentials={"partner_id": "1", "partner_key": "k"},
    )

    answer = caller.get("/api/v1/connections/shopee/authorize-url", app_id=private.pk)

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "channel_app.not_found"


def test_channel_app_credentials_are_write_only(make_caller, tenant):
    admin = make_caller(tenant, ["admin"])
    created = admin.post(
        "/api/v1/channel-apps",
        {
            "channel": "shopee",
            "name": "Live app",
            "api_base_url": "https://partner.shopeemobile.com",
            "region": "ID",
            "credentials": {"partner_id": "2001887", "partner_key": "secret-key"},
        },
    )
    assert created.status_code == 201, created.json()
    app_id = created.json()["id"]

    patched = admin.patch(f"/api/v1/channel-apps/{app_id}", {"name": "Live app ID"})
    listed = admin.get("/api/v1/channel-apps")

    for body in (
        created.json(),
        patched.json(),
        admin.get(f"/api/v1/channel-apps/{app_id}").json(),
    ):
        assert "credentials" not in body and "secret-key" not in str(body)
        assert body["has_credentials"] is True and body["shared"] is True
    assert [app["name"] for app in listed.json()["items"]] == ["Live app ID"]
    assert ChannelApp.objects.get(pk=app_id).credentials["partner_key"] == "secret-key"


def test_channel_apps_need_the_admin_scope(make_caller, tenant):
    writer = make_caller(tenant, ["catalog:write"])

    assert writer.get("/api/v1/channel-apps").status_code == 403
