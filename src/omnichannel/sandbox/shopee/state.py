"""Everything the Shopee simulator remembers, as plain dataclasses behind one lock.

Prices are floats because Shopee's API exchanges them as JSON floats; the simulator only
stores and echoes them (our own domain keeps money in ``Decimal``).
"""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from omnichannel.sandbox.clock import Clock

ACCESS_TOKEN_SECONDS = 4 * 3600
REFRESH_TOKEN_SECONDS = 30 * 86400
AUTH_CODE_SECONDS = 10 * 60
AUTHORIZATION_SECONDS = 365 * 86400
#: After a refresh the previous access token keeps working this long (documented: 5 min).
OLD_ACCESS_TOKEN_GRACE_SECONDS = 5 * 60
#: ``timestamp`` common parameter validity (documented: 5 minutes).
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
#: ``get_order_list`` / ``get_return_list`` maximum window (documented: 15 days).
MAX_WINDOW_SECONDS = 15 * 86400
#: Order numbers count up from a random start in ``[36**7, ORDER_SN_START_LIMIT)``: eight
#: base-36 characters, with room for 2**32 orders after the start.
ORDER_SN_START_LIMIT = 36**8 - 2**32

CURRENCY_BY_REGION = {
    "SG": "SGD", "MY": "MYR", "TH": "THB", "VN": "VND", "PH": "PHP",
    "ID": "IDR", "TW": "TWD", "BR": "BRL", "MX": "MXN",
}  # fmt: skip

ORDER_STATUSES = (
    "UNPAID", "READY_TO_SHIP", "PROCESSED", "RETRY_SHIP", "SHIPPED",
    "TO_CONFIRM_RECEIVE", "IN_CANCEL", "CANCELLED", "TO_RETURN", "COMPLETED",
)  # fmt: skip
ITEM_STATUSES = ("NORMAL", "BANNED", "UNLIST", "REVIEWING", "SELLER_DELETE", "SHOPEE_DELETE")
RETURN_STATUSES = (
    "REQUESTED", "ACCEPTED", "CANCELLED", "JUDGING", "CLOSED", "PROCESSING", "SELLER_DISPUTE",
)  # fmt: skip
SHIPPING_DOCUMENT_TYPES = (
    "NORMAL_AIR_WAYBILL", "THERMAL_AIR_WAYBILL", "NORMAL_JOB_AIR_WAYBILL",
    "THERMAL_JOB_AIR_WAYBILL", "THERMAL_UNPACKAGED_LABEL",
)  # fmt: skip


class ControlError(ValueError):
    """A control-API request that cannot be honoured (unknown shop, not enough stock, …)."""


@dataclass
class Partner:
    """An app registered on the Open Platform: ``partner_id`` + secret ``partner_key``."""

    partner_id: int
    partner_key: str
    name: str = "Sandbox app"
    push_callback_url: str | None = None


@dataclass
class Address:
    """A seller address usable for pickup (``address_flag`` as documented)."""

    address_id: int
    address: str
    city: str = ""
    state: str = ""
    district: str = ""
    town: str = ""
    zipcode: str = ""
    region: str = "SG"
    address_flag: list[str] = field(
        default_factory=lambda: ["default_address", "pickup_address", "return_address"]
    )


@dataclass
class Shop:
    """A seller shop; ``location_id`` is its single seller-stock warehouse."""

    shop_id: int
    shop_name: str
    region: str = "SG"
    status: str = "NORMAL"
    location_id: str = "SGZ"
    addresses: list[Address] = field(default_factory=list)
    logistics_channel_id: int = 18025
    shipping_carrier: str = "Standard Delivery (SPX)"

    @property
    def currency(self) -> str:
        return CURRENCY_BY_REGION.get(self.region, "SGD")


@dataclass
class Authorization:
    """A seller's consent for a partner to act on a shop (valid up to 365 days)."""

    partner_id: int
    shop_id: int
    auth_time: int
    expire_time: int
    revoked: bool = False


@dataclass
class AuthCode:
    """The one-time ``code`` handed to the redirect URL (10 minutes)."""

    code: str
    partner_id: int
    shop_id: int
    expires_at: float
    used: bool = False


@dataclass
class AccessToken:
    token: str
    partner_id: int
    shop_id: int
    expires_at: float


@dataclass
class RefreshToken:
    """Single use: once exchanged, ``used`` is set and it is refused forever."""

    token: str
    partner_id: int
    shop_id: int
    expires_at: float
    access_token: str
    used: bool = False


@dataclass
class Model:
    """A variant of an item; ``stock`` is seller stock, ``reserved`` promotion-reserved."""

    model_id: int
    tier_index: list[int]
    model_sku: str
    price: float
    stock: int = 0
    reserved: int = 0
    status: str = "MODEL_NORMAL"


