"""``inventory.sql.one_of`` tests a column against a list of values: an ``IN`` list on
SQLite; on PostgreSQL one array parameter, so that a statement reads the same however many
values a batch has, and each connection parses it once; one value as itself."""

from __future__ import annotations

import pytest
from django.db import connection

from omnichannel.catalog.models import Product
from omnichannel.inventory.sql import fetch, one_of, table

pytestmark = pytest.mark.django_db

AWKWARD_SKUS = ['QUOTE-"1"', "BACKSLASH-\\", "COMMA,SPACE ", "{BRACES}", "NULL", "ÜMLAUT"]


def skus_found(skus: list[str]) -> list[str]:
    among = one_of(skus, "text")
    rows = fetch(
        f"SELECT sku FROM {table(Product)} WHERE sku {among.sql} ORDER BY sku", among.params
    )
    return [sku for (sku,) in rows]


def test_the_rows_with_any_of_the_values_are_found_whatever_their_characters(tenant):
    for sku in [*AWKWARD_SKUS, "PLAIN", "OTHER"]:
        Product.objects.create(tenant=tenant, sku=sku, name=sku)

    assert skus_found([*AWKWARD_SKUS, "MISSING"]) == sorted(AWKWARD_SKUS)
    assert skus_found(["PLAIN"]) == ["PLAIN"]


def test_ids_are_matched_as_numbers(tenant):
    products = [Product.objects.create(tenant=tenant, sku=f"P-{n}", name="p") for n in range(3)]
    among = one_of([products[0].pk, products[2].pk])

    rows = fetch(f"SELECT sku FROM {table(Product)} WHERE id {among.sql} ORDER BY id", among.params)

    assert rows == [("P-0",), ("P-2",)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's arrays")
def test_on_postgresql_the_statement_reads_the_same_for_any_number_of_values_from_two():
    statements = {one_of(range(count)).sql for count in (2, 3, 50, 1000)}

    assert statements == {"= ANY(%s::bigint[])"}
    assert one_of(range(1000)).params == ["{" + ",".join(map(str, range(1000))) + "}"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's arrays")
def test_on_postgresql_one_value_is_compared_as_itself():
    assert one_of([7]) == ("= %s", [7])
    assert one_of(["SKU-1"], "text") == ("= %s", ["SKU-1"])
