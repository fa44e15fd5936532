"""The connector contract: settings, capability interfaces, capability derivation, registry.

The domain talks to channels only through these interfaces, picking the class by the
connection's channel key (``connector_class``). A connector subclasses the capability
interfaces it supports; ``capabilities()`` is derived from that, so the API and admin
show exactly what a channel can do, and ``require()`` answers ``capability.unsupported``
for the rest. Errors are the typed ones from ``connectors.errors`` (re-exported here).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeVar

from omnichannel.connectors.errors import (
    AuthExpired,
    AuthRevoked,
    CapabilityUnsupported,
    ConnectorError,
    InvalidRequest,
    NotFound,
    RateLimited,
    RemoteUnavailable,
)
from omnichannel.connectors.transport import Transport
from omnichannel.unified.auth import TokenSet
from omnichannel.unified.catalog import (
    Attribute,
    Category,
    ChannelItem,
    ListingDraft,
    PublishResult,
)
from omnichannel.unified.events import WebhookEvent
from omnichannel.unified.orders import UnifiedOrder
from omnichannel.unified.returns import Return, ReturnPage
from omnichannel.unified.shipments import Label, ShippingOptions, ShipRequest, Tracking
from omnichannel.unified.stock import ChannelStock, StockUpdate, StockUpdateResult

__all__ = [
    "AuthExpired",
    "AuthRevoked",
    "CapabilityUnsupported",
    "ConnectorError",
    "InvalidRequest",
    "NotFound",
    "RateLimited",
    "RemoteUnavailable",
]


@dataclass(frozen=True)
class ConnectorSettings:
    """Everything a connector needs to talk for one connection (or one app, before auth).

    ``credentials`` are the channel app's secrets (Shopee: ``partner_id``, ``partner_key``);
    they never appear in ``repr`` and the transport redacts them from call records.
    """

    channel: str
    api_base_url: str
    credentials: Mapping[str, str] = field(repr=False)
    region: str | None = None
    shop_id: str | None = None


@dataclass(frozen=True)
class TimeWindow:
    """A half-open time range ``[start, end)`` on one of the channel's time fields."""

    start: datetime
    end: datetime
    field: Literal["created", "updated"] = "updated"


@dataclass(frozen=True)
class OrderIdPage:
    """One page of order ids; ``next_cursor`` is None when the window is exhausted."""

    ids: list[str]
    next_cursor: str | None = None


class Connector:
    """What every connector is built with: its settings and its connection's transport."""

    channel: str = ""

    def __init__(self, settings: ConnectorSettings, transport: Transport) -> None:
        self.settings = settings
        self.transport = transport


class Authorizing(ABC):
    @abstractmethod
    def authorize_url(self, redirect_url: str) -> str:
        """The URL to send the seller to; the channel redirects back with a code."""

    @abstractmethod
    def exchange_code(self, callback_params: Mapping[str, str]) -> TokenSet:
        """Turn the redirect's query parameters into tokens (``TokenSet.shop_id`` set)."""

    @abstractmethod
    def refresh_tokens(self, refresh_token: str) -> TokenSet:
        """New tokens. Refresh tokens may be single-use: persist the result before anything."""


class CatalogReading(ABC):
    @abstractmethod
    def categories(self) -> list[Category]:
        """The channel's whole category tree, flattened (parent ids link it)."""

    @abstractmethod
    def attributes(self, category_ids: Sequence[str]) -> dict[str, list[Attribute]]:
        """Attributes (and allowed values) of each category, keyed by category id.

        The connector asks for as many categories per call as its channel allows: a tree
        has thousands of leaves, and one call per leaf would spend the day's catalog budget.
        """

    @abstractmethod
    def iter_items(self, updated_since: datetime | None = None) -> Iterator[ChannelItem]:
        """Every listing (with variants, price and stock), paging through the channel."""


class Publishing(ABC):
    @abstractmethod
    def publish(self, draft: ListingDraft) -> PublishResult:
        """Create a listing from a product."""

    @abstractmethod
    def update(self, external_item_id: str, draft: ListingDraft) -> PublishResult:
        """Change a listing's content (not its stock: that is ``push_stock``)."""

    @abstractmethod
    def set_active(self, external_item_id: str, active: bool) -> None:
        """List or unlist, without deleting."""


class StockWriting(ABC):
    stock_batch_size: int = 1

    @abstractmethod
    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockUpdateResult]:
        """Set absolute quantities. One result per update; per-listing refusals are results
        with ``ok=False``, not exceptions. Call with at most ``stock_batch_size`` updates."""


