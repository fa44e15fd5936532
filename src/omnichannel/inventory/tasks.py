"""Stock jobs. Targets are written in the transaction of each change, so these only catch
what time changes (a pre-order ending) or what bypassed the services (a row edited by
hand).

Reading channel stock back (a 200 does not mean the stock was applied) is the channels
app's job: ``channels.tasks.reconcile_stock_task`` runs ``stock_sync.reconcile_connection``
for every shop whose connector can read stock, under the job lease.
"""

from __future__ import annotations

import logging

from django.db.models import Count, Q
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from omnichannel.catalog.models import Listing
from omnichannel.inventory.models import StockPolicy
from omnichannel.inventory.policies import governed
from omnichannel.inventory.targets import recompute
from omnichannel.tenants.models import Tenant

logger = logging.getLogger("omnichannel.inventory")


def sweep_preorders() -> int:
    """Recompute listings governed by a pre-order, so one that ended shows real stock."""
    changed = 0
    for policy in StockPolicy.objects.filter(preorder_quantity__isnull=False):
        changed += len(recompute(policy.tenant_id, governed(policy)))
    return changed


def sweep_targets() -> dict[int, int]:
    """Recompute every active tenant's listings; return pending listings per connection.

    The drain jobs of the connectors pick the pending ones up; this count is what a lost
    job message would otherwise leave waiting.
    """
    for tenant_id in Tenant.objects.filter(active=True).values_list("pk", flat=True):
        changed = recompute(tenant_id, Q())
        if changed:
            logger.warning("stock sweep fixed stale targets", extra={"listings": len(changed)})
    pending = (
        Listing.objects.filter(push_state__in=[Listing.PushState.PENDING, Listing.PushState.ERROR])
        .values("connection_id")
        .annotate(count=Count("pk"))
    )
    return {row["connection_id"]: row["count"] for row in pending}


@db_periodic_task(crontab(minute="*"))
def sweep_preorders_task() -> None:
    sweep_preorders()


@db_periodic_task(crontab(minute="17"))
def sweep_targets_task() -> None:
    sweep_targets()
