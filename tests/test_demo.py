"""The demo: created once, safe on every start, and its printed credentials work."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from omnichannel.catalog.models import BundleComponent, Listing, Product
from omnichannel.channels.models import Connection
from omnichannel.demo import INITIAL_STOCK, PRODUCTS, ensure_demo
from omnichannel.inventory.models import (
    ConnectionWarehouse,
    StockLevel,
    StockMovement,
    Warehouse,
)
from omnichannel.tenants.models import ApiClient, ApiToken, Tenant

pytestmark = pytest.mark.django_db

MODELS = [
    Tenant,
    get_user_model(),
    ApiClient,
    ApiToken,
    Warehouse,
    Product,
    BundleComponent,
    Connection,
    ConnectionWarehouse,
    Listing,
    StockMovement,
    StockLevel,
]


def printed_credentials(output: str) -> tuple[str, str]:
    password = re.search(r"user admin\s+password (\S+)", output)
    token = re.search(r"API token\s+(omni_\S+)", output)
    assert password and token, output
    return password.group(1), token.group(1)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_first_run_prints_an_admin_login_that_works(capsys):
    ensure_demo()
    password, _ = printed_credentials(capsys.readouterr().out)
    browser = Client()

    response = browser.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": password}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_first_run_prints_a_token_that_lists_the_demo_warehouse(capsys):
    ensure_demo()
    _, token = printed_credentials(capsys.readouterr().out)

    response = Client().get("/api/v1/warehouses", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200, response.content
    assert [w["code"] for w in response.json()["items"]] == ["DEMO-WH"]


def test_demo_has_products_a_bundle_and_a_pos_shop_served_by_the_warehouse(capsys):
    ensure_demo()

    tenant = Tenant.objects.get(name="Demo Brand")
    bundle = Product.objects.get(tenant=tenant, sku="GIFT-SET")
    assert sorted(bundle.components.values_list("component__sku", flat=True)) == [
        "DEMO-MUG",
        "DEMO-TEE-M",
    ]
    shop = Connection.objects.get(tenant=tenant, channel="pos")
    assert list(shop.warehouse_links.values_list("warehouse__code", flat=True)) == ["DEMO-WH"]
    assert shop.listings.count() == Product.objects.filter(tenant=tenant).count() == 8


def test_demo_stock_is_received_once_and_every_listing_offers_it(capsys):
    ensure_demo()
    ensure_demo()

    levels = StockLevel.objects.filter(warehouse__code="DEMO-WH")
    assert sorted(levels.values_list("product__sku", "on_hand")) == sorted(
        (product["sku"], INITIAL_STOCK) for product in PRODUCTS
    )
    assert StockMovement.objects.filter(type="inbound").count() == len(PRODUCTS)
    pos = Listing.objects.filter(connection__channel="pos")
    assert set(pos.values_list("target_qty", flat=True)) == {INITIAL_STOCK}


def test_without_a_sandbox_the_demo_has_no_marketplace_shop(capsys):
    ensure_demo()

    assert not Connection.objects.filter(channel="shopee").exists()


def test_second_run_creates_nothing_and_prints_no_secret(capsys):
    first = ensure_demo()
    counts = row_counts()
    capsys.readouterr()

    second = ensure_demo()
    output = capsys.readouterr().out

    assert row_counts() == counts
    assert first.api_token and first.admin_password
    assert second.api_token is None and second.admin_password is None
    assert first.api_token not in output and first.admin_password not in output
    assert "omni token create --tenant 'Demo Brand' --name demo-wms" in output


def test_an_existing_admin_user_keeps_its_password(capsys):
    get_user_model().objects.create_superuser("admin", "ops@example.com", "operator-secret")

    credentials = ensure_demo()

    assert credentials.admin_password is None
    assert Client().login(username="admin", password="operator-secret")
    assert "user 'admin' exists" in capsys.readouterr().out
