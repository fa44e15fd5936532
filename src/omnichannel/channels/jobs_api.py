"""A connection's jobs over the API: asking for one (answered 202 with where to follow
it), and following it (its SyncState); the returns pull and one return's refresh."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from omnichannel.api.auth import scope
from omnichannel.api.scoping import get_owned
from omnichannel.channels import return_sync, tasks
from omnichannel.channels.models import Connection, SyncState
from omnichannel.connectors.base import connector_class, require
from omnichannel.errors import Conflict, NotFound
from omnichannel.fulfillment.models import Return
from omnichannel.fulfillment.schemas import ReturnOut

jobs_router = Router(tags=["connections"])


class JobOut(Schema):
    """One job of a connection as its SyncState records it."""

    job: str
    running: bool = Field(description="A run holds the job now")
    rerun_requested: bool = Field(description="Asked for again while running: it goes round")
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    last_result: dict = Field(description="What the last successful run did (e.g. counts)")
    runs: int
    failures: int
    watermark: datetime | None

    @staticmethod
    def resolve_running(obj: SyncState) -> bool:
        return bool(obj.running_until and obj.running_until > timezone.now())


class JobQueuedOut(Schema):
    job: str
    connection_id: int
    status_url: str = Field(description="Where to follow the run: GET it for its SyncState")


def queue_job(connection: Connection, job: str, enqueue: Callable[[], object]) -> Status:
    """Enqueue a job of ``connection`` and answer 202 with where to follow it.

    Refused at once (409) when the connection cannot run jobs, rather than accepted and
    silently skipped by the runner.
    """
    if connection.status != Connection.Status.ACTIVE:
        raise Conflict(
            f"Connection {connection.pk} is {connection.status}: it runs no jobs.",
            code="connection.not_active",
            details={"status": connection.status, "reason": connection.status_reason},
        )
    enqueue()
    url = reverse("api:connection_job", kwargs={"connection_id": connection.pk, "job": job})
    return Status(202, {"job": job, "connection_id": connection.pk, "status_url": url})


@jobs_router.post(
    "/{connection_id}/returns/pull",
    response={202: JobQueuedOut},
    auth=scope("orders:write"),
    summary="Pull the shop's returns into ours now (a job; it also runs every 15 minutes)",
    description="Queues the pull and answers 202 with `status_url` (`GET …/jobs/return_pull`). "
    "Each channel return becomes one of our returns (`GET /api/v1/returns?connection_id=`), "
    "linked to its order and lines; reading it again changes nothing.",
)
def pull_returns(request: HttpRequest, connection_id: int) -> Status:
    connection = get_owned(Connection, request, connection_id)
    require(connector_class(connection.channel), "returns")
    return queue_job(
        connection, return_sync.PULL_JOB, lambda: tasks.pull_returns_task(connection.pk)
    )


@jobs_router.post(
    "/{connection_id}/returns/{external_id}/refresh",
    response=ReturnOut,
    auth=scope("orders:write"),
    summary="Read one channel return again now and update ours",
    description="One call to the channel (Shopee `get_return_detail`): our return of that id "
    "is created or takes the channel's status step and return tracking number.",
)
def refresh_return(request: HttpRequest, connection_id: int, external_id: str) -> Return:
    connection = get_owned(Connection, request, connection_id)
    return_request = return_sync.refresh_return(connection, external_id)
    return (
        Return.objects.select_related("order")
        .prefetch_related("lines__restock_warehouse")
        .get(pk=return_request.pk)
    )


@jobs_router.get(
    "/{connection_id}/jobs",
    response=list[JobOut],
    auth=scope("catalog:read"),
    summary="The connection's jobs: last run, last error, counts",
)
def list_jobs(request: HttpRequest, connection_id: int) -> list[SyncState]:
    connection = get_owned(Connection, request, connection_id)
    return list(SyncState.objects.filter(connection=connection).order_by("job"))


@jobs_router.get(
    "/{connection_id}/jobs/{job}",
    response=JobOut,
    auth=scope("catalog:read"),
    url_name="connection_job",
    summary="One job of the connection: is it running, how did it last end",
)
def get_job(request: HttpRequest, connection_id: int, job: str) -> SyncState:
    connection = get_owned(Connection, request, connection_id)
    state = SyncState.objects.filter(connection=connection, job=job).first()
    if state is None:
        raise NotFound(f"Job {job} has not run for this connection.", code="job.not_found")
    return state
