"""Stock jobs. Targets are written in the transaction of each change, so these only catch
what time changes (a pre-order ending) or what bypassed the services (a row edited by
hand), and read channel stock back, because a 200 does not mean the stock was applied."""

from __future__ import annotations

import logging

from django.db.models import Count, Q
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from omnichannel.catalog.models import Listing
from omnichannel.channels.models import Connection
from omnichannel.connectors.base import capabilities
from omnichannel.connectors.errors import ConnectorError
from omnichannel.inventory.models import StockPolicy
from omnichannel.inventory.outbox import reconcile
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


def reconcile_all() -> dict[int, int]:
    """Read back every active connection whose connector can read stock; return the
    number of drifted listings per connection. One failing shop does not stop the rest."""
    from omnichannel.channels.transport import connector_for

    drifted: dict[int, int] = {}
    for connection in Connection.objects.filter(status=Connection.Status.ACTIVE):
        try:
            connector = connector_for(connection)
            if "stock_read" not in capabilities(connector):
                continue
            drifted[connection.pk] = len(reconcile(connection, connector.read_stock))
        except ConnectorError as exc:
            logger.warning(
                "stock reconciliation failed",
                extra={"connection": connection.pk, "error": str(exc)},
            )
    return drifted


@db_periodic_task(crontab(minute="*"))
def sweep_preorders_task() -> None:
    sweep_preorders()


@db_periodic_task(crontab(minute="17"))
def sweep_targets_task() -> None:
    sweep_targets()


@db_periodic_task(crontab(minute="40", hour="*/6"))
def reconcile_stock_task() -> None:
    reconcile_all()
