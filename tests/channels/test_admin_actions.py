"""Admin actions on channel rows, as an operator runs them from the changelists."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from omnichannel.channels import webhooks
from omnichannel.channels.models import Connection, InboundWebhook, SyncState
from omnichannel.channels.services import mark_needs_reauth
from omnichannel.orders.models import Order

from .shopee_env import authorize, shopee_fixture  # noqa: F401
from .test_webhooks import post_push, push_body


def run_action(admin_client, model, action: str, rows: list) -> str:
    """Run an admin action on ``rows`` as from the changelist; the page it lands on."""
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    page = admin_client.post(
        changelist, {"action": action, "_selected_action": [row.pk for row in rows]}, follow=True
    )
    assert page.status_code == 200
    return page.content.decode()


@pytest.fixture
def shop(caller, shopee) -> Connection:
    return authorize(caller, shopee)


def test_pulling_the_catalog_from_the_admin_runs_the_job_and_records_it(admin_client, shop):
    manual = Connection.objects.create(
        tenant=shop.tenant, channel="manual", name="Counter", external_shop_id="c"
    )

    page = run_action(admin_client, Connection, "pull_catalog", [shop, manual])

    assert "Queued a catalog pull for 1 connection(s); 1 skipped" in page
    state = SyncState.objects.get(connection=shop, job="catalog_pull")
    assert state.runs == 1 and state.last_result["created"] == 7


def test_pulling_returns_from_the_admin_runs_the_job(admin_client, shop):
    page = run_action(admin_client, Connection, "pull_returns", [shop])

    assert "Queued a return pull for 1 connection(s)." in page
    state = SyncState.objects.get(connection=shop, job="return_pull")
    assert state.runs == 1 and not state.last_error and state.last_result["seen"] == 0


def failed_push(world, app, django_capture_on_commit_callbacks) -> tuple[InboundWebhook, str]:
    """A push whose order could not be read (the channel answered 503): kept, failed."""
    order_sn = world.sandbox.order(("DEMO-MUG", 1))
    world.sim.inject_fault(
        "server_error", count=1000, path="/api/v2/order/get_order_detail", status=503
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_push(app, push_body(world.sandbox.shop_id, order_sn))
    row = InboundWebhook.objects.get()
    assert row.state == InboundWebhook.State.FAILED and row.next_attempt_at > timezone.now()
    return row, order_sn


def test_retrying_a_failed_push_processes_it_now_with_the_workers_own_run(
    admin_client, demo_world, shopee_app, django_capture_on_commit_callbacks
):
    row, order_sn = failed_push(demo_world, shopee_app, django_capture_on_commit_callbacks)
    demo_world.sim.faults.clear()  # the channel is back, long before the backoff ends

    with django_capture_on_commit_callbacks(execute=True):
        page = run_action(admin_client, InboundWebhook, "retry", [row])

    assert "Queued 1 push(es) for processing." in page
    row.refresh_from_db()
    assert row.state == InboundWebhook.State.PROCESSED and row.processed_at
    assert Order.objects.get(connection=demo_world.shop, external_id=order_sn)


def test_a_given_up_push_gets_one_more_attempt(
    admin_client, demo_world, shopee_app, django_capture_on_commit_callbacks
):
    row, _ = failed_push(demo_world, shopee_app, django_capture_on_commit_callbacks)
    InboundWebhook.objects.filter(pk=row.pk).update(
        attempts=webhooks.MAX_ATTEMPTS, next_attempt_at=None
    )

    with django_capture_on_commit_callbacks(execute=True):
        run_action(admin_client, InboundWebhook, "retry", [row])

    row.refresh_from_db()
    assert row.state == InboundWebhook.State.FAILED  # the channel still fails: given up again
    assert row.attempts == webhooks.MAX_ATTEMPTS + 1 and row.next_attempt_at is None


def test_processed_rows_are_skipped_and_a_revoked_shops_rows_wait(
    admin_client, demo_world, shopee_app, django_capture_on_commit_callbacks
):
    row, _ = failed_push(demo_world, shopee_app, django_capture_on_commit_callbacks)
    done = InboundWebhook.objects.create(
        channel="shopee", dedup_key="done", body="{}", state=InboundWebhook.State.PROCESSED
    )
    mark_needs_reauth(demo_world.shop, "revoked on Shopee")

    with django_capture_on_commit_callbacks(execute=True):
        page = run_action(admin_client, InboundWebhook, "retry", [row, done])

    assert "Queued 1 push(es) for processing; 1 skipped (processed or ignored)" in page
    assert "1 wait for their connection to be active again" in page
    row.refresh_from_db()
    assert row.state == InboundWebhook.State.FAILED and row.attempts == 1
