import itertools
from types import SimpleNamespace

import pytest

from omnichannel.catalog.models import BundleComponent, Product
from omnichannel.inventory.models import Warehouse
from omnichannel.tenants.models import Tenant

from .factories import link, listing, shop, stock


def build_world(tenant: Tenant) -> SimpleNamespace:
    """A Shopee shop and a POS, served by two warehouses (JKT first), with a tee, a mug and
    a gift bundle (2 tees + 1 mug) listed on the shop; JKT holds 10 tees and 10 mugs."""
    jkt = Warehouse.objects.create(tenant=tenant, code="JKT", name="Jakarta")
    sby = Warehouse.objects.create(tenant=tenant, code="SBY", name="Surabaya")
    tee = Product.objects.create(tenant=tenant, sku="TEE", name="Tee", category="apparel")
    mug = Product.objects.create(tenant=tenant, sku="MUG", name="Mug", category="home")
    gift = Product.objects.create(tenant=tenant, sku="GIFT", name="Gift set")
    BundleComponent.objects.create(bundle=gift, component=tee, quantity=2)
    BundleComponent.objects.create(bundle=gift, component=mug, quantity=1)
    shopee = shop(tenant)
    pos = shop(tenant, "pos", "Store")
    link(shopee, jkt, 1)
    link(shopee, sby, 2)
    link(pos, sby, 1)
    for product, item in ((tee, "100"), (mug, "200"), (gift, "300")):
        listing(shopee, product, item)
    stock(jkt, tee, 10)
    stock(jkt, mug, 10)
    return SimpleNamespace(
        tenant=tenant, jkt=jkt, sby=sby, tee=tee, mug=mug, gift=gift, shopee=shopee, pos=pos
    )


@pytest.fixture
def world(tenant) -> SimpleNamespace:
    return build_world(tenant)


@pytest.fixture
def world_factory(db):
    """A fresh world per call, for property tests whose examples share one test database."""
    counter = itertools.count()
    return lambda: build_world(Tenant.objects.create(name=f"world-{next(counter)}"))
