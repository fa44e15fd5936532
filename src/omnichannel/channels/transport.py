"""The Django side of the connector transport: a shared rate budget, token refresh under a
cross-process lock, and the ApiCallLog audit — so a connector never touches the database.

``connector_for(connection)`` is how the domain gets a connector (rule 2 of the design).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from omnichannel.channels.models import ApiCallLog, ChannelApp, Connection, RateBucket
from omnichannel.channels.sql import take_tokens
from omnichannel.connectors.base import (
    AuthRevoked,
    Connector,
    ConnectorSettings,
    build_connector,
)
from omnichannel.connectors.transport import AccessToken, CallRecord, Transport
from omnichannel.errors import Conflict
from omnichannel.inventory.sql import insert_rows

# Calls per second per (connection, family); a lane shares its family's budget only with
# itself, so bulk catalog work never starves stock pushes.
DEFAULT_RATES: dict[str, float] = {
    "stock": 10.0,
    "orders": 10.0,
    "logistics": 10.0,
    "returns": 5.0,
    "catalog": 5.0,
    "auth": 1.0,
}
BURST_SECONDS = 2.0
REFRESH_LEASE = timedelta(seconds=60)


class DatabaseRateLimiter:
    """Token buckets in the database, so every worker on every machine shares one budget."""

    def __init__(
        self,
        connection: Connection,
        rates: dict[str, float] | None = None,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.connection = connection
        self.rates = {**DEFAULT_RATES, **(rates or {})}
        self.clock = clock

    def key(self, family: str, lane: str) -> str:
        return f"{self.connection.pk}:{family}:{lane}"

    def rate(self, family: str) -> float:
        return self.rates.get(family, min(self.rates.values()))

    def acquire(self, family: str, lane: str) -> float:
        """Take one call from the bucket; returns how long to wait before making it."""
        return self.acquire_many(family, lane, 1)[0]

    def acquire_many(self, family: str, lane: str, calls: int) -> list[float]:
        """Take ``calls`` calls at once; the seconds to wait before each, in order.

        One statement (``channels.sql.take_tokens``), no transaction around it: the ORM's
        locked read, create and save cost ~1 ms of CPU and a commit per call."""
        rate = self.rate(family)
        left, blocked = take_tokens(
            self.key(family, lane), rate * BURST_SECONDS, rate, calls, self.clock()
        )
        # Call n (from 0) left ``left + calls - 1 - n`` tokens: it waits if that is below 0.
        waits = [max(0.0, -(left + calls - 1 - n) / rate) for n in range(calls)]
        return [max(wait, blocked) for wait in waits]

    def penalize(self, family: str, lane: str, seconds: float) -> None:
        now = self.clock()
        until = now + timedelta(seconds=seconds)
        RateBucket.objects.update_or_create(
            key=self.key(family, lane),
            defaults={"blocked_until": until},
            create_defaults={"tokens": 0.0, "updated_at": now, "blocked_until": until},
        )


class ApiCallLogRecorder:
    """Writes each call to ApiCallLog: a connection's calls, or (before a connection exists,
    while authorizing a shop) a tenant's calls with no connection."""

    def __init__(self, connection: Connection | None, tenant_id: int | None = None) -> None:
        self.connection = connection
        self.tenant_id = connection.tenant_id if connection is not None else tenant_id
        self.held: list[ApiCallLog] | None = None

    def record(self, call: CallRecord) -> None:
        """One row per attempt, written at once (plain SQL: ``create`` cost ~1 ms a call),
        or held while a ``holding`` block runs."""
        row = self.row(call)
        if self.held is None:
            insert_rows([row])
        else:
            self.held.append(row)

    @contextmanager
    def holding(self) -> Iterator[list[ApiCallLog]]:
        """Hold the rows of the calls made in the block, to be written together: the block
        may insert them with its own work in one transaction and empty the list once that
        committed (a stock drain's batch: one commit instead of one per call); whatever is
        left is written when the block ends, whether it succeeded or not."""
        self.held = held = []
        try:
            yield held
        finally:
            self.held = None
            if held:
                with transaction.atomic():
                    insert_rows(held)

    def row(self, call: CallRecord) -> ApiCallLog:
        return ApiCallLog(
            tenant_id=self.tenant_id,
            connection=self.connection,
            method=call.method,
            endpoint=call.endpoint[:300],
            status_code=call.status_code,
            latency_ms=call.latency_ms,
            request_id=(call.request_id or "")[:100],
            error_code=(call.error_code or "")[:60],
            error_message=call.error_message or "",
            request_body=call.request_body,
            response_body=call.response_body,
        )


