"""The outbound call budget per connection: built-in rates per call family, overridden per
channel by settings without losing the families the override does not name."""

from __future__ import annotations

import pytest

from omnichannel.channels.models import Connection
from omnichannel.channels.transport import DEFAULT_RATES, DatabaseRateLimiter
from omnichannel.tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(name="shop")
def shop_fixture() -> Connection:
    tenant = Tenant.objects.create(name="Brand")
    return Connection.objects.create(tenant=tenant, channel="shopee", external_shop_id="1")


def test_fulfilment_and_returns_calls_have_their_own_budget_not_the_auth_trickle(shop):
    limiter = DatabaseRateLimiter(shop)

    assert limiter.rate("logistics") == DEFAULT_RATES["logistics"] > DEFAULT_RATES["auth"]
    assert limiter.rate("returns") == DEFAULT_RATES["returns"] > DEFAULT_RATES["auth"]


def test_an_override_changes_the_families_it_names_and_keeps_the_others(shop):
    limiter = DatabaseRateLimiter(shop, {"stock": 40.0})

    assert limiter.rate("stock") == 40.0
    assert limiter.rate("orders") == DEFAULT_RATES["orders"]
    assert limiter.rate("auth") == DEFAULT_RATES["auth"]


def test_a_family_nobody_named_gets_the_smallest_budget(shop):
    assert DatabaseRateLimiter(shop).rate("reports") == min(DEFAULT_RATES.values())
