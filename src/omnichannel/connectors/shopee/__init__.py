"""Shopee Open Platform v2 connector.

``ShopeeConnector`` implements every capability of the contract over one connection's
Transport. Families used for rate budgets: auth, catalog, stock, orders, logistics,
returns. Stock pushes use the ``realtime`` lane so bulk catalog work cannot starve them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlencode

from omnichannel.connectors.base import (
    Authorizing,
    Cancelling,
    CatalogReading,
    Connector,
    ConnectorSettings,
    Fulfilling,
    OrderIdPage,
    OrderReading,
    Publishing,
    ReturnsReading,
    StockReading,
    StockWriting,
    TimeWindow,
    WebhookHandling,
    chunked,
)
from omnichannel.connectors.errors import (
    InvalidRequest,
    NotFound,
    RemoteUnavailable,
)
from omnichannel.connectors.shopee import mapping, schemas, webhooks
from omnichannel.connectors.shopee.client import ShopeeClient, csv
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

ORDER_DETAIL_FIELDS = (
    "buyer_user_id,buyer_username,estimated_shipping_fee,recipient_address,actual_shipping_fee,"
    "note,item_list,pay_time,buyer_cancel_reason,cancel_by,cancel_reason,fulfillment_flag,"
    "pickup_done_time,package_list,shipping_carrier,payment_method,total_amount"
)
MAX_MODELS_PER_STOCK_CALL = 50
LABEL_POLLS = 10
REALTIME = "realtime"
BULK = "bulk"


class ShopeeConnector(
    Connector,
    Authorizing,
    CatalogReading,
    Publishing,
    StockWriting,
    StockReading,
    OrderReading,
    WebhookHandling,
    Fulfilling,
    Cancelling,
    ReturnsReading,
):
    channel = "shopee"
    # update_stock takes one item and up to 50 of its models per call.
    stock_batch_size = MAX_MODELS_PER_STOCK_CALL
    max_order_window = timedelta(days=15)
    order_detail_batch_size = 50
    item_detail_batch_size = 50
    page_size = 100

    def __init__(self, settings: ConnectorSettings, transport: Transport) -> None:
        super().__init__(settings, transport)
        self.partner_key = settings.credentials["partner_key"]
        self.client = ShopeeClient(
            transport,
            partner_id=int(settings.credentials["partner_id"]),
            partner_key=self.partner_key,
            shop_id=int(settings.shop_id) if settings.shop_id else None,
        )

    # ------------------------------------------------------------------------ auth

    def authorize_url(self, redirect_url: str) -> str:
        """Link valid 5 minutes; Shopee redirects to ``redirect_url?code=..&shop_id=..``."""
        path = "/api/v2/shop/auth_partner"
        query = [*self.client.public_params(path), ("redirect", redirect_url)]
        return f"{self.settings.api_base_url.rstrip('/')}{path}?{urlencode(query)}"

    def exchange_code(self, callback_params: Mapping[str, str]) -> TokenSet:
        try:
            code, shop_id = callback_params["code"], callback_params["shop_id"]
        except KeyError as missing:
            raise InvalidRequest(f"callback lacks {missing.args[0]}") from None
        now = self.transport.clock()
        body = {"code": code, "shop_id": int(shop_id), "partner_id": self.client.partner_id}
        raw = self.client.call(
            "POST", "/api/v2/auth/token/get", family="auth", body=body, public=True
        )
        return mapping.to_token_set(schemas.TokenResponse.model_validate(raw), shop_id, now)

    def refresh_tokens(self, refresh_token: str) -> TokenSet:
        """Never retried here: the refresh token is single-use, a repeat would be refused."""
        now = self.transport.clock()
        body = {
            "refresh_token": refresh_token,
            "partner_id": self.client.partner_id,
            "shop_id": self.client.shop_id,
        }
        raw = self.client.call(
            "POST", "/api/v2/auth/access_token/get", family="auth", body=body, public=True
        )
        token = schemas.TokenResponse.model_validate(raw)
        return mapping.to_token_set(token, self.settings.shop_id, now)

    # --------------------------------------------------------------------- catalog

    def categories(self) -> list[Category]:
        raw = self.client.call(
            "GET",
            "/api/v2/product/get_category",
            family="catalog",
            lane=BULK,
            params=[("language", "en")],
        )
        return [
            mapping.to_category(schemas.CategoryEntry.model_validate(entry))
            for entry in raw.get("category_list", [])
        ]

    def attributes(self, category_id: str) -> list[Attribute]:
        raw = self.client.call(
            "GET",
            "/api/v2/product/get_attribute_tree",
            family="catalog",
            lane=BULK,
            params=[("category_id_list", category_id), ("language", "en")],
        )
        attributes = []
        for entry in raw.get("list", []):
            tree = schemas.CategoryAttributes.model_validate(entry)
            if str(tree.category_id) == str(category_id):
                attributes.extend(mapping.to_attribute(a) for a in tree.attribute_tree)
        return attributes

    def iter_items(self, updated_since: datetime | None = None) -> Iterator[ChannelItem]:
        """get_item_list (offset pages) → get_item_base_info (≤50) → get_model_list."""
        for item_ids in chunked(self._iter_item_ids(updated_since), self.item_detail_batch_size):
            yield from self._items(item_ids, lane=BULK)

    def _iter_item_ids(self, updated_since: datetime | None) -> Iterator[int]:
        offset = 0
        while True:
            params: list[tuple[str, object]] = [("offset", offset), ("page_size", self.page_size)]
            params += [("item_status", status) for status in ("NORMAL", "UNLIST")]
            if updated_since is not None:
                params += [
                    ("update_time_from", mapping.to_timestamp(updated_since)),
                    ("update_time_to", mapping.to_timestamp(self.transport.clock())),
                ]
            raw = self.client.call(
                "GET", "/api/v2/product/get_item_list", family="catalog", lane=BULK, params=params
            )
            page = schemas.ItemListPage.model_validate(raw)
            yield from (entry.item_id for entry in page.item)
            if not page.has_next_page or not page.item:
                return
            offset = page.next_offset

    def _items(self, item_ids: Sequence[int | str], lane: str) -> list[ChannelItem]:
        raw = self.client.call(
            "GET",
            "/api/v2/product/get_item_base_info",
            family="catalog",
            lane=lane,
            params=[("item_id_list", csv(item_ids))],
        )
        items = []
        for base in schemas.ItemBaseInfoResponse.model_validate(raw).item_list:
            models = self._models(base.item_id, lane) if base.has_model else None
            items.append(mapping.to_channel_item(base, models))
        return items

    def _models(self, item_id: int, lane: str) -> schemas.ModelList:
        raw = self.client.call(
            "GET",
            "/api/v2/product/get_model_list",
            family="catalog",
            lane=lane,
            params=[("item_id", item_id)],
        )
        return schemas.ModelList.model_validate(raw)

    # -------------------------------------------------------------------- publish

    def publish(self, draft: ListingDraft) -> PublishResult:
        raw = self.client.call(
            "POST",
            "/api/v2/product/add_item",
            family="catalog",
            body=_json_ready(mapping.add_item_payload(draft)),
        )
        item_id = int(raw["item_id"])
        variant_ids: dict[str, str] = {}
        if draft.variants:
            tiers = self.client.call(
                "POST",
                "/api/v2/product/init_tier_variation",
                family="catalog",
                body=_json_ready(mapping.init_tier_variation_payload(item_id, draft)),
            )
            variant_ids = {
                model["model_sku"]: str(model["model_id"])
                for model in tiers.get("model", [])
                if model.get("model_sku")
            }
        return PublishResult(external_item_id=str(item_id), variant_ids_by_sku=variant_ids)

    def update(self, external_item_id: str, draft: ListingDraft) -> PublishResult:
        body = mapping.add_item_payload(draft)
        body.pop("seller_stock")  # stock only ever moves through push_stock
        body["item_id"] = int(external_item_id)
        self.client.call(
            "POST",
            "/api/v2/product/update_item",
            family="catalog",
            body=_json_ready(body),
            safe_to_retry=True,  # setting the same content twice is harmless
        )
        return PublishResult(external_item_id=external_item_id)

    def set_active(self, external_item_id: str, active: bool) -> None:
        raw = self.client.call(
            "POST",
            "/api/v2/product/unlist_item",
            family="catalog",
            safe_to_retry=True,
            body={"item_list": [{"item_id": int(external_item_id), "unlist": not active}]},
        )
        for failure in raw.get("failure_list", []):
            raise InvalidRequest(failure.get("failed_reason", "unlist refused"))

    # ---------------------------------------------------------------------- stock

    def push_stock(self, updates: Sequence[StockUpdate]) -> list[StockUpdateResult]:
        """One update_stock per item (≤50 models each). A refusal of one item becomes failed
        results for its models; auth, rate and availability errors propagate to the drain."""
        by_item: dict[str, list[StockUpdate]] = defaultdict(list)
        for update in updates:
            by_item[update.external_item_id].append(update)
        results: list[StockUpdateResult] = []
        for item_id, item_updates in by_item.items():
            for chunk in chunked(item_updates, MAX_MODELS_PER_STOCK_CALL):
                results.extend(self._push_item_stock(item_id, chunk))
        return results

    def _push_item_stock(
        self, item_id: str, updates: Sequence[StockUpdate]
    ) -> list[StockUpdateResult]:
        payload = mapping.stock_update_payload(item_id, updates)
        try:
            raw = self.client.call(
                "POST",
                "/api/v2/product/update_stock",
                family="stock",
                lane=REALTIME,
                body=payload.model_dump(mode="json", exclude_none=True),
                safe_to_retry=True,  # absolute values: setting twice is the same as once
            )
        except (InvalidRequest, NotFound) as refused:
            return [
                StockUpdateResult(
                    external_item_id=u.external_item_id,
                    external_variant_id=u.external_variant_id,
                    quantity=u.quantity,
                    ok=False,
                    error_code=refused.channel_code or refused.code,
                    error_message=refused.message,
                )
                for u in updates
            ]
        response = schemas.UpdateStockResponse.model_validate(raw)
        return mapping.to_stock_results(updates, response)

    def read_stock(self, external_item_ids: Sequence[str]) -> list[ChannelStock]:
        stock: list[ChannelStock] = []
        for chunk in chunked(external_item_ids, self.item_detail_batch_size):
            for item in self._items(chunk, lane=REALTIME):
                stock.extend(mapping.to_channel_stock(item))
        return stock

    # --------------------------------------------------------------------- orders

    def list_order_ids(self, window: TimeWindow, cursor: str | None = None) -> OrderIdPage:
        _check_window(window, self.max_order_window)
        raw = self.client.call(
            "GET",
            "/api/v2/order/get_order_list",
            family="orders",
            params=[
                ("time_range_field", "create_time" if window.field == "created" else "update_time"),
                ("time_from", mapping.to_timestamp(window.start)),
                ("time_to", mapping.to_timestamp(window.end)),
                ("page_size", self.page_size),
                ("cursor", cursor or ""),
                ("response_optional_fields", "order_status"),
            ],
        )
        page = schemas.OrderListPage.model_validate(raw)
        return OrderIdPage(
            ids=[entry.order_sn for entry in page.order_list],
            next_cursor=page.next_cursor if page.more and page.next_cursor else None,
        )

    def get_orders(self, external_ids: Sequence[str]) -> list[UnifiedOrder]:
        orders: list[UnifiedOrder] = []
        for chunk in chunked(external_ids, self.order_detail_batch_size):
            raw = self.client.call(
                "GET",
                "/api/v2/order/get_order_detail",
                family="orders",
                params=[
                    ("order_sn_list", csv(chunk)),
                    ("response_optional_fields", ORDER_DETAIL_FIELDS),
                ],
            )
            response = schemas.OrderDetailResponse.model_validate(raw)
            orders.extend(mapping.to_unified_order(detail) for detail in response.order_list)
        return orders

    # ------------------------------------------------------------------- webhooks

    def verify(self, url: str, headers: Mapping[str, str], body: bytes) -> bool:
        return webhooks.verify(self.partner_key, url, headers, body)

    def parse(self, body: bytes) -> list[WebhookEvent]:
        return webhooks.parse(body)

    # ---------------------------------------------------------------- fulfillment

    def shipping_options(self, order_id: str, package_id: str | None = None) -> ShippingOptions:
        raw = self.client.call(
            "GET",
            "/api/v2/logistics/get_shipping_parameter",
            family="logistics",
            params=[("order_sn", order_id), ("package_number", package_id)],
        )
        parameter = schemas.ShippingParameter.model_validate(raw)
        return mapping.to_shipping_options(order_id, package_id, parameter)

    def ship(self, order_id: str, request: ShipRequest, package_id: str | None = None) -> None:
        """Not retried on server errors: Shopee may have arranged it; re-read the order."""
        self.client.call(
            "POST",
            "/api/v2/logistics/ship_order",
            family="logistics",
            body=mapping.ship_order_payload(order_id, package_id, request),
        )

    def tracking(self, order_id: str, package_id: str | None = None) -> Tracking:
        params = [("order_sn", order_id), ("package_number", package_id)]
        number = self.client.call(
            "GET", "/api/v2/logistics/get_tracking_number", family="logistics", params=params
        )
        try:
            info = self.client.call(
                "GET", "/api/v2/logistics/get_tracking_info", family="logistics", params=params
            )
        except NotFound:
            # The number call proved the order exists; some hosts (our sandbox) have no
            # event history yet, and a label flow must not fail for want of events.
            info = {}
        return mapping.to_tracking(
            order_id,
            package_id,
            schemas.TrackingNumber.model_validate(number),
            schemas.TrackingInfo.model_validate(info) if info.get("order_sn") else None,
        )

    def label(self, order_id: str, package_id: str | None = None) -> Label:
        """create_shipping_document → poll get_shipping_document_result → download.

        No document type is sent: Shopee then uses the type it suggests for the channel.
        """
        order = {"order_sn": order_id, **({"package_number": package_id} if package_id else {})}
        created = self.client.call(
            "POST",
            "/api/v2/logistics/create_shipping_document",
            family="logistics",
            safe_to_retry=True,  # creating the same document task twice yields one document
            body={"order_list": [order]},
        )
        _raise_document_failure(created)
        self._wait_for_document(order)
        content, content_type = self.client.download(
            "/api/v2/logistics/download_shipping_document",
            family="logistics",
            body={"order_list": [order]},
        )
        return Label(content=content, content_type=content_type)

    def _wait_for_document(self, order: dict[str, str]) -> None:
        for poll in range(LABEL_POLLS):
            raw = self.client.call(
                "POST",
                "/api/v2/logistics/get_shipping_document_result",
                family="logistics",
                safe_to_retry=True,
                body={"order_list": [order]},
            )
            _raise_document_failure(raw)
            results = schemas.DocumentResultList.model_validate(raw).result_list
            if results and results[0].status == "READY":
                return
            if results and results[0].status == "FAILED":
                raise InvalidRequest("Shopee failed to create the shipping document")
            self.transport.sleep(min(2.0**poll, 10.0))
        raise RemoteUnavailable("shipping document still processing; try again later")

    # -------------------------------------------------------------------- cancel

    def cancel(self, order_id: str, reason: str, lines: Sequence[tuple[str, str]] = ()) -> None:
        """``reason``: OUT_OF_STOCK (needs ``lines``), CUSTOMER_REQUEST, UNDELIVERABLE_AREA,
        COD_NOT_SUPPORTED."""
        body: dict[str, object] = {"order_sn": order_id, "cancel_reason": reason}
        if lines:
            body["item_list"] = [
                {"item_id": int(item_id), "model_id": int(model_id or 0)}
                for item_id, model_id in lines
            ]
        self.client.call("POST", "/api/v2/order/cancel_order", family="orders", body=body)

    def answer_cancellation(self, order_id: str, accept: bool) -> None:
        self.client.call(
            "POST",
            "/api/v2/order/handle_buyer_cancellation",
            family="orders",
            body={"order_sn": order_id, "operation": "ACCEPT" if accept else "REJECT"},
        )

    # -------------------------------------------------------------------- returns

    def list_returns(self, window: TimeWindow, cursor: str | None = None) -> ReturnPage:
        _check_window(window, timedelta(days=15))
        page_no = int(cursor or 1)
        prefix = "create_time" if window.field == "created" else "update_time"
        raw = self.client.call(
            "GET",
            "/api/v2/returns/get_return_list",
            family="returns",
            params=[
                ("page_no", page_no),
                ("page_size", self.page_size),
                (f"{prefix}_from", mapping.to_timestamp(window.start)),
                (f"{prefix}_to", mapping.to_timestamp(window.end)),
            ],
        )
        page = schemas.ReturnListPage.model_validate(raw)
        return ReturnPage(
            returns=[mapping.to_unified_return(detail) for detail in page.return_],
            next_cursor=str(page_no + 1) if page.more else None,
        )

    def get_return(self, external_id: str) -> Return:
        raw = self.client.call(
            "GET",
            "/api/v2/returns/get_return_detail",
            family="returns",
            params=[("return_sn", external_id)],
        )
        return mapping.to_unified_return(schemas.ReturnDetail.model_validate(raw))


def _check_window(window: TimeWindow, longest: timedelta) -> None:
    if window.end <= window.start:
        raise InvalidRequest("window end must be after its start")
    if window.end - window.start > longest:
        raise InvalidRequest(f"window longer than {longest.days} days; split it")


def _raise_document_failure(raw: dict) -> None:
    for result in raw.get("result_list", []):
        if result.get("fail_error"):
            raise InvalidRequest(
                result.get("fail_message") or result["fail_error"],
                channel_code=result["fail_error"],
            )


def _json_ready(body: dict) -> dict:
    """Decimals as JSON numbers: httpx's encoder does not know Decimal."""
    return json.loads(json.dumps(body, default=float))