class ConnectionTokenProvider:
    """Access tokens of one connection, refreshed by one process at a time.

    Refresh tokens are single-use: two processes refreshing at once would lose the shop.
    The lease is a conditional update on the connection row (no transaction is held while
    the channel answers); a process that finds the lease taken waits for the new token.
    """

    def __init__(self, connection: Connection, connector: Connector) -> None:
        self.connection = connection
        self.connector = connector

    def current(self) -> AccessToken:
        return AccessToken(self.connection.access_token or "", self.connection.token_expires_at)

    def refresh(self) -> AccessToken:
        seen = self.connection.token_expires_at
        deadline = time.monotonic() + REFRESH_LEASE.total_seconds()
        while not self._take_lease():
            if time.monotonic() > deadline:
                raise Conflict("A token refresh is stuck.", code="connection.refresh_stuck")
            time.sleep(0.2)
            self.connection.refresh_from_db()
            if self.connection.token_expires_at != seen:
                return self.current()  # another process refreshed meanwhile
        try:
            self.connection.refresh_from_db()
            if self.connection.token_expires_at != seen:
                return self.current()
            return self._refresh_now()
        finally:
            Connection.objects.filter(pk=self.connection.pk).update(refresh_locked_until=None)

    def _take_lease(self) -> bool:
        now = timezone.now()
        taken = Connection.objects.filter(
            Q(refresh_locked_until__isnull=True) | Q(refresh_locked_until__lt=now),
            pk=self.connection.pk,
        ).update(refresh_locked_until=now + REFRESH_LEASE)
        return taken == 1

    def _refresh_now(self) -> AccessToken:
        from omnichannel.channels.services import mark_needs_reauth, store_tokens

        try:
            tokens = self.connector.refresh_tokens(self.connection.refresh_token or "")  # type: ignore[attr-defined]
        except AuthRevoked as exc:
            mark_needs_reauth(self.connection, str(exc))
            raise
        store_tokens(self.connection, tokens)
        return self.current()


def connector_settings(connection: Connection) -> ConnectorSettings:
    app = connection.app
    return ConnectorSettings(
        channel=connection.channel,
        api_base_url=connection.api_base_url or (app.api_base_url if app else ""),
        credentials=(app.credentials if app else None) or connection.credentials or {},
        region=connection.region or (app.region if app else None) or None,
        shop_id=connection.external_shop_id,
    )


def connector_for(
    connection: Connection,
    *,
    call_log: ApiCallLogRecorder | None = None,
    http_transport=None,  # noqa: ANN001
) -> Connector:
    """The connector of a connection, wired to the shared budget, the token lock and the log
    (``call_log``, when the caller wants to hold the rows of a batch of calls).

    Token refreshes go through a twin connector whose transport has no token provider: a
    refresh call must never try to refresh (or wait for the refresh lease it holds) first.
    """
    config = connector_settings(connection)
    limiter = DatabaseRateLimiter(connection, settings.OMNI_CHANNEL_RATES.get(connection.channel))
    recorder = call_log or ApiCallLogRecorder(connection)

    def transport() -> Transport:
        return Transport(
            config.api_base_url,
            rate_limiter=limiter,
            recorder=recorder,
            http_transport=http_transport,
        )

    connector = build_connector(config, transport())
    refresher = build_connector(config, transport())
    connector.transport.token_provider = ConnectionTokenProvider(connection, refresher)
    return connector


def app_connector(app: ChannelApp, tenant_id: int, *, http_transport=None) -> Connector:  # noqa: ANN001
    """A connector for the app alone (no shop yet): authorization links and code exchange.
    Its calls are logged for the tenant that is authorizing."""
    config = ConnectorSettings(
        channel=app.channel,
        api_base_url=app.api_base_url,
        credentials=app.credentials or {},
        region=app.region or None,
    )
    transport = Transport(
        config.api_base_url,
        recorder=ApiCallLogRecorder(None, tenant_id),
        http_transport=http_transport,
    )
    return build_connector(config, transport)
