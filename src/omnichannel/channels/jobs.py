"""Running one job (order pull, stock drain, token refresh, …) of one connection.

Every periodic or triggered job of a connection goes through ``run_job`` so that:

- a connection that is disabled or must be re-authorized runs nothing (no job storm against
  a shop that refuses us; re-authorizing or enabling resumes the jobs);
- one run at a time per (connection, job), across processes: a lease on the job's SyncState
  row. A run asked for while another runs is not lost: the running one goes round again;
- the run is visible in admin: SyncState keeps last start, finish, success and error;
- a refused authorization marks the connection ``needs_reauth`` (and tells the tenant once);
  a retryable channel error (rate limited, channel down) ends the run quietly with a
  ``retry_after`` for the caller to reschedule, instead of failing every tick.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from omnichannel.channels import sql
from omnichannel.channels.models import Connection, SyncState
from omnichannel.channels.services import mark_needs_reauth
from omnichannel.connectors.base import (
    AuthRevoked,
    CapabilityUnsupported,
    ConnectorError,
    RateLimited,
    capabilities,
    connector_class,
)

JOB_LEASE = timedelta(minutes=10)
# A run asked for again while it runs goes round at most this many times; the periodic
# sweep picks up anything left after that.
MAX_ROUNDS = 5
DEFAULT_RETRY_AFTER = 30.0

Work = Callable[[Connection, SyncState], Any]


@dataclass(frozen=True)
class JobOutcome:
    """What happened to one call of ``run_job``.

    ``skipped`` says why nothing ran ("disabled", "needs_reauth", "running"); ``error`` is
    the failure of a run that did start; ``retry_after`` (seconds) is set when the run
    should be repeated later because the channel asked us to wait or was unavailable.
    """

    job: str
    ran: bool
    skipped: str = ""
    result: Any = None
    error: str = ""
    retry_after: float | None = None


def channel_supports(channel: str, capability: str) -> bool:
    """Whether the channel's connector implements ``capability`` (False: no connector)."""
    try:
        return capability in capabilities(connector_class(channel))
    except CapabilityUnsupported:
        return False


def connections_supporting(capability: str) -> QuerySet[Connection]:
    """Active connections whose channel implements ``capability``: what a sweep visits."""
    channels = [
        channel
        for channel in Connection.objects.values_list("channel", flat=True).distinct()
        if channel_supports(channel, capability)
    ]
    return Connection.objects.filter(status=Connection.Status.ACTIVE, channel__in=channels)


def run_job(
    connection: Connection, job: str, work: Work, lease: timedelta = JOB_LEASE
) -> JobOutcome:
    """Run ``work(connection, state)`` as ``job`` of ``connection``, recorded in SyncState.

    ``work`` may save its own fields of ``state`` (watermark, cursor); the bookkeeping
    fields are written here with targeted updates so they never overwrite each other.
    Unexpected exceptions are recorded and re-raised (the task runner logs them).
    """
    status = sql.connection_status(connection.pk)
    if status is None:
        raise Connection.DoesNotExist(f"connection {connection.pk} is gone")
    connection.status, connection.status_reason = status
    if connection.status != Connection.Status.ACTIVE:
        return JobOutcome(job, ran=False, skipped=connection.status)
    state = take_lease(connection, job, lease)
    if state is None:
        return JobOutcome(job, ran=False, skipped="running")
    try:
        result = _rounds(connection, state, work)
    except AuthRevoked as exc:
        mark_needs_reauth(connection, f"{job}: {exc.message}")
        return _finished(state, job, error=f"{exc.code}: {exc.message}")
    except ConnectorError as exc:
        if not exc.retryable:
            _record(state, error=f"{exc.code}: {exc.message}")
            raise
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        return _finished(
            state,
            job,
            error=f"{exc.code}: {exc.message}",
            retry_after=retry_after or DEFAULT_RETRY_AFTER,
        )
    except Exception as exc:
        _record(state, error=f"{type(exc).__name__}: {exc}")
        raise
    return JobOutcome(job, ran=True, result=result)


def take_lease(connection: Connection, job: str, lease: timedelta) -> SyncState | None:
    """The job's SyncState, leased to this run; None (and a rerun asked for) when another
    run holds it. The lease expires on its own if a worker dies mid-run.

    One statement when the row exists (every run but a job's first): a drain runs per shop
    on every stock change, and the ORM's read, update and re-read cost ~1.5 ms of CPU."""
    now = timezone.now()
    state = sql.lease_job(connection.pk, job, now + lease, now)
    if state is None and SyncState.objects.get_or_create(connection=connection, job=job)[1]:
        state = sql.lease_job(connection.pk, job, now + lease, now)
    if state is None:
        SyncState.objects.filter(connection=connection, job=job).update(rerun_requested=True)
    return state


def _rounds(connection: Connection, state: SyncState, work: Work) -> Any:
    """Run ``work`` until no run was asked for meanwhile (at most ``MAX_ROUNDS``), then
    record the success and release the lease."""
    for _ in range(MAX_ROUNDS - 1):
        result = work(connection, state)
        if sql.release_job_unless_asked_again(state.pk, timezone.now(), result):
            return result
        SyncState.objects.filter(pk=state.pk).update(rerun_requested=False)
    result = work(connection, state)
    _record(state, error="", result=result)
    return result


def _finished(
    state: SyncState, job: str, error: str, retry_after: float | None = None
) -> JobOutcome:
    _record(state, error)
    return JobOutcome(job, ran=True, error=error, retry_after=retry_after)


def _record(state: SyncState, error: str, result: Any = None) -> None:
    """Release the lease and record how the run ended; a run's result that is a dict (its
    counts) is kept for whoever asked for the run (``GET …/jobs/{job}``)."""
    now = timezone.now()
    fields: dict[str, Any] = {"running_until": None, "last_finished_at": now, "last_error": error}
    if error:
        fields["failures"] = F("failures") + 1
    else:
        fields["last_success_at"] = now
    if isinstance(result, dict):
        fields["last_result"] = result
    SyncState.objects.filter(pk=state.pk).update(**fields)
