"""The demo: a tenant with a warehouse, stocked products, a POS shop, an admin user and a
token, and (under ``omni up --demo``) a Shopee shop on the sandbox running beside the service.

``omni up --demo`` calls :func:`ensure_demo` on every start. Each part is a function that
creates its rows only when they are missing, so a part added later appears in an existing
demo on its next start. The admin password and the API token are printed only when created:
only their hashes are stored, so they cannot be shown again. The sandbox shop is connected
again on every start (``demo_sandbox``), because the sandbox forgets everything when it stops.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from omnichannel.catalog.models import Listing, Product
from omnichannel.catalog.services import create_listing, create_product
from omnichannel.channels.models import Channel, Connection
from omnichannel.channels.services import create_direct_connection
from omnichannel.demo_sandbox import SandboxShop, connect_sandbox_shop
from omnichannel.inventory.ledger import MovementInput, post_movements
from omnichannel.inventory.models import ConnectionWarehouse, StockMovement, Warehouse
from omnichannel.sandbox.shopee.seed import DEMO_SHOP_ID
from omnichannel.tenants.models import SCOPES, ApiClient, Tenant
from omnichannel.tenants.services import create_client

TENANT_NAME = "Demo Brand"
ADMIN_USERNAME = "admin"
CLIENT_NAME = "demo-wms"
WAREHOUSE_CODE = "DEMO-WH"
POS_SHOP_ID = "demo-pos"
# The SKUs of the Shopee sandbox's demo shop (sandbox/shopee/seed.py, which the channel tests
# rely on too), so that its items map to these products when the demo pulls its catalog.
PRODUCTS = [
    {"sku": "DEMO-TEE-S", "name": "Basic tee, S", "price": "15.00", "weight_g": 200},
    {"sku": "DEMO-TEE-M", "name": "Basic tee, M", "price": "15.00", "weight_g": 200},
    {"sku": "DEMO-TEE-L", "name": "Basic tee, L", "price": "15.00", "weight_g": 220},
    {"sku": "DEMO-MUG", "name": "Harbor ceramic mug", "price": "9.00", "weight_g": 350},
    {"sku": "DEMO-CASE-BLK", "name": "Aurora phone case, black", "price": "12.90", "weight_g": 60},
    {"sku": "DEMO-CASE-WHT", "name": "Aurora phone case, white", "price": "12.90", "weight_g": 60},
    {"sku": "DEMO-CABLE-1M", "name": "Nimbus USB-C cable, 1 m", "price": "7.50", "weight_g": 40},
]
CURRENCY = "SGD"  # the sandbox shop's region is Singapore
BUNDLE = {"sku": "GIFT-SET", "name": "Gift set: tee (M) and mug", "price": "22.00"}
BUNDLE_COMPONENTS = [("DEMO-TEE-M", 1), ("DEMO-MUG", 1)]
INITIAL_STOCK = 20
"""Units of each product received into the demo warehouse once (an inbound movement)."""


@dataclass
class DemoCredentials:
    """What was created on this call; None where it existed already."""

    admin_password: str | None
    api_token: str | None


def ensure_demo(
    base_url: str = "http://127.0.0.1:8000", sandbox_url: str | None = None
) -> DemoCredentials:
    """Create whatever part of the demo is missing and say how to use it; with
    ``sandbox_url`` (a running Shopee sandbox), connect its demo shop too."""
    with transaction.atomic():
        tenant = demo_tenant()
        credentials = DemoCredentials(admin_password=demo_admin(), api_token=demo_client(tenant))
        warehouse = demo_warehouse(tenant)
        demo_products(tenant)
        demo_pos_shop(tenant, warehouse)
        demo_stock(tenant)
    print_credentials(credentials, base_url)
    if sandbox_url:
        shop = connect_sandbox_shop(tenant, warehouse, sandbox_url, base_url)
        print_sandbox_shop(shop, sandbox_url, base_url)
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
    return {**fields, "price": Decimal(fields["price"]), "currency": CURRENCY}


def demo_stock(tenant: Tenant) -> None:
    """Receive ``INITIAL_STOCK`` of each product into the demo warehouse, through the stock
    ledger as a WMS would (so every listing's target follows), once per product."""
    movement_ids = {f"demo-initial-{fields['sku']}": fields["sku"] for fields in PRODUCTS}
    posted = set(
        StockMovement.objects.filter(tenant=tenant, movement_id__in=movement_ids).values_list(
            "movement_id", flat=True
        )
    )
    now = datetime.now(UTC)
    movements = [
        MovementInput(movement_id, "inbound", WAREHOUSE_CODE, sku, INITIAL_STOCK, now)
        for movement_id, sku in movement_ids.items()
        if movement_id not in posted
    ]
    if movements:
        post_movements(tenant, movements)


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
    print(
        f"\nDemo tenant '{TENANT_NAME}': warehouse {WAREHOUSE_CODE} with stock, products, "
        "a POS shop."
    )
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


def print_sandbox_shop(shop: SandboxShop, sandbox_url: str, base_url: str) -> None:
    """Where the marketplace shop is, and the one line that places a buyer's order in it."""
    connection = shop.connection
    print(f"Shopee sandbox on {sandbox_url}: shop {DEMO_SHOP_ID} authorized as connection")
    print(
        f"  {connection.pk} '{connection.name}' ({connection.fulfillment_mode} fulfillment), "
        f"{shop.mapped}/{shop.listings} listings mapped, {shop.in_sync} in sync."
    )
    print(f"  Pushes go to {shop.push_url}")
    print("  Place a buyer order:  omni sandbox order --sku DEMO-TEE-M --qty 2 --pay")
    print(f"  Watch it:             {base_url}/admin/orders/order/", flush=True)
