"""Levels and reservations held in hand for a batch (``inventory.levels.written_once``).

Inside the block a level is read once and written once, when it ends; what a handled
error's savepoint rolls back is put back in hand as it was (``restored_on_error``).
"""

import pytest
from django.db import transaction

from omnichannel.catalog.models import Product
from omnichannel.inventory.levels import (
    flush_writes,
    locked_levels,
    restored_on_error,
    write_levels,
    written_once,
)
from omnichannel.inventory.models import StockLevel, Warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairs(tenant) -> tuple[tuple[int, int], tuple[int, int]]:
    warehouse = Warehouse.objects.create(tenant=tenant, code="WH", name="WH")
    stocked = Product.objects.create(tenant=tenant, sku="STOCKED", name="Stocked")
    empty = Product.objects.create(tenant=tenant, sku="EMPTY", name="Empty")
    StockLevel.objects.create(tenant=tenant, warehouse=warehouse, product=stocked, on_hand=10)
    return (stocked.pk, warehouse.pk), (empty.pk, warehouse.pk)


def stored(pair: tuple[int, int]) -> tuple[int, int] | None:
    level = StockLevel.objects.filter(product_id=pair[0], warehouse_id=pair[1]).first()
    return (level.on_hand, level.reserved) if level else None


def reserve(tenant, pair: tuple[int, int], units: int) -> None:  # noqa: ANN001
    level = locked_levels(tenant.pk, [pair])[pair]
    level.reserved += units
    write_levels([level])


def test_levels_are_handed_out_again_and_written_when_the_block_ends(tenant, pairs):
    stocked, empty = pairs
    with transaction.atomic(), written_once():
        reserve(tenant, stocked, 2)
        reserve(tenant, stocked, 3)
        reserve(tenant, empty, 1)
        assert stored(stocked) == (10, 0) and stored(empty) is None  # not written yet

    assert stored(stocked) == (10, 5)
    assert stored(empty) == (0, 1)


def test_an_error_in_the_block_writes_nothing(tenant, pairs):
    stocked, _ = pairs
    with pytest.raises(RuntimeError), transaction.atomic(), written_once():
        reserve(tenant, stocked, 2)
        raise RuntimeError

    assert stored(stocked) == (10, 0)


@pytest.mark.parametrize("flushed_inside", [False, True])
def test_a_handled_error_puts_the_levels_back_as_they_were(tenant, pairs, flushed_inside):
    stocked, empty = pairs
    with transaction.atomic(), written_once():
        reserve(tenant, stocked, 2)
        reserve(tenant, empty, 1)  # a new level, not inserted yet
        with pytest.raises(RuntimeError), restored_on_error(), transaction.atomic():
            reserve(tenant, stocked, 5)
            reserve(tenant, empty, 4)
            if flushed_inside:
                flush_writes()  # written in the savepoint, then rolled back with it
            raise RuntimeError
        reserve(tenant, stocked, 1)

    assert stored(stocked) == (10, 3)
    assert stored(empty) == (0, 1)
