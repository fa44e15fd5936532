"""Pydantic models of the Shopee v2 payloads we read and write.

Only the fields we use are declared; ``extra="allow"`` keeps everything else so mapping
can put it in ``channel_data``. Prices are Decimal: the client parses JSON floats as
Decimal so no binary float ever touches money.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ShopeeModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def extras(self) -> dict[str, Any]:
        """The fields Shopee sent that we did not declare."""
        return dict(self.__pydantic_extra__ or {})


# ------------------------------------------------------------------------------- auth


class TokenResponse(ShopeeModel):
    access_token: str = Field(repr=False)
    refresh_token: str = Field(repr=False)
    expire_in: int
    shop_id: int | None = None
    partner_id: int | None = None


# ----------------------------------------------------------------------------- orders


class OrderListEntry(ShopeeModel):
    order_sn: str
    order_status: str | None = None


class OrderListPage(ShopeeModel):
    more: bool = False
    next_cursor: str = ""
    order_list: list[OrderListEntry] = Field(default_factory=list)


class RecipientAddress(ShopeeModel):
    name: str | None = None
    phone: str | None = None
    town: str | None = None
    district: str | None = None
    city: str | None = None
    state: str | None = None
    region: str | None = None
    zipcode: str | None = None
    full_address: str | None = None


class OrderItem(ShopeeModel):
    item_id: int
    item_name: str
    item_sku: str = ""
    model_id: int = 0
    model_name: str = ""
    model_sku: str = ""
    model_quantity_purchased: int
    model_original_price: Decimal | None = None
    model_discounted_price: Decimal | None = None
    order_item_id: int | None = None
    promotion_group_id: int | None = None


class PackageItem(ShopeeModel):
    item_id: int
    model_id: int = 0
    model_quantity: int | None = None
    order_item_id: int | None = None
    promotion_group_id: int | None = None


class OrderPackage(ShopeeModel):
    package_number: str
    logistics_status: str | None = None
    shipping_carrier: str | None = None
    logistics_channel_id: int | None = None
    item_list: list[PackageItem] = Field(default_factory=list)


class OrderDetail(ShopeeModel):
    order_sn: str
    region: str | None = None
    currency: str
    cod: bool = False
    order_status: str
    create_time: int
    update_time: int
    pay_time: int | None = None
    ship_by_date: int | None = None
    total_amount: Decimal | None = None
    estimated_shipping_fee: Decimal | None = None
    payment_method: str | None = None
    shipping_carrier: str | None = None
    message_to_seller: str | None = None
    buyer_user_id: int | None = None
    buyer_username: str | None = None
    cancel_by: str | None = None
    cancel_reason: str | None = None
    buyer_cancel_reason: str | None = None
    fulfillment_flag: str | None = None
    recipient_address: RecipientAddress | None = None
    item_list: list[OrderItem] = Field(default_factory=list)
    package_list: list[OrderPackage] = Field(default_factory=list)


class OrderDetailResponse(ShopeeModel):
    order_list: list[OrderDetail] = Field(default_factory=list)


# ---------------------------------------------------------------------------- catalog


class CategoryEntry(ShopeeModel):
    category_id: int
    parent_category_id: int = 0
    original_category_name: str = ""
    display_category_name: str = ""
    has_children: bool = False


class AttributeValueEntry(ShopeeModel):
    value_id: int
    name: str = ""
    value_unit: str | None = None


class AttributeEntry(ShopeeModel):
    attribute_id: int
    name: str = ""
    mandatory: bool = False
    attribute_value_list: list[AttributeValueEntry] = Field(default_factory=list)
    attribute_info: dict[str, Any] = Field(default_factory=dict)


class CategoryAttributes(ShopeeModel):
    category_id: int
    attribute_tree: list[AttributeEntry] = Field(default_factory=list)


class ItemListEntry(ShopeeModel):
    item_id: int
    item_status: str
    update_time: int | None = None


class ItemListPage(ShopeeModel):
    item: list[ItemListEntry] = Field(default_factory=list)
    total_count: int = 0
    has_next_page: bool = False
    next_offset: int = 0


class PriceInfo(ShopeeModel):
    currency: str | None = None
    original_price: Decimal | None = None
    current_price: Decimal | None = None


class SellerStock(ShopeeModel):
    location_id: str | None = None
    stock: int


class StockSummary(ShopeeModel):
    total_reserved_stock: int = 0
    total_available_stock: int = 0


class StockInfo(ShopeeModel):
    summary_info: StockSummary = Field(default_factory=StockSummary)
    seller_stock: list[SellerStock] = Field(default_factory=list)


class ItemAttributeValue(ShopeeModel):
    value_id: int = 0
    original_value_name: str = ""
    value_unit: str | None = None


class ItemAttribute(ShopeeModel):
    attribute_id: int
    original_attribute_name: str = ""
    attribute_value_list: list[ItemAttributeValue] = Field(default_factory=list)


class ItemImage(ShopeeModel):
    image_url_list: list[str] = Field(default_factory=list)
    image_id_list: list[str] = Field(default_factory=list)


class ItemBaseInfo(ShopeeModel):
    item_id: int
    category_id: int | None = None
    item_name: str
    description: str | None = None
    item_sku: str = ""
    update_time: int | None = None
    item_status: str
    has_model: bool = False
    attribute_list: list[ItemAttribute] = Field(default_factory=list)
    price_info: list[PriceInfo] = Field(default_factory=list)
    image: ItemImage | None = None
    weight: Decimal | None = None
    stock_info_v2: StockInfo | None = None


class ItemBaseInfoResponse(ShopeeModel):
    item_list: list[ItemBaseInfo] = Field(default_factory=list)


class TierOption(ShopeeModel):
    option: str


class TierVariation(ShopeeModel):
    name: str
    option_list: list[TierOption] = Field(default_factory=list)


class Model(ShopeeModel):
    model_id: int
    tier_index: list[int] = Field(default_factory=list)
    model_sku: str = ""
    model_status: str = "MODEL_NORMAL"
    price_info: list[PriceInfo] = Field(default_factory=list)
    stock_info_v2: StockInfo | None = None


class ModelList(ShopeeModel):
    tier_variation: list[TierVariation] = Field(default_factory=list)
    model: list[Model] = Field(default_factory=list)


# ------------------------------------------------------------------------------ stock


class StockTarget(ShopeeModel):
    location_id: str | None = None
    stock: int


class ModelStock(ShopeeModel):
    model_id: int
    seller_stock: list[StockTarget]


class UpdateStockRequest(ShopeeModel):
    item_id: int
    stock_list: list[ModelStock]


class StockFailure(ShopeeModel):
    model_id: int
    failed_reason: str = ""


class StockSuccess(ShopeeModel):
    model_id: int
    location_id: str | None = None
    stock: int | None = None


class UpdateStockResponse(ShopeeModel):
    failure_list: list[StockFailure] = Field(default_factory=list)
    success_list: list[StockSuccess] = Field(default_factory=list)


# -------------------------------------------------------------------------- logistics


class TimeSlot(ShopeeModel):
    date: int | None = None
    time_text: str = ""
    pickup_time_id: str
    flags: list[str] = Field(default_factory=list)


class PickupAddress(ShopeeModel):
    address_id: int
    region: str = ""
    state: str = ""
    city: str = ""
    district: str = ""
    town: str = ""
    address: str = ""
    zipcode: str = ""
    address_flag: list[str] = Field(default_factory=list)
    time_slot_list: list[TimeSlot] = Field(default_factory=list)


class PickupInfo(ShopeeModel):
    address_list: list[PickupAddress] = Field(default_factory=list)


class Branch(ShopeeModel):
    branch_id: int
    region: str = ""
    state: str = ""
    city: str = ""
    address: str = ""
    zipcode: str = ""


class DropoffInfo(ShopeeModel):
    branch_list: list[Branch] = Field(default_factory=list)


class InfoNeeded(ShopeeModel):
    pickup: list[str] | None = None
    dropoff: list[str] | None = None
    non_integrated: list[str] | None = None


class ShippingParameter(ShopeeModel):
    info_needed: InfoNeeded = Field(default_factory=InfoNeeded)
    pickup: PickupInfo | None = None
    dropoff: DropoffInfo | None = None


class TrackingNumber(ShopeeModel):
    tracking_number: str = ""
    hint: str | None = None


class TrackingEventEntry(ShopeeModel):
    update_time: int
    description: str = ""
    logistics_status: str | None = None


class TrackingInfo(ShopeeModel):
    order_sn: str
    logistics_status: str | None = None
    tracking_info: list[TrackingEventEntry] = Field(default_factory=list)


class DocumentResult(ShopeeModel):
    order_sn: str
    package_number: str | None = None
    status: str | None = None
    fail_error: str | None = None
    fail_message: str | None = None


class DocumentResultList(ShopeeModel):
    result_list: list[DocumentResult] = Field(default_factory=list)


# ---------------------------------------------------------------------------- returns


class ReturnItem(ShopeeModel):
    item_id: int
    model_id: int = 0
    name: str = ""
    amount: int
    item_sku: str = ""
    variation_sku: str = ""
    refund_amount: Decimal | None = None


class ReturnDetail(ShopeeModel):
    return_sn: str
    order_sn: str
    status: str
    reason: str | None = None
    text_reason: str | None = None
    refund_amount: Decimal | None = None
    currency: str | None = None
    create_time: int
    update_time: int
    tracking_number: str | None = None
    item: list[ReturnItem] = Field(default_factory=list)


class ReturnListPage(ShopeeModel):
    more: bool = False
    return_: list[ReturnDetail] = Field(default_factory=list, alias="return")


# ------------------------------------------------------------------------------- push


class PushMessage(ShopeeModel):
    code: int
    shop_id: int | None = None
    timestamp: int | None = None
    data: dict[str, Any] = Field(default_factory=dict)
