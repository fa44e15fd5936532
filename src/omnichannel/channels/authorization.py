"""Authorizing a shop: the link to the channel, the callback, and keeping tokens fresh.

The flow: the tenant asks for an authorization link (naming the channel app); the seller
approves on the channel; the channel redirects to our public callback with a code. The
callback carries a ``state`` we signed (tenant, app, where to send the seller after, with
a timestamp), so nobody can attach a shop to another tenant and an old link stops working.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from omnichannel.channels.jobs import JobOutcome, connections_supporting, run_job
from omnichannel.channels.models import ChannelApp, Connection, SyncState
from omnichannel.channels.services import store_tokens
from omnichannel.channels.transport import app_connector, connector_for
from omnichannel.connectors.base import Authorizing, require
from omnichannel.errors import InvalidRequest, NotFound
from omnichannel.tenants.models import Tenant
from omnichannel.unified.auth import TokenSet

STATE_SALT = "omnichannel.channels.authorize"
# Long enough for a seller to log in to Seller Centre; short enough that a leaked link dies.
STATE_MAX_AGE = timedelta(minutes=30)
TOKEN_REFRESH_JOB = "token_refresh"
# The periodic refresh renews tokens expiring within this (it runs every 10 minutes).
REFRESH_AHEAD = timedelta(minutes=30)


def usable_app(tenant: Tenant, channel: str, app_id: int) -> ChannelApp:
    """An active app of ``channel`` that the tenant may use: the operator's or its own."""
    app = (
        ChannelApp.objects.filter(pk=app_id, channel=channel, active=True)
        .filter(Q(tenant__isnull=True) | Q(tenant=tenant))
        .first()
    )
    if app is None:
        raise NotFound(
            f"No active {channel} app {app_id} for this tenant.",
            code="channel_app.not_found",
            details={"channel": channel, "app_id": app_id},
        )
    return app


def authorization_link(
    tenant: Tenant, channel: str, app_id: int, callback_url: str, redirect: str = ""
) -> str:
    """The channel's URL for the seller; it comes back to ``callback_url`` with our state.

    ``redirect`` (optional, http or https) is where the callback sends the seller's browser
    once the shop is connected; without it the callback answers JSON.
    """
    if redirect and urlsplit(redirect).scheme not in ("http", "https"):
        raise InvalidRequest(
            "redirect must be an http(s) URL.", code="authorization.invalid_redirect"
        )
    app = usable_app(tenant, channel, app_id)
    connector = app_connector(app, tenant.pk)
    require(connector, "auth")
    assert isinstance(connector, Authorizing)
    state = signing.dumps(
        {"tenant": tenant.pk, "app": app.pk, "redirect": redirect}, salt=STATE_SALT
    )
    separator = "&" if "?" in callback_url else "?"
    return connector.authorize_url(f"{callback_url}{separator}{urlencode({'state': state})}")


def read_state(state: str) -> dict[str, Any]:
    """The signed state of a callback; 400 when it is missing, forged or too old."""
    try:
        return signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidRequest(
            "This authorization link has expired; ask for a new one.",
            code="authorization.state_expired",
        ) from None
    except signing.BadSignature:
        raise InvalidRequest(
            "The authorization state is missing or not ours.",
            code="authorization.invalid_state",
        ) from None


def complete_authorization(channel: str, params: Mapping[str, str]) -> tuple[Connection, str]:
    """Handle the channel's redirect: check the state, exchange the code, store the shop.

    Returns the connection and where to send the seller (empty: answer JSON).
    """
    data = read_state(params.get("state", ""))
    tenant = Tenant.objects.get(pk=data["tenant"])
    app = usable_app(tenant, channel, data["app"])
    connector = app_connector(app, tenant.pk)
    assert isinstance(connector, Authorizing)
    tokens = connector.exchange_code(params)
    return authorized_connection(tenant, app, tokens), data.get("redirect", "")


@transaction.atomic
def authorized_connection(tenant: Tenant, app: ChannelApp, tokens: TokenSet) -> Connection:
    """Create the shop's connection or update it (re-authorizing resumes a ``needs_reauth``
    one), store the encrypted tokens, and queue its stock drain for after the commit."""
    if not tokens.shop_id:
        raise InvalidRequest(
            "The channel did not say which shop was authorized.",
            code="authorization.no_shop",
        )
    connection, _ = Connection.objects.select_for_update().get_or_create(
        tenant=tenant,
        channel=app.channel,
        external_shop_id=tokens.shop_id,
        defaults={
            "name": f"{app.get_channel_display()} shop {tokens.shop_id}",
            "region": app.region,
            "app": app,
        },
    )
    if connection.app_id != app.pk:
        connection.app = app
        connection.save(update_fields=["app", "updated_at"])
    store_tokens(connection, tokens)
    from omnichannel.channels.tasks import schedule_drains

    schedule_drains({connection.pk})  # pushes left pending while it needed re-authorizing
    return connection


def tokens_expiring_soon() -> QuerySet[Connection]:
    """Active connections whose access token expires within ``REFRESH_AHEAD``."""
    return connections_supporting("auth").filter(
        refresh_token__isnull=False, token_expires_at__lt=timezone.now() + REFRESH_AHEAD
    )


def refresh_connection_tokens(connection: Connection) -> JobOutcome:
    """Refresh the connection's tokens now, as a job (under the cross-process lease);
    a refused refresh marks the connection ``needs_reauth``."""

    def work(connection: Connection, state: SyncState) -> None:
        provider = connector_for(connection).transport.token_provider
        assert provider is not None
        provider.refresh()

    return run_job(connection, TOKEN_REFRESH_JOB, work)
