"""Health: is the database answering, is the job queue reachable and how deep is it."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest
from huey.contrib.djhuey import HUEY
from ninja import Router, Schema, Status

router = Router(tags=["health"])


class QueueHealth(Schema):
    status: str
    pending: int | None = None
    scheduled: int | None = None


class Health(Schema):
    status: str
    database: str
    queue: QueueHealth


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any driver error means "down"; the message says which
        return f"error: {exc.__class__.__name__}"


def queue_status() -> QueueHealth:
    try:
        return QueueHealth(
            status="ok", pending=HUEY.pending_count(), scheduled=HUEY.scheduled_count()
        )
    except Exception as exc:  # storage unreachable
        return QueueHealth(status=f"error: {exc.__class__.__name__}")


@router.get(
    "",
    response={200: Health, 503: Health},
    auth=None,
    summary="Service health",
    description="Database and job-queue status. Answers 503 when either is down.",
)
def health(request: HttpRequest) -> Status:
    result = Health(status="ok", database=database_status(), queue=queue_status())
    if result.database != "ok" or result.queue.status != "ok":
        result.status = "degraded"
        return Status(503, result)
    return Status(200, result)