class StockReading(ABC):
    @abstractmethod
    def read_stock(self, external_item_ids: Sequence[str]) -> list[ChannelStock]:
        """Quantities as the channel shows them now, for reconciliation."""


class OrderReading(ABC):
    max_order_window: timedelta = timedelta(days=1)
    order_detail_batch_size: int = 1

    @abstractmethod
    def list_order_ids(self, window: TimeWindow, cursor: str | None = None) -> OrderIdPage:
        """Ids of orders in ``window`` (at most ``max_order_window`` long), one page."""

    @abstractmethod
    def get_orders(self, external_ids: Sequence[str]) -> list[UnifiedOrder]:
        """Full orders, at most ``order_detail_batch_size`` ids per call."""


class WebhookHandling(ABC):
    @abstractmethod
    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        """True only if the raw body was signed by the channel for this URL."""

    @abstractmethod
    def parse(self, body: bytes) -> list[WebhookEvent]:
        """Unified events from a verified body (change signals: re-read the subject)."""


class Fulfilling(ABC):
    @abstractmethod
    def shipping_options(self, order_id: str, package_id: str | None = None) -> ShippingOptions:
        """How this package can be arranged: modes, pickup addresses and slots, branches."""

    @abstractmethod
    def ship(self, order_id: str, request: ShipRequest, package_id: str | None = None) -> None:
        """Arrange the shipment by pickup (address + slot) or drop-off."""

    @abstractmethod
    def tracking(self, order_id: str, package_id: str | None = None) -> Tracking:
        """Tracking number (may be empty until the carrier assigns one) and events."""

    @abstractmethod
    def label(self, order_id: str, package_id: str | None = None) -> Label:
        """The shipping label document (PDF bytes)."""


class Cancelling(ABC):
    @abstractmethod
    def cancel(self, order_id: str, reason: str, lines: Sequence[tuple[str, str]] = ()) -> None:
        """Seller cancels; ``lines`` are (item id, variant id) pairs when the reason needs them."""

    @abstractmethod
    def answer_cancellation(self, order_id: str, accept: bool) -> None:
        """Accept or reject the buyer's cancellation request."""


class ReturnsReading(ABC):
    max_return_window: timedelta = timedelta(days=1)

    @abstractmethod
    def list_returns(self, window: TimeWindow, cursor: str | None = None) -> ReturnPage:
        """Returns created or updated in ``window`` (at most ``max_return_window`` long),
        one page, each in full."""

    @abstractmethod
    def get_return(self, external_id: str) -> Return:
        """One return in full."""


CAPABILITIES: dict[str, type] = {
    "auth": Authorizing,
    "catalog": CatalogReading,
    "publish": Publishing,
    "stock_push": StockWriting,
    "stock_read": StockReading,
    "orders": OrderReading,
    "webhooks": WebhookHandling,
    "fulfillment": Fulfilling,
    "cancel": Cancelling,
    "returns": ReturnsReading,
}


def capabilities(connector: object | type) -> set[str]:
    """The capability names a connector (class or instance) implements.

    A class counts as implementing an interface when it subclasses it and none of the
    interface's methods is left abstract, so a half-done connector shows nothing it lacks.
    """
    cls = connector if isinstance(connector, type) else type(connector)
    left_abstract = getattr(cls, "__abstractmethods__", frozenset())
    return {
        name
        for name, interface in CAPABILITIES.items()
        if issubclass(cls, interface) and not (interface.__abstractmethods__ & left_abstract)
    }


def require(connector: object, capability: str) -> None:
    """Raise ``CapabilityUnsupported`` unless the connector implements ``capability``."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")
    if capability not in capabilities(connector):
        channel = getattr(connector, "channel", type(connector).__name__)
        raise CapabilityUnsupported(f"{channel} does not support {capability}")


T = TypeVar("T")

# Channel key -> "module:Class". Imported lazily so importing the contract stays cheap
# and a broken connector cannot stop the others from loading.
REGISTRY: dict[str, str] = {
    "shopee": "omnichannel.connectors.shopee:ShopeeConnector",
}


def connector_class(channel: str) -> type[Connector]:
    """The connector class for a channel key; ``CapabilityUnsupported`` if none exists."""
    try:
        target = REGISTRY[channel]
    except KeyError:
        raise CapabilityUnsupported(f"no connector for channel {channel!r}") from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)


def chunked(values: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` values: channel batch limits (itertools.batched
    arrives only in Python 3.12)."""
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def build_connector(settings: ConnectorSettings, transport: Transport) -> Connector:
    """Instantiate the connector of ``settings.channel`` over a connection's transport."""
    return connector_class(settings.channel)(settings, transport)
