"""Shopee Open Platform v2 connector.

``ShopeeConnector`` implements every capability of the contract over one connection's
Transport. Each capability lives in its own module (``auth``, ``catalog``, ``stock``,
``orders``, ``logistics``, ``returns``), calling through the signed ``client`` and
translating with the pure ``mapping`` package; this class only assembles them. Families
used for rate budgets: auth, catalog, stock, orders, logistics, returns. Stock pushes use
the ``realtime`` lane so bulk catalog work cannot starve them.
"""

from __future__ import annotations

from collections.abc import Mapping

from omnichannel.connectors.base import Connector, ConnectorSettings, WebhookHandling
from omnichannel.connectors.shopee import webhooks
from omnichannel.connectors.shopee.auth import ShopeeAuthorizing
from omnichannel.connectors.shopee.catalog import ShopeeCatalogReading, ShopeePublishing
from omnichannel.connectors.shopee.client import ShopeeClient
from omnichannel.connectors.shopee.logistics import ShopeeFulfilling
from omnichannel.connectors.shopee.orders import ShopeeCancelling, ShopeeOrderReading
from omnichannel.connectors.shopee.returns import ShopeeReturnsReading
from omnichannel.connectors.shopee.stock import ShopeeStockReading, ShopeeStockWriting
from omnichannel.connectors.transport import Transport
from omnichannel.unified.events import WebhookEvent


class ShopeeConnector(
    Connector,
    ShopeeAuthorizing,
    ShopeeCatalogReading,
    ShopeePublishing,
    ShopeeStockWriting,
    ShopeeStockReading,
    ShopeeOrderReading,
    WebhookHandling,
    ShopeeFulfilling,
    ShopeeCancelling,
    ShopeeReturnsReading,
):
    channel = "shopee"

    def __init__(self, settings: ConnectorSettings, transport: Transport) -> None:
        super().__init__(settings, transport)
        self.partner_key = settings.credentials["partner_key"]
        self.client = ShopeeClient(
            transport,
            partner_id=int(settings.credentials["partner_id"]),
            partner_key=self.partner_key,
            shop_id=int(settings.shop_id) if settings.shop_id else None,
        )

    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        return webhooks.verify(self.partner_key, url, headers, body)

    def parse(self, body: bytes) -> list[WebhookEvent]:
        return webhooks.parse(body)
