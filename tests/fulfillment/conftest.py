"""A shop with stock and a shipped order, built through the real services."""

from __future__ import annotations

import re
import zlib
from base64 import a85decode
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from omnichannel.catalog.models import BundleComponent, Product
from omnichannel.catalog.services import create_listing
from omnichannel.channels.models import Connection
from omnichannel.inventory.ledger import MovementInput, post_movements
from omnichannel.inventory.models import ConnectionWarehouse, Warehouse
from omnichannel.orders import services as orders
from omnichannel.orders.models import Order
from omnichannel.unified.orders import Address, OrderLine, OrderStatus, UnifiedOrder

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def shop(tenant) -> SimpleNamespace:
    """A webstore served by JKT (10 tees, 10 mugs; SBY is empty), a tee, a mug and a gift
    bundle (2 tees + 1 mug), each listed on the webstore."""
    jkt = Warehouse.objects.create(
        tenant=tenant,
        code="JKT",
        name="Jakarta DC",
        address={"line1": "Jl. Gudang 1", "city": "Jakarta", "postal_code": "14140"},
    )
    sby = Warehouse.objects.create(tenant=tenant, code="SBY", name="Surabaya DC")
    tee = Product.objects.create(tenant=tenant, sku="TEE", name="Tee")
    mug = Product.objects.create(tenant=tenant, sku="MUG", name="Mug")
    gift = Product.objects.create(tenant=tenant, sku="GIFT", name="Gift set")
    BundleComponent.objects.create(bundle=gift, component=tee, quantity=2)
    BundleComponent.objects.create(bundle=gift, component=mug, quantity=1)
    web = Connection.objects.create(
        tenant=tenant, channel="woocommerce", name="Webstore", external_shop_id="web"
    )
    ConnectionWarehouse.objects.create(connection=web, warehouse=jkt, priority=1)
    ConnectionWarehouse.objects.create(connection=web, warehouse=sby, priority=2)
    listings = {
        product.sku: create_listing(web, {"external_item_id": f"item-{product.sku}"}, product.sku)
        for product in (tee, mug, gift)
    }
    post_movements(
        tenant,
        [MovementInput(f"grn-{sku}", "inbound", "JKT", sku, 10, T0) for sku in ("TEE", "MUG")],
    )
    return SimpleNamespace(
        tenant=tenant, jkt=jkt, sby=sby, tee=tee, mug=mug, gift=gift, web=web, listings=listings
    )


def place_order(
    shop: SimpleNamespace,
    lines: list[tuple[str, int]],
    external_id: str = "WEB-1001",
    channel: str = "woocommerce",
    connection: Connection | None = None,
) -> Order:
    """An order placed on the webstore and routed (stock reserved in JKT)."""
    incoming = UnifiedOrder(
        channel=channel,
        external_id=external_id,
        external_number=f"#{external_id}",
        type="webstore",
        status=OrderStatus.READY_TO_PROCESS,
        channel_status="processing",
        created_at=T0,
        updated_at=T0,
        currency="IDR",
        total=Decimal("250000"),
        shipping_address=Address(
            name="Siti Rahma",
            phone="+62 812 0000 111",
            line1="Jl. Melati 7",
            city="Bandung",
            province="Jawa Barat",
            postal_code="40115",
            country="ID",
        ),
        lines=[
            OrderLine(
                external_line_id=str(n),
                channel_sku=sku,
                name=sku.title(),
                quantity=quantity,
                unit_price=Decimal("50000"),
            )
            for n, (sku, quantity) in enumerate(lines, start=1)
        ],
    )
    return orders.ingest(connection or shop.web, incoming).order


def ship(order: Order) -> Order:
    for action in ("accept", "pack", "ship"):
        order = orders.perform(order, action)
    return order


@pytest.fixture
def shipped_order(shop) -> Order:
    """2 tees, 1 mug and 1 gift set, shipped from JKT: 6 tees and 8 mugs remain."""
    return ship(place_order(shop, [("TEE", 2), ("MUG", 1), ("GIFT", 1)]))


def pdf_streams(pdf: bytes) -> str:
    """Every stream of a reportlab PDF, decompressed: the page's drawing operators."""
    chunks = []
    for header, body in re.findall(rb"<<([^<>]*)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        if b"ASCII85Decode" in header:
            body = a85decode(body.strip().removesuffix(b"~>"), ignorechars=b"\r\n ")
        if b"FlateDecode" in header:
            body = zlib.decompress(body)
        chunks.append(body.decode("latin-1"))
    return "\n".join(chunks)


def pdf_page_text(pdf: bytes) -> str:
    """The strings the page shows (the operands of ``Tj``), one per line, unescaped."""
    shown = re.findall(r"\(((?:\\.|[^\\)])*)\) Tj", pdf_streams(pdf))
    return "\n".join(
        re.sub(
            r"\\([0-7]{3}|.)",
            lambda m: chr(int(m[1], 8)) if len(m[1]) == 3 else m[1],
            literal,
        )
        for literal in shown
    )
