"""Admin actions on channel rows, as an operator runs them from the changelists."""

from __future__ import annotations

import pytest
from django.urls import reverse

from omnichannel.channels.models import Connection, SyncState

from .shopee_env import authorize, shopee_fixture  # noqa: F401


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
