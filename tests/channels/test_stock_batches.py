"""How a stock drain cuts pending listings into calls, and records a batch's answers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from omnichannel.catalog.models import Listing
from omnichannel.channels.stock_sync import batches, record_successes
from omnichannel.inventory.models import StockPush


def listings(*models_per_item: int) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(external_item_id=f"item-{item}", external_variant_id=str(model))
        for item, models in enumerate(models_per_item)
        for model in range(models)
    ]


def items_per_batch(cut: list[list[SimpleNamespace]]) -> list[list[str]]:
    return [sorted({x.external_item_id for x in batch}) for batch in cut]


def test_an_item_is_not_split_over_two_calls_when_it_fits_in_one():
    cut = batches(listings(30, 30, 30), size=50)

    # Plain chunks of 50 would be 50 + 40 and split the second item: 4 Shopee calls, not 3.
    assert [len(batch) for batch in cut] == [30, 30, 30]
    assert all(len(items) == 1 for items in items_per_batch(cut))


def test_an_item_larger_than_a_batch_is_split_and_the_rest_shares_a_batch():
    cut = batches(listings(120, 5), size=50)

    assert sorted(len(batch) for batch in cut) == [25, 50, 50]
    assert sum(len(batch) for batch in cut) == 125
    assert ["item-0", "item-1"] in items_per_batch(cut)  # the item's last 20 and the 5


def test_single_variant_items_fill_batches_as_plain_chunks_do():
    cut = batches(listings(*[1] * 120), size=50)

    assert [len(batch) for batch in cut] == [50, 50, 20]


def test_a_channel_taking_one_listing_per_call_gets_one_batch_each():
    assert [len(batch) for batch in batches(listings(3, 2), size=1)] == [1] * 5


@pytest.mark.django_db
def test_a_success_for_a_value_the_target_moved_past_leaves_the_listing_pending(demo_world):
    current, moved = Listing.objects.filter(connection=demo_world.shop, target_qty__gt=0)[:2]
    pushes = [
        StockPush.objects.create(
            tenant_id=x.tenant_id, listing=x, value=x.target_qty, version=x.push_version,
            state=StockPush.State.SUBMITTED,
        )
        for x in (current, moved)
    ]  # fmt: skip
    Listing.objects.filter(pk=moved.pk).update(target_qty=moved.target_qty + 5)

    record_successes(pushes, calls=[])

    current.refresh_from_db()
    moved.refresh_from_db()
    assert (current.push_state, current.last_pushed_qty) == ("in_sync", pushes[0].value)
    assert (moved.push_state, moved.last_pushed_qty) == ("pending", pushes[1].value)
    assert set(StockPush.objects.values_list("state", flat=True)) == {"success"}
    assert StockPush.objects.get(pk=pushes[0].pk).answer["ok"] is True
