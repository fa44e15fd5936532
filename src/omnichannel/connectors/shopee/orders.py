"""Shopee orders: ids by time window, details in batches, the seller's cancellations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from omnichannel.connectors.base import (
    Cancelling,
    OrderIdPage,
    OrderReading,
    TimeWindow,
    chunked,
)
from omnichannel.connectors.shopee import mapping, schemas
from omnichannel.connectors.shopee.client import PAGE_SIZE, ShopeeClient, check_window, csv
from omnichannel.unified.orders import UnifiedOrder

ORDER_DETAIL_FIELDS = (
    "buyer_user_id,buyer_username,estimated_shipping_fee,recipient_address,actual_shipping_fee,"
    "note,item_list,pay_time,buyer_cancel_reason,cancel_by,cancel_reason,fulfillment_flag,"
    "pickup_done_time,package_list,shipping_carrier,payment_method,total_amount"
)


class ShopeeOrderReading(OrderReading):
    client: ShopeeClient
    max_order_window = timedelta(days=15)
    order_detail_batch_size = 50

    def list_order_ids(self, window: TimeWindow, cursor: str | None = None) -> OrderIdPage:
        check_window(window, self.max_order_window)
        raw = self.client.call(
            "GET",
            "/api/v2/order/get_order_list",
            family="orders",
            params=[
                ("time_range_field", "create_time" if window.field == "created" else "update_time"),
                ("time_from", mapping.to_timestamp(window.start)),
                ("time_to", mapping.to_timestamp(window.end)),
                ("page_size", PAGE_SIZE),
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


class ShopeeCancelling(Cancelling):
    client: ShopeeClient

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
