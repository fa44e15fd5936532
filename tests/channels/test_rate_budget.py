"""The outbound call budget per connection: built-in rates per call family, overridden per
channel by settings without losing the families the override does not name; one budget
shared by every process through the database, per lane, held back by a 429."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omnichannel.channels.models import Connection
from omnichannel.channels.transport import BURST_SECONDS, DEFAULT_RATES, DatabaseRateLimiter
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


# SQLite measures time between two stored times through julianday(), a float of days:
# about 0.1 ms is lost on the way, harmless for a budget of calls per second.
SQLITE_TIME_GRAIN = 1e-3


def about(seconds: float) -> object:
    return pytest.approx(seconds, abs=SQLITE_TIME_GRAIN)


class Clock:
    """A hand-moved clock, so refills are exact."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_two_limiters_of_one_connection_spend_one_shared_budget(shop):
    clock = Clock()
    worker_a = DatabaseRateLimiter(shop, {"stock": 2.0}, clock=clock)
    worker_b = DatabaseRateLimiter(shop, {"stock": 2.0}, clock=clock)
    burst = int(2.0 * BURST_SECONDS)

    waits = [worker_a.acquire("stock", "realtime") for _ in range(burst)]

    assert waits == [0.0] * burst
    assert worker_b.acquire("stock", "realtime") == about(0.5)
    assert worker_a.acquire("stock", "realtime") == about(1.0)


def test_the_budget_refills_at_the_rate_and_never_beyond_the_burst(shop):
    clock = Clock()
    limiter = DatabaseRateLimiter(shop, {"stock": 2.0}, clock=clock)
    for _ in range(5):
        limiter.acquire("stock", "realtime")  # the burst of 4, and one in debt

    clock.advance(1.0)  # two calls' worth: the debt repaid, one left
    assert limiter.acquire("stock", "realtime") == about(0.0)
    assert limiter.acquire("stock", "realtime") == about(0.5)

    clock.advance(3600)
    waits = [limiter.acquire("stock", "realtime") for _ in range(5)]
    assert waits[:4] == [0.0] * 4 and waits[4] == about(0.5)


def test_a_clock_behind_the_bucket_refills_nothing(shop):
    clock = Clock()
    ahead = DatabaseRateLimiter(shop, {"stock": 2.0}, clock=clock)
    for _ in range(4):
        ahead.acquire("stock", "realtime")

    clock.advance(-10.0)
    behind = DatabaseRateLimiter(shop, {"stock": 2.0}, clock=clock)

    assert behind.acquire("stock", "realtime") == about(0.5)


def test_lanes_and_connections_have_budgets_of_their_own(shop):
    clock = Clock()
    other_shop = Connection.objects.create(
        tenant=shop.tenant, channel="shopee", external_shop_id="2"
    )
    limiter = DatabaseRateLimiter(shop, {"catalog": 1.0, "stock": 1.0}, clock=clock)
    for _ in range(10):
        limiter.acquire("catalog", "bulk")

    assert limiter.acquire("stock", "realtime") == 0.0
    assert DatabaseRateLimiter(other_shop, clock=clock).acquire("catalog", "bulk") == 0.0


def test_a_429_penalty_holds_back_every_limiter_of_the_connection(shop):
    clock = Clock()
    penalized = DatabaseRateLimiter(shop, clock=clock)
    other_worker = DatabaseRateLimiter(shop, clock=clock)
    other_worker.acquire("stock", "realtime")

    penalized.penalize("stock", "realtime", 5.0)

    assert other_worker.acquire("stock", "realtime") == about(5.0)
    clock.advance(2.0)
    assert penalized.acquire("stock", "realtime") == about(3.0)
    clock.advance(3.0)
    assert other_worker.acquire("stock", "realtime") == about(0.0)


def test_a_penalty_on_a_bucket_never_used_still_applies(shop):
    clock = Clock()
    limiter = DatabaseRateLimiter(shop, clock=clock)

    limiter.penalize("orders", "default", 2.0)

    assert limiter.acquire("orders", "default") == about(2.0)


def test_a_batch_takes_its_calls_in_one_go_and_each_waits_its_turn(shop):
    clock = Clock()
    drain = DatabaseRateLimiter(shop, {"stock": 2.0}, clock=clock)
    other_worker = DatabaseRateLimiter(shop, {"stock": 2.0}, clock=clock)

    waits = drain.acquire_many("stock", "realtime", 6)

    assert waits[:4] == [about(0.0)] * 4 and waits[4:] == [about(0.5), about(1.0)]
    assert other_worker.acquire("stock", "realtime") == about(1.5)


def test_a_batch_taken_during_a_429_penalty_waits_for_it(shop):
    clock = Clock()
    limiter = DatabaseRateLimiter(shop, clock=clock)
    limiter.penalize("stock", "realtime", 3.0)

    assert limiter.acquire_many("stock", "realtime", 3) == [about(3.0)] * 3
