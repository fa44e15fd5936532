"""run_job: one run at a time, recorded in SyncState, never for a stopped connection."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omnichannel.channels.jobs import MAX_ROUNDS, connections_supporting, run_job, take_lease
from omnichannel.channels.models import Connection, SyncState
from omnichannel.connectors.errors import AuthRevoked, InvalidRequest, RateLimited
from omnichannel.notifications.models import Event


@pytest.fixture
def shop(tenant) -> Connection:
    return Connection.objects.create(
        tenant=tenant, channel="shopee", name="shop", external_shop_id="1"
    )


def test_a_successful_run_is_recorded(shop):
    outcome = run_job(shop, "stock_drain", lambda connection, state: 7)

    state = SyncState.objects.get(connection=shop, job="stock_drain")
    assert outcome.ran and outcome.result == 7
    assert state.runs == 1 and state.failures == 0
    assert state.last_success_at == state.last_finished_at is not None
    assert state.running_until is None


@pytest.mark.parametrize("status", ["disabled", "needs_reauth"])
def test_a_stopped_connection_runs_nothing(shop, status):
    Connection.objects.filter(pk=shop.pk).update(status=status)
    calls = []

    outcome = run_job(shop, "stock_drain", lambda connection, state: calls.append(1))

    assert not outcome.ran and outcome.skipped == status and calls == []
    assert not SyncState.objects.filter(connection=shop).exists()


def test_a_run_asked_for_while_one_runs_makes_the_running_one_go_round_again(shop):
    rounds = []

    def work(connection, state):
        rounds.append(1)
        if len(rounds) == 1:
            assert run_job(connection, "stock_drain", work).skipped == "running"

    outcome = run_job(shop, "stock_drain", work)

    assert outcome.ran and len(rounds) == 2
    assert SyncState.objects.get(connection=shop, job="stock_drain").rerun_requested is False


def test_a_held_lease_skips_the_run(shop):
    assert take_lease(shop, "order_pull", lease=timedelta(minutes=1))
    assert run_job(shop, "order_pull", lambda c, s: None).skipped == "running"


def test_a_revoked_authorization_marks_needs_reauth_once_and_stops_the_jobs(shop):
    def refused(connection, state):
        raise AuthRevoked("shop_no_linked")

    outcome = run_job(shop, "stock_drain", refused)
    again = run_job(shop, "stock_drain", refused)

    shop.refresh_from_db()
    assert outcome.ran and "auth_revoked" in outcome.error
    assert shop.status == Connection.Status.NEEDS_REAUTH
    assert again.skipped == "needs_reauth"
    assert Event.objects.filter(type="connection.needs_reauth").count() == 1
    assert SyncState.objects.get(connection=shop, job="stock_drain").failures == 1


def test_rate_limited_ends_the_run_with_a_retry_after(shop):
    def throttled(connection, state):
        raise RateLimited("slow down", retry_after=4)

    outcome = run_job(shop, "stock_drain", throttled)

    state = SyncState.objects.get(connection=shop, job="stock_drain")
    assert outcome.retry_after == 4 and "rate_limited" in state.last_error
    assert state.running_until is None and state.last_success_at is None


def test_an_unexpected_error_is_recorded_and_raised(shop):
    def broken(connection, state):
        raise InvalidRequest("bad payload")

    with pytest.raises(InvalidRequest):
        run_job(shop, "stock_drain", broken)
    state = SyncState.objects.get(connection=shop, job="stock_drain")
    assert "bad payload" in state.last_error and state.failures == 1
    assert state.running_until is None


def test_sweeps_visit_active_connections_of_capable_channels(shop, tenant):
    Connection.objects.create(tenant=tenant, channel="manual", name="m", external_shop_id="m")
    Connection.objects.create(
        tenant=tenant, channel="shopee", name="off", external_shop_id="2", status="disabled"
    )

    assert list(connections_supporting("stock_push")) == [shop]


def test_a_job_asked_for_on_every_round_stops_after_the_last_round_and_frees_the_lease(shop):
    rounds = []

    def work(connection, state):
        rounds.append(1)
        assert run_job(connection, "stock_drain", work).skipped == "running"

    outcome = run_job(shop, "stock_drain", work)

    state = SyncState.objects.get(connection=shop, job="stock_drain")
    assert outcome.ran and len(rounds) == MAX_ROUNDS
    assert state.running_until is None and state.last_success_at is not None
    assert run_job(shop, "stock_drain", lambda c, s: None).ran
