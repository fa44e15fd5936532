"""Webhook delivery jobs: on demand after each commit, and a sweep every minute.

Concurrent runs are safe: each delivery is claimed by a conditional update.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from omnichannel.notifications import delivery


@db_task()
def deliver_due_webhooks() -> int:
    return delivery.deliver_due()


@db_periodic_task(crontab(minute="*"))
def sweep_due_webhooks() -> None:
    """Re-finds owed deliveries whose on-commit job was lost or is due for a retry."""
    deliver_due_webhooks()
