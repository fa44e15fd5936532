"""Token refresh through connector_for: the refresh call never waits on its own refresh."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.utils import timezone

from omnichannel.channels.models import ApiCallLog, Connection
from omnichannel.channels.transport import connector_for
from omnichannel.connectors.base import REGISTRY, Authorizing, Connector
from omnichannel.connectors.transport import OutboundRequest
from omnichannel.unified.auth import TokenSet


class BearerConnector(Connector, Authorizing):
    """A channel whose refresh endpoint, like its others, takes the bearer header if any."""

    channel = "bearer"

    def authorize_url(self, redirect_url: str) -> str:
        return redirect_url

    def exchange_code(self, callback_params: Mapping[str, str]) -> TokenSet:
        raise NotImplementedError

    def refresh_tokens(self, refresh_token: str) -> TokenSet:
        response = self.transport.send(
            lambda token: OutboundRequest(
                "POST", "/refresh", json={"refresh_token": refresh_token}, headers=bearer(token)
            ),
            family="auth",
        )
        body = response.json()
        return TokenSet(
            access_token=body["access"],
            refresh_token=body["refresh"],
            access_expires_at=datetime.now(UTC) + timedelta(hours=4),
        )

    def ping(self) -> str:
        response = self.transport.send(
            lambda token: OutboundRequest("GET", "/ping", headers=bearer(token)), family="orders"
        )
        return response.text


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def remote(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/refresh":
        return httpx.Response(200, json={"access": "fresh", "refresh": "next"})
    if request.headers.get("authorization") != "Bearer fresh":
        return httpx.Response(401)
    return httpx.Response(200, text="pong")


@pytest.fixture
def bearer_channel(monkeypatch):
    monkeypatch.setitem(REGISTRY, "bearer", f"{__name__}:BearerConnector")


def test_a_token_about_to_expire_is_refreshed_through_a_transport_without_a_token_provider(
    tenant, bearer_channel
):
    connection = Connection.objects.create(
        tenant=tenant,
        channel="bearer",
        name="bearer shop",
        external_shop_id="b1",
        api_base_url="https://bearer.test",
        access_token="stale",
        refresh_token="once",
        token_expires_at=timezone.now() + timedelta(seconds=30),
    )

    connector = connector_for(connection, http_transport=httpx.MockTransport(remote))

    assert connector.ping() == "pong"
    connection.refresh_from_db()
    assert (connection.access_token, connection.refresh_token) == ("fresh", "next")
    assert connection.refresh_locked_until is None
    endpoints = list(ApiCallLog.objects.order_by("pk").values_list("endpoint", "status_code"))
    assert endpoints == [("/refresh", 200), ("/ping", 200)]
