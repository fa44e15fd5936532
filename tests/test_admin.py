"""The admin site: every registered model renders, actions do what they say, secrets stay hidden.

The page tests iterate ``admin.site._registry``, so a model registered later is covered
without touching this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from omnichannel.api.auth import client_for_token
from omnichannel.api.models import IdempotencyRecord
from omnichannel.catalog.models import BundleComponent, Listing, Product
from omnichannel.channels.models import (
    ApiCallLog,
    ChannelApp,
    ChannelCategory,
    Connection,
    InboundWebhook,
    RateBucket,
    SyncState,
)
from omnichannel.errors import Unauthorized
from omnichannel.fulfillment.models import PickupRule, Return, ReturnLine, Shipment
from omnichannel.inventory.models import (
    ConnectionWarehouse,
    Reservation,
    StockLevel,
    StockMovement,
    StockPolicy,
    StockPush,
    Warehouse,
)
from omnichannel.notifications.models import Event, WebhookDelivery, WebhookSubscription
from omnichannel.notifications.services import emit
from omnichannel.orders.models import Order, OrderLine, OrderStatus, RoutingRule
from omnichannel.tenants.models import ApiClient, ApiToken, Tenant
from omnichannel.tenants.services import create_client

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
MODEL_IDS = [model._meta.label for model, _ in REGISTERED]
AUDIT_MODELS = [ApiCallLog, Event, IdempotencyRecord, StockMovement, WebhookDelivery]

APP_CREDENTIALS = {"partner_id": 2001887, "partner_key": "appkey-3e9b1c7d5a2f8046"}
CREDENTIALS = {"shop_cipher": "cred-4f1d9c2b7e8a6f50"}
ACCESS_TOKEN = "access-6b0e3fd1a9c24e7b"
REFRESH_TOKEN = "refresh-91c7d2a84be0f365"
WEBHOOK_SECRET = "whsec-0c5a7e19d3b84f26"


@dataclass
class World:
    """One realistic row of every model, and the secrets that must never be shown."""

    tenant: Tenant
    api_client: ApiClient
    connection: Connection
    order: Order
    secrets: list[str]


def url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class _FormFields(HTMLParser):
    """Collects what a browser would submit from the admin's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        name = attr.get("name", "")
        if tag == "input" and name and attr.get("type") not in {"submit", "button", "file"}:
            if attr.get("type") in {"checkbox", "radio"} and "checked" not in attr:
                return
            default = "on" if attr.get("type") == "checkbox" else ""
            self.fields.setdefault(name, []).append(attr.get("value", default))
        elif tag == "select":
            self._select = name
            self.fields.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attr:
            self.fields[self._select].append(attr.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields[self._textarea][0] = self.fields[self._textarea][0].lstrip("\n")
            self._textarea = None


def form_fields(html: str) -> dict[str, list[str] | str]:
    """The fields of the page's form with their current values, ready to post back."""
    parser = _FormFields()
    parser.feed(html)
    return {
        name: values
        for name, values in parser.fields.items()
        if name != "csrfmiddlewaretoken" and "__prefix__" not in name
    }


def run_action(http: Client, model: type[models.Model], action: str, rows: list) -> str:
    """Run an admin action on ``rows`` as from the changelist; return the page it lands on."""
    response = http.post(
        url(model, "changelist"),
        {"action": action, "_selected_action": [row.pk for row in rows]},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def world(tenant: Tenant) -> World:
    api_client, raw_token = create_client(tenant, "Main WMS", ["admin"])
    # A real API call with an Idempotency-Key: its stored answer holds a new client's token.
    answer = Client().post(
        "/api/v1/api-clients",
        {"tenant_id": tenant.pk, "name": "ERP", "scopes": ["orders:read"]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw_token}", "Idempotency-Key": "create-erp-1"},
    )
    assert answer.status_code == 201, answer.content
    replayable_token = answer.json()["token"]
    assert IdempotencyRecord.objects.filter(key="create-erp-1").exists()

    warehouse = Warehouse.objects.create(tenant=tenant, code="BKK1", name="Bangkok DC")
    shirt = Product.objects.create(
        tenant=tenant, sku="TSHIRT-BLK-M", name="T-shirt black M", price=Decimal("299.00")
    )
    cap = Product.objects.create(tenant=tenant, sku="CAP-RED", name="Red cap")
    bundle = Product.objects.create(tenant=tenant, sku="SET-SUMMER", name="Summer set")
    BundleComponent.objects.create(bundle=bundle, component=shirt, quantity=2)
    BundleComponent.objects.create(bundle=bundle, component=cap, quantity=1)
    app = ChannelApp.objects.create(
        channel="shopee",
        name="4PL partner app",
        api_base_url="https://partner.shopeemobile.com",
        credentials=APP_CREDENTIALS,
    )
    connection = Connection.objects.create(
        tenant=tenant,
        channel="shopee",
        app=app,
        name="Brand A Official",
        external_shop_id="220011",
        region="TH",
        credentials=CREDENTIALS,
        access_token=ACCESS_TOKEN,
        refresh_token=REFRESH_TOKEN,
        token_expires_at=timezone.now() + timedelta(hours=4),
        refresh_expires_at=timezone.now() + timedelta(days=30),
    )
    ConnectionWarehouse.objects.create(connection=connection, warehouse=warehouse, priority=1)
    RoutingRule.objects.create(tenant=tenant, name="Everything to BKK1", warehouse=warehouse)
    SyncState.objects.create(connection=connection, job="orders.pull", runs=3)
    ChannelCategory.objects.create(
        app=app, external_id="100017", name="Phone Cases", refreshed_at=timezone.now()
    )
    RateBucket.objects.create(
        key=f"{connection.pk}:orders:default", tokens=9.5, updated_at=timezone.now()
    )
    InboundWebhook.objects.create(
        channel="shopee",
        dedup_key="3:240601ABCDEF:READY_TO_SHIP",
        connection=connection,
        body='{"code": 3, "data": {"ordersn": "240601ABCDEF"}}',
    )
    listing = Listing.objects.create(
        tenant=tenant,
        connection=connection,
        product=shirt,
        external_item_id="1700001",
        external_variant_id="88001",
        channel_sku="TSHIRT-BLK-M",
        target_qty=12,
        last_pushed_qty=10,
        push_state=Listing.PushState.PENDING,
    )
    StockLevel.objects.create(tenant=tenant, warehouse=warehouse, product=shirt, on_hand=14)
    StockMovement.objects.create(
        tenant=tenant,
        movement_id="GRN-0001",
        type=StockMovement.Type.INBOUND,
        warehouse=warehouse,
        product=shirt,
        quantity=14,
        reference="PO-778",
        occurred_at=timezone.now(),
        content_hash="0" * 64,
    )
    StockPolicy.objects.create(tenant=tenant, product=shirt, safety_stock=2)
    StockPush.objects.create(tenant=tenant, listing=listing, value=12, version=1)
    order = Order.objects.create(
        tenant=tenant,
        connection=connection,
        channel="shopee",
        external_id="240601ABCDEF",
        external_number="240601ABCDEF",
        status=OrderStatus.READY_TO_PROCESS,
        placed_at=timezone.now(),
        currency="THB",
        total=Decimal("598.00"),
    )
    line = OrderLine.objects.create(
        order=order,
        external_line_id="1",
        channel_sku="TSHIRT-BLK-M",
        product=shirt,
        listing=listing,
        quantity=2,
        unit_price=Decimal("299.00"),
        paid_price=Decimal("598.00"),
    )
    Reservation.objects.create(
        tenant=tenant, order_line=line, warehouse=warehouse, product=shirt, quantity=2
    )
    Shipment.objects.create(tenant=tenant, order=order, carrier="Flash", tracking_number="TH123")
    PickupRule.objects.create(tenant=tenant, warehouse=warehouse, name="BKK1 pickups")
    return_request = Return.objects.create(tenant=tenant, order=order, external_id="R-1")
    ReturnLine.objects.create(
        return_request=return_request, product=shirt, sku="TSHIRT-BLK-M", quantity=1
    )
    WebhookSubscription.objects.create(
        tenant=tenant, url="https://wms.example.com/hooks", secret=WEBHOOK_SECRET
    )
    with transaction.atomic():
        emit(tenant, "order.created", "order", order.pk, {"status": order.status})
    assert WebhookDelivery.objects.exists()
    ApiCallLog.objects.create(
        tenant=tenant,
        connection=connection,
        method="GET",
        endpoint="/api/v2/order/get_order_list",
        status_code=200,
        latency_ms=120,
    )
    secrets = [
        APP_CREDENTIALS["partner_key"],
        CREDENTIALS["shop_cipher"],
        ACCESS_TOKEN,
        REFRESH_TOKEN,
        WEBHOOK_SECRET,
        raw_token,
        replayable_token,
        *ApiToken.objects.values_list("token_hash", flat=True),
    ]
    return World(tenant, api_client, connection, order, secrets)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def http(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def can_add(model_admin: admin.ModelAdmin, superuser) -> bool:
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return model_admin.has_add_permission(request)


# --- Every registered model renders ---------------------------------------------------------


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_changelist_renders_with_and_without_search(http, world, model, model_admin):
    assert http.get(url(model, "changelist")).status_code == 200
    if model_admin.search_fields:
        assert http.get(url(model, "changelist"), {"q": "TSHIRT"}).status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_change_page_of_an_existing_row_renders(http, world, model, model_admin):
    row = model._default_manager.first()
    if row is None:
        pytest.skip(f"the fixture world has no {model._meta.label} row")
    assert http.get(url(model, "change", row.pk)).status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=MODEL_IDS)
def test_add_page_renders_where_adding_is_allowed(http, superuser, model, model_admin):
    expected = 200 if can_add(model_admin, superuser) else 403
    assert http.get(url(model, "add")).status_code == expected


def test_the_world_has_a_row_of_every_registered_omnichannel_model(world):
    missing = [
        model._meta.label
        for model, _ in REGISTERED
        if model.__module__.startswith("omnichannel.") and not model._default_manager.exists()
    ]
    assert missing == []


def test_listing_search_finds_by_sku_channel_sku_and_external_id(http, world):
    def found(term: str) -> int:
        return http.get(url(Listing, "changelist"), {"q": term}).context["cl"].result_count

    assert [found(term) for term in ("TSHIRT-BLK-M", "1700001", "88001")] == [1, 1, 1]
    assert found("NO-SUCH-SKU") == 0


def test_listing_list_shows_target_against_last_pushed_and_filters_by_push_state(http, world):
    page = http.get(url(Listing, "changelist"), {"push_state__exact": "pending"})
    assert page.context["cl"].result_count == 1
    html = page.content.decode()
    assert '<td class="field-target_qty">12</td>' in html
    assert '<td class="field-last_pushed_qty">10</td>' in html
    in_sync = http.get(url(Listing, "changelist"), {"push_state__exact": "in_sync"})
    assert in_sync.context["cl"].result_count == 0


# --- Secrets are never shown ----------------------------------------------------------------


def test_no_secret_appears_in_any_admin_page(http, world):
    pages = [http.get("/admin/")]
    for model, _ in REGISTERED:
        pages.append(http.get(url(model, "changelist")))
        pages.append(http.get(url(model, "add")))
        pages.extend(
            http.get(url(model, "change", pk))
            for pk in model._default_manager.values_list("pk", flat=True)
        )
    html = "".join(page.content.decode() for page in pages)
    assert "Brand A Official" in html  # the connection's pages were really rendered
    for secret in world.secrets:
        assert secret not in html


def test_connection_page_tells_which_secrets_are_set_without_showing_them(http, world):
    bare = Connection.objects.create(
        tenant=world.tenant, channel="pos", name="Store 1", external_shop_id="pos-1"
    )
    change = http.get(url(Connection, "change", world.connection.pk)).content.decode()
    assert 'name="access_token"' not in change and 'name="credentials"' not in change
    assert change.count('alt="True"') >= 3  # credentials, access token, refresh token
    bare_page = http.get(url(Connection, "change", bare.pk)).content.decode()
    assert bare_page.count('alt="False"') >= 3


def test_saving_a_connection_in_the_admin_keeps_its_secrets(http, world):
    connection = world.connection
    data = form_fields(http.get(url(Connection, "change", connection.pk)).content.decode())
    data["name"] = "Brand A Flagship"
    response = http.post(url(Connection, "change", connection.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    connection.refresh_from_db()
    assert connection.name == "Brand A Flagship"
    assert connection.credentials == CREDENTIALS
    assert connection.access_token == ACCESS_TOKEN
    assert connection.refresh_token == REFRESH_TOKEN


def test_new_webhook_without_a_secret_gets_one_generated_and_shown_once(http, world):
    response = http.post(
        url(WebhookSubscription, "add"),
        {
            "tenant": world.tenant.pk,
            "url": "https://erp.example.com/in",
            "event_types": "[]",
            "active": "on",
            "new_secret": "",
        },
        follow=True,
    )
    subscription = WebhookSubscription.objects.get(url="https://erp.example.com/in")
    assert len(subscription.secret) >= 32
    assert subscription.secret in response.content.decode()
    later = http.get(url(WebhookSubscription, "change", subscription.pk)).content.decode()
    assert subscription.secret not in later


def test_webhook_secret_is_write_only(http, world):
    subscription = WebhookSubscription.objects.get()
    form = {
        "tenant": world.tenant.pk,
        "url": subscription.url,
        "event_types": '["order.created"]',
        "active": "on",
        "new_secret": "",
    }
    assert http.post(url(WebhookSubscription, "change", subscription.pk), form).status_code == 302
    subscription.refresh_from_db()
    assert subscription.secret == WEBHOOK_SECRET
    assert subscription.event_types == ["order.created"]

    form["new_secret"] = "whsec-rotated-7d2f"
    assert http.post(url(WebhookSubscription, "change", subscription.pk), form).status_code == 302
    subscription.refresh_from_db()
    assert subscription.secret == "whsec-rotated-7d2f"


def test_channel_app_credentials_are_write_only(http, world):
    app = ChannelApp.objects.get()
    data = form_fields(http.get(url(ChannelApp, "change", app.pk)).content.decode())
    assert data["new_credentials"] == [""]
    data["name"] = "4PL partner app (live)"
    assert http.post(url(ChannelApp, "change", app.pk), data).status_code == 302
    app.refresh_from_db()
    assert (app.name, app.credentials) == ("4PL partner app (live)", APP_CREDENTIALS)

    data["new_credentials"] = '{"partner_id": 2001887, "partner_key": "rotated"}'
    assert http.post(url(ChannelApp, "change", app.pk), data).status_code == 302
    app.refresh_from_db()
    assert app.credentials == {"partner_id": 2001887, "partner_key": "rotated"}


def test_a_new_channel_app_needs_credentials(http, world):
    data = form_fields(http.get(url(ChannelApp, "add")).content.decode())
    data.update(
        {"channel": "lazada", "name": "Lazada app", "api_base_url": "https://api.lazada.co.th/rest"}
    )
    page = http.post(url(ChannelApp, "add"), data)
    assert page.status_code == 200
    assert "A new app needs its credentials." in page.content.decode()
    data["new_credentials"] = '{"app_key": "1", "app_secret": "s"}'
    assert http.post(url(ChannelApp, "add"), data).status_code == 302
    assert ChannelApp.objects.get(name="Lazada app").credentials == {
        "app_key": "1",
        "app_secret": "s",
    }


# --- Audit tables are read-only -------------------------------------------------------------


@pytest.mark.parametrize("model", AUDIT_MODELS, ids=[m._meta.label for m in AUDIT_MODELS])
def test_audit_rows_cannot_be_added_changed_or_deleted(http, world, model):
    row = model._default_manager.get()
    assert http.get(url(model, "add")).status_code == 403
    view = http.get(url(model, "change", row.pk))
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert http.post(url(model, "change", row.pk), {}).status_code == 403
    assert http.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model._default_manager.filter(pk=row.pk).exists()


# --- Actions --------------------------------------------------------------------------------


def test_issue_token_action_shows_a_working_token_once(http, world):
    before = set(world.api_client.tokens.values_list("pk", flat=True))
    page = run_action(http, ApiClient, "issue_token", [world.api_client])
    new_token = world.api_client.tokens.exclude(pk__in=before).get()
    assert "Issued 1 token(s)." in page
    raw = re.search(r"New token for .+?: (omni_\S+)", page).group(1)
    assert raw.startswith(new_token.hint)
    assert client_for_token(raw) == world.api_client
    assert raw not in http.get(url(ApiClient, "change", world.api_client.pk)).content.decode()


def test_adding_a_client_in_the_admin_issues_its_first_token(http, world):
    response = http.post(
        url(ApiClient, "add"),
        {
            "tenant": world.tenant.pk,
            "name": "Reporting",
            "scopes": ["orders:read", "stock:read"],
            "active": "on",
            "rate_limit_per_minute": "",
            "tokens-TOTAL_FORMS": "0",
            "tokens-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    client = ApiClient.objects.get(name="Reporting")
    assert client.scopes == ["orders:read", "stock:read"]
    token = client.tokens.get()
    assert f"New token for {client}: {token.hint}" in response.content.decode()


def test_revoke_all_tokens_action_locks_the_client_out(http, world, caller):
    assert caller.get("/api/v1/warehouses").status_code == 200
    page = run_action(http, ApiClient, "revoke_all_tokens", [caller.api_client])
    assert "Revoked 1 token(s)." in page
    assert not caller.api_client.tokens.filter(revoked_at__isnull=True).exists()
    assert caller.get("/api/v1/warehouses").status_code == 401
    assert world.api_client.tokens.filter(revoked_at__isnull=True).exists()


def test_revoke_action_on_tokens(http, world, caller):
    page = run_action(http, ApiToken, "revoke", list(caller.api_client.tokens.all()))
    assert "Revoked 1 token(s)." in page
    with pytest.raises(Unauthorized):
        client_for_token(caller.token)


def test_disable_and_enable_connection_actions(http, world):
    connection = world.connection
    page = run_action(http, Connection, "disable", [connection])
    assert "Disabled 1 connection(s)." in page
    connection.refresh_from_db()
    assert connection.status == Connection.Status.DISABLED
    assert connection.status_reason == "Disabled in the admin by root"

    page = run_action(http, Connection, "enable", [connection])
    assert "Enabled 1 connection(s)." in page
    connection.refresh_from_db()
    assert (connection.status, connection.status_reason) == (Connection.Status.ACTIVE, "")


def test_deactivate_tenant_action_stops_its_api_clients(http, world, caller, other_tenant):
    page = run_action(http, Tenant, "deactivate", [caller.tenant])
    assert "Deactivated 1 tenant(s)." in page
    assert Tenant.objects.get(pk=caller.tenant.pk).active is False
    assert Tenant.objects.get(pk=other_tenant.pk).active is True
    response = caller.get("/api/v1/warehouses")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.client_disabled"


# --- Tenancy in forms and inlines -----------------------------------------------------------


def test_a_listing_cannot_map_another_tenants_product(http, world, other_tenant):
    foreign = Product.objects.create(tenant=other_tenant, sku="B-ONLY", name="B's product")
    response = http.post(
        url(Listing, "add"),
        {
            "tenant": world.tenant.pk,
            "connection": world.connection.pk,
            "product": foreign.pk,
            "external_item_id": "1700999",
            "external_variant_id": "",
            "status": "active",
            "channel_attributes": "{}",
            "channel_data": "{}",
        },
    )
    assert response.status_code == 200
    assert "This belongs to another tenant." in response.content.decode()
    assert not Listing.objects.filter(external_item_id="1700999").exists()


def test_a_shipment_added_inline_takes_its_orders_tenant(http, world):
    order = world.order
    data = form_fields(http.get(url(Order, "change", order.pk)).content.decode())
    data.update(
        {
            "note": "Gift wrap",
            "shipments-TOTAL_FORMS": "2",
            "shipments-1-carrier": "Kerry",
            "shipments-1-tracking_number": "KER-555",
            "shipments-1-status": "pending",
        }
    )
    response = http.post(url(Order, "change", order.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    shipment = Shipment.objects.get(tracking_number="KER-555")
    assert (shipment.order, shipment.tenant) == (order, world.tenant)
    order.refresh_from_db()
    assert order.note == "Gift wrap"
