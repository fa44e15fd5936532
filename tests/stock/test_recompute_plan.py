"""A stock change finds the listings to recompute through the product index, whatever the
size of the catalog: on PostgreSQL, ``product_id IN (…) OR product_id IN (SELECT …)``
could only be answered by walking the whole listing table (10 ms a movement at 60,000
listings)."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from omnichannel.catalog.models import Listing, Product
from omnichannel.inventory import sql
from omnichannel.inventory.targets import CHUNK

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner"),
]


def the_recompute_read(tenant_id: int, product_ids: list[int]) -> tuple[str, list]:
    """The listings' part of the recompute read, and its parameters."""
    chunk = sql.locked_chunk_of_products(tenant_id, product_ids, 0, CHUNK)
    statement = (
        f"WITH sold AS MATERIALIZED ({chunk.products}),"
        f" chunk AS MATERIALIZED ({chunk.listings}) SELECT id FROM chunk"
    )
    return statement, [*chunk.products_params, *chunk.listings_params]


def plan_of_the_recompute_read(tenant_id: int, product_ids: list[int]) -> str:
    statement, params = the_recompute_read(tenant_id, product_ids)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_listing, catalog_product, catalog_bundlecomponent")
        cursor.execute(f"EXPLAIN {statement}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def generic_plan_of_the_recompute_read(tenant_id: int, product_ids: list[int]) -> str:
    """Its plan prepared and made without the values, as PostgreSQL may run it."""
    statement, params = the_recompute_read(tenant_id, product_ids)
    numbered = iter(range(1, len(params) + 1))
    prepared = re.sub("%s", lambda _: f"${next(numbered)}", statement)
    types = ", ".join("bigint" if isinstance(value, int) else "text" for value in params)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_listing, catalog_product, catalog_bundlecomponent")
        cursor.execute(f"PREPARE recompute_read ({types}) AS {prepared}")
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(f"EXPLAIN EXECUTE recompute_read ({', '.join(map(literal, params))})")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET plan_cache_mode")
            cursor.execute("DEALLOCATE recompute_read")


def literal(value: int | str) -> str:
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def a_catalog_of_shirts_and_others(tenant, product, shop, listing) -> Product:  # noqa: ANN001
    """A shirt, in a kit of two, both listed on four shops beside 1,000 other products
    listed on each; returns the shirt."""
    shirt = product("SHIRT")
    kit = product("KIT", {shirt: 2})
    shops = [shop(f"shop-{n}") for n in range(4)]
    for n, connection_ in enumerate(shops):
        listing(connection_, kit if n == 3 else shirt)
    others = Product.objects.bulk_create(
        Product(tenant=tenant, sku=f"OTHER-{n}", name="other") for n in range(1000)
    )
    Listing.objects.bulk_create(
        Listing(tenant=tenant, connection=s, product=p, external_item_id=f"{s.pk}-{p.sku}")
        for p in others
        for s in shops
    )
    return shirt


def test_the_listings_of_changed_products_and_their_bundles_are_found_by_product(
    tenant, product, shop, listing
):
    shirt = a_catalog_of_shirts_and_others(tenant, product, shop, listing)

    plan = plan_of_the_recompute_read(tenant.pk, [shirt.pk])

    assert "Seq Scan on catalog_listing" not in plan, plan
    assert "Index Cond: (product_id = " in plan, plan


def test_its_generic_plan_finds_them_by_product_too(tenant, product, shop, listing):
    """Prepared, the read may be run with a generic plan, made without its values."""
    shirt = a_catalog_of_shirts_and_others(tenant, product, shop, listing)

    plan = generic_plan_of_the_recompute_read(tenant.pk, [shirt.pk])

    assert "Seq Scan on catalog_listing" not in plan, plan
    assert "Index Scan using catalog_listing_pkey" not in plan, plan
