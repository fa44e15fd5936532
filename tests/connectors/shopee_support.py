"""Helpers for Shopee connector tests: fixtures on disk and a connector over a fake remote."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from omnichannel.connectors.base import ConnectorSettings
from omnichannel.connectors.memory import MemoryRecorder, StaticTokenProvider
from omnichannel.connectors.shopee import ShopeeConnector
from omnichannel.connectors.transport import Transport

FIXTURES = Path(__file__).parent / "fixtures" / "shopee"
PARTNER_KEY = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"
NOW = datetime(2022, 6, 20, 8, 40, 31, tzinfo=UTC)  # unix 1655714431, the doc's timestamp


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture(name: str) -> dict:
    return json.loads(fixture_bytes(name))


def make_connector(
    handler: Callable[[httpx.Request], httpx.Response], shop_id: str | None = "14701711"
) -> tuple[ShopeeConnector, MemoryRecorder, list[float]]:
    recorder = MemoryRecorder()
    sleeps: list[float] = []
    transport = Transport(
        "https://partner.test-stable.shopeemobile.com",
        token_provider=StaticTokenProvider("59777174636562737266615546704c6d"),
        recorder=recorder,
        sleep=sleeps.append,
        clock=lambda: NOW,
        http_transport=httpx.MockTransport(handler),
    )
    settings = ConnectorSettings(
        channel="shopee",
        api_base_url="https://partner.test-stable.shopeemobile.com",
        credentials={"partner_id": "2001887", "partner_key": PARTNER_KEY},
        shop_id=shop_id,
    )
    return ShopeeConnector(settings, transport), recorder, sleeps


def routes(table: dict[str, object]) -> Callable[[httpx.Request], httpx.Response]:
    """Answer each API path with a fixture name, a dict, or a list of them in turn."""
    queues = {path: list(v) if isinstance(v, list) else [v] for path, v in table.items()}

    def handle(request: httpx.Request) -> httpx.Response:
        queue = queues[request.url.path]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, httpx.Response):
            return answer
        body = fixture(answer) if isinstance(answer, str) else answer
        return httpx.Response(200, json=body)

    return handle