@dataclass
class Item:
    """A listing. Without variations its stock lives on the item (model_id 0 in APIs)."""

    item_id: int
    shop_id: int
    category_id: int
    item_name: str
    description: str = ""
    item_sku: str = ""
    item_status: str = "NORMAL"
    price: float = 0.0
    stock: int = 0
    reserved: int = 0
    weight: float = 0.5
    dimension: dict[str, int] = field(
        default_factory=lambda: {"package_length": 10, "package_width": 10, "package_height": 10}
    )
    image_id_list: list[str] = field(default_factory=list)
    attribute_list: list[dict[str, Any]] = field(default_factory=list)
    logistic_info: list[dict[str, Any]] = field(default_factory=list)
    brand: dict[str, Any] = field(
        default_factory=lambda: {"brand_id": 0, "original_brand_name": "NoBrand"}
    )
    condition: str = "NEW"
    days_to_ship: int = 2
    tier_variation: list[dict[str, Any]] = field(default_factory=list)
    models: dict[int, Model] = field(default_factory=dict)
    create_time: int = 0
    update_time: int = 0

    @property
    def has_model(self) -> bool:
        return bool(self.models)


@dataclass
class OrderLine:
    item_id: int
    model_id: int
    quantity: int
    price: float
    item_name: str
    item_sku: str
    model_name: str
    model_sku: str
    order_item_id: int


@dataclass
class ShippingDocument:
    document_type: str
    ready_at: float
    failed: bool = False
    push_sent: bool = False


@dataclass
class Order:
    order_sn: str
    shop_id: int
    status: str
    lines: list[OrderLine]
    create_time: int
    update_time: int
    buyer_user_id: int
    buyer_username: str
    recipient_address: dict[str, str]
    package_number: str
    cod: bool = False
    payment_method: str = "Credit Card/Debit Card"
    message_to_seller: str = ""
    days_to_ship: int = 2
    estimated_shipping_fee: float = 0.0
    pay_time: int | None = None
    ship_by_date: int = 0
    pickup_done_time: int = 0
    logistics_status: str = "LOGISTICS_NOT_START"
    tracking_number: str = ""
    ship_mode: str = ""
    cancel_by: str = ""
    cancel_reason: str = ""
    buyer_cancel_reason: str = ""
    status_before_cancel_request: str = ""
    stock_deducted: bool = False
    shipping_document: ShippingDocument | None = None

    @property
    def total_amount(self) -> float:
        items = sum(line.price * line.quantity for line in self.lines)
        return round(items + self.estimated_shipping_fee, 2)


@dataclass
class ReturnRequest:
    return_sn: str
    order_sn: str
    shop_id: int
    status: str
    reason: str
    text_reason: str
    lines: list[OrderLine]
    refund_amount: float
    create_time: int
    update_time: int
    due_date: int
    needs_logistics: bool = True
    tracking_number: str = ""


@dataclass
class StockUpdate:
    """One model entry of one ``update_stock`` call, as the simulator received it."""

    time: int
    shop_id: int
    item_id: int
    model_id: int
    requested_stock: int
    location_id: str | None
    success: bool
    failed_reason: str = ""


class ShopeeState:
    """All simulator data. Callers hold ``lock`` while reading or changing it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything (ids restart too, so seeded data is reproducible)."""
        self.partners: dict[int, Partner] = {}
        self.shops: dict[int, Shop] = {}
        self.authorizations: dict[tuple[int, int], Authorization] = {}
        self.auth_codes: dict[str, AuthCode] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.items: dict[int, Item] = {}
        self.orders: dict[str, Order] = {}
        self.returns: dict[str, ReturnRequest] = {}
        self.categories: list[dict[str, Any]] = []
        self.attributes: dict[int, list[dict[str, Any]]] = {}
        self.stock_updates: list[StockUpdate] = []
        self._ids = itertools.count(1)
        # Random, unlike the other ids: state lives in memory, so a restarted sandbox would
        # otherwise hand out the order numbers of its previous run again, and a service that
        # stored those orders would take a new buyer's order for an old one.
        self.order_sn_start = 36**7 + secrets.randbelow(ORDER_SN_START_LIMIT - 36**7)
        self._order_numbers = itertools.count()

    def next_id(self) -> int:
        """A fresh small integer, for ids and sequence suffixes."""
        return next(self._ids)

    def next_order_number(self) -> int:
        """The next order number of this run: increasing, so order numbers sort by creation."""
        return self.order_sn_start + next(self._order_numbers)

    def items_of_shop(self, shop_id: int) -> list[Item]:
        return [item for item in self.items.values() if item.shop_id == shop_id]

    def find_model_by_sku(self, shop_id: int, sku: str) -> tuple[Item, Model | None] | None:
        """The item (and model) carrying ``sku`` in a shop: model SKU first, then item SKU."""
        for item in self.items_of_shop(shop_id):
            for model in item.models.values():
                if model.model_sku == sku:
                    return item, model
        for item in self.items_of_shop(shop_id):
            if item.item_sku == sku and not item.has_model:
                return item, None
        return None
