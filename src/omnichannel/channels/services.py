"""Connections: creating the ones that need no authorization, enabling and disabling."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction

from omnichannel.channels.models import DIRECT_CHANNELS, Connection
from omnichannel.errors import Conflict, Unprocessable
from omnichannel.tenants.models import Tenant


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
