"""Connection credentials and tokens are encrypted in the database."""

from django.db import connection as db

from omnichannel.channels.models import Connection
from omnichannel.notifications.models import WebhookSubscription


def raw_column(table: str, column: str, pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_connection_secrets_are_not_stored_in_clear(tenant):
    shop = Connection.objects.create(
        tenant=tenant,
        channel="shopee",
        name="S",
        external_shop_id="1",
        credentials={"partner_key": "pk-very-secret"},
        access_token="at-very-secret",
        refresh_token="rt-very-secret",
    )
    table = Connection._meta.db_table
    for column, secret in [
        ("credentials", "pk-very-secret"),
        ("access_token", "at-very-secret"),
        ("refresh_token", "rt-very-secret"),
    ]:
        stored = raw_column(table, column, shop.pk)
        assert stored and secret not in stored

    shop.refresh_from_db()
    assert shop.credentials == {"partner_key": "pk-very-secret"}
    assert shop.access_token == "at-very-secret"
    assert shop.refresh_token == "rt-very-secret"


def test_webhook_secrets_are_not_stored_in_clear(tenant):
    subscription = WebhookSubscription.objects.create(
        tenant=tenant, url="https://wms.example/hook", secret="whsec-very-secret"
    )
    stored = raw_column(WebhookSubscription._meta.db_table, "secret", subscription.pk)
    assert "whsec-very-secret" not in stored
    subscription.refresh_from_db()
    assert subscription.secret == "whsec-very-secret"


def test_secrets_never_appear_in_the_api(caller):
    created = caller.post("/api/v1/connections", {"channel": "manual", "name": "Manual"}).json()
    Connection.objects.filter(pk=created["id"]).update()
    shop = Connection.objects.get(pk=created["id"])
    shop.access_token = "at-very-secret"
    shop.save()
    body = caller.get(f"/api/v1/connections/{shop.pk}").content.decode()
    assert "at-very-secret" not in body
    assert '"has_credentials": true' in body.replace('":true', '": true')
