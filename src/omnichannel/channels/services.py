"""Connections: creating the ones that need no authorization, enabling and disabling."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction

from omnichannel.channels.models import DIRECT_CHANNELS, Connection
from omnichannel.errors import Conflict, Unprocessable
from omnichannel.notifications.services import emit
from omnichannel.tenants.models import Tenant
from omnichannel.unified.auth import TokenSet


def create_direct_connection(tenant: Tenant, channel: str, fields: dict[str, Any]) -> Connection:
    """A POS or manual connection. Marketplaces and webstores come through authorization."""
    if channel not in DIRECT_CHANNELS:
        raise Unprocessable(
            f"'{channel}' connections are created by authorizing the shop, not directly.",
            code="connection.requires_authorization",
            details={"channel": channel, "direct_channels": sorted(DIRECT_CHANNELS)},
        )
    fields = {**fields, "external_shop_id": fields.get("external_shop_id") or uuid.uuid4().hex[:12]}
    try:
        with transaction.atomic():
            return Connection.objects.create(tenant=tenant, channel=channel, **fields)
    except IntegrityError as exc:
        raise Conflict(
            "A connection with this channel and shop id exists.",
            code="connection.exists",
            details={"channel": channel, "external_shop_id": fields["external_shop_id"]},
        ) from exc


def set_enabled(connection: Connection, enabled: bool, reason: str = "") -> Connection:
    """Disabling stops every job of the connection; enabling resumes them."""
    connection.status = Connection.Status.ACTIVE if enabled else Connection.Status.DISABLED
    connection.status_reason = "" if enabled else reason
    connection.save(update_fields=["status", "status_reason", "updated_at"])
    return connection


def store_tokens(connection: Connection, tokens: TokenSet) -> None:
    """Persist new tokens at once: the old refresh token may already be spent."""
    connection.access_token = tokens.access_token
    connection.refresh_token = tokens.refresh_token
    connection.token_expires_at = tokens.access_expires_at
    connection.refresh_expires_at = tokens.refresh_expires_at
    fields = [
        "access_token",
        "refresh_token",
        "token_expires_at",
        "refresh_expires_at",
        "updated_at",
    ]
    if connection.status == Connection.Status.NEEDS_REAUTH:
        connection.status, connection.status_reason = Connection.Status.ACTIVE, ""
        fields += ["status", "status_reason"]
    connection.save(update_fields=fields)


@transaction.atomic
def mark_needs_reauth(connection: Connection, reason: str) -> None:
    """The channel refused our tokens for good: stop the shop's jobs and tell the tenant once."""
    updated = (
        Connection.objects.filter(pk=connection.pk)
        .exclude(status=Connection.Status.NEEDS_REAUTH)
        .update(status=Connection.Status.NEEDS_REAUTH, status_reason=reason[:300])
    )
    connection.status, connection.status_reason = Connection.Status.NEEDS_REAUTH, reason[:300]
    if updated:
        emit(
            connection.tenant,
            "connection.needs_reauth",
            "connection",
            connection.pk,
            {"channel": connection.channel, "name": connection.name, "reason": reason},
        )
