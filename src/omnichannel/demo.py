"""The demo: a tenant with a warehouse, products, a POS shop, an admin user and a token.

``omni up --demo`` calls :func:`ensure_demo` on every start. Each part is a function that
creates its rows only when they are missing, so a part added later (a sandbox shop, say)
appears in an existing demo on its next start. The admin password and the API token are
printed only when created: only their hashes are stored, so they cannot be shown again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from omnichannel.catalog.models import Listing, Product
from omnichannel.catalog.services import create_listing, create_product
from omnichannel.channels.models import Channel, Connection
from omnichannel.channels.services import create_direct_connection
from omnichannel.inventory.models import ConnectionWarehouse, Warehouse
from omnichannel.tenants.models import SCOPES, ApiClient, Tenant
from omnichannel.tenants.services import create_client

TENANT_NAME = "Demo Brand"
ADMIN_USERNAME = "admin"
CLIENT_NAME = "demo-wms"
WAREHOUSE_CODE = "DEMO-WH"
POS_SHOP_ID = "demo-pos"
PRODUCTS = [
    {"sku": "TEE-BLK-M", "name": "T-shirt, black, M", "price": "149000", "weight_g": 200},
    {"sku": "TEE-WHT-M", "name": "T-shirt, white, M", "price": "149000", "weight_g": 200},
    {"sku": "MUG-LOGO", "name": "Logo mug", "price": "89000", "weight_g": 350},
]
BUNDLE = {"sku": "GIFT-SET", "name": "Gift set: black tee and mug", "price": "219000"}
BUNDLE_COMPONENTS = [("TEE-BLK-M", 1), ("MUG-LOGO", 1)]


@dataclass
class DemoCredentials:
    """What was created on this call; None where it existed already."""

    admin_password: str | None
    api_token: str | None


def ensure_demo(base_url: str = "http://127.0.0.1:8000") -> DemoCredentials:
    """Create whatever part of the demo is missing and say how to use it."""
    with transaction.atomic():
        tenant = demo_tenant()
        credentials = DemoCredentials(admin_password=demo_admin(), api_token=demo_client(tenant))
        warehouse = demo_warehouse(tenant)
        demo_products(tenant)
        demo_pos_shop(tenant, warehouse)
    print_credentials(credentials, base_url)
    return credentials


def demo_tenant() -> Tenant:
    return Tenant.objects.get_or_create(name=TENANT_NAME)[0]


def demo_admin() -> str | None:
    """A superuser with a random password; an existing ``admin`` user is left alone."""
    user_model = get_user_model()
    if user_model.objects.filter(username=ADMIN_USERNAME).exists():
        return None
    password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", password)
    return password


def demo_client(tenant: Tenant) -> str | None:
    """An API client with every scope, as a WMS would have; returns its first token."""
    if ApiClient.objects.filter(tenant=tenant, name=CLIENT_NAME).exists():
        return None
    _, token = create_client(tenant, CLIENT_NAME, list(SCOPES))
    return token


def demo_warehouse(tenant: Tenant) -> Warehouse:
    return Warehouse.objects.get_or_create(
        tenant=tenant,
        code=WAREHOUSE_CODE,
        defaults={"name": "Demo fulfilment centre", "address": {"city": "Jakarta"}},
    )[0]


def demo_products(tenant: Tenant) -> None:
    """A few plain products and one virtual bundle made of two of them."""
    for fields in PRODUCTS:
        if not Product.objects.filter(tenant=tenant, sku=fields["sku"]).exists():
            create_product(tenant, demo_product_fields(fields), components=[])
    if not Product.objects.filter(tenant=tenant, sku=BUNDLE["sku"]).exists():
        create_product(tenant, demo_product_fields(BUNDLE), components=BUNDLE_COMPONENTS)


def demo_product_fields(fields: dict) -> dict:
    return {**fields, "price": Decimal(fields["price"]), "currency": "IDR"}


def demo_pos_shop(tenant: Tenant, warehouse: Warehouse) -> Connection:
    """A POS connection served by the demo warehouse, listing every demo product."""
    shop = Connection.objects.filter(
        tenant=tenant, channel=Channel.POS, external_shop_id=POS_SHOP_ID
    ).first()
    if shop is None:
        shop = create_direct_connection(
            tenant, Channel.POS, {"name": "Demo store POS", "external_shop_id": POS_SHOP_ID}
        )
    ConnectionWarehouse.objects.get_or_create(connection=shop, warehouse=warehouse)
    for product in Product.objects.filter(tenant=tenant).order_by("pk"):
        if not Listing.objects.filter(connection=shop, external_item_id=product.sku).exists():
            create_listing(
                shop,
                {"external_item_id": product.sku, "channel_sku": product.sku, "name": product.name},
                product.sku,
            )
    return shop


def print_credentials(credentials: DemoCredentials, base_url: str) -> None:
    """Secrets are printed only on the run that created them; later runs say how to renew."""
    print(f"\nDemo tenant '{TENANT_NAME}': warehouse {WAREHOUSE_CODE}, products, a POS shop.")
    if credentials.admin_password:
        print(f"  Admin      {base_url}/admin/")
        print(f"             user {ADMIN_USERNAME}  password {credentials.admin_password}")
    else:
        print(f"  Admin      {base_url}/admin/  user '{ADMIN_USERNAME}' exists")
        print(f"             (new password: omni manage changepassword {ADMIN_USERNAME})")
    if credentials.api_token:
        print(f"  API token  {credentials.api_token}  (client '{CLIENT_NAME}', all scopes)")
        print(
            f'  Try it     curl -H "Authorization: Bearer {credentials.api_token}" '
            f"{base_url}/api/v1/warehouses"
        )
    else:
        print(f"  API token  exists (client '{CLIENT_NAME}'); issue another with:")
        print(f"             omni token create --tenant '{TENANT_NAME}' --name {CLIENT_NAME}")
    if credentials.admin_password or credentials.api_token:
        print("  Shown once: store them now.")
    print(flush=True)
