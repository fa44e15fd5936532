"""Shopee logistics: shipping parameters, arranging the shipment, tracking, the label."""

from __future__ import annotations

from omnichannel.connectors.base import Fulfilling
from omnichannel.connectors.errors import InvalidRequest, NotFound, RemoteUnavailable
from omnichannel.connectors.shopee import mapping, schemas
from omnichannel.connectors.shopee.client import ShopeeClient
from omnichannel.connectors.transport import Transport
from omnichannel.unified.shipments import Label, ShippingOptions, ShipRequest, Tracking

LABEL_POLLS = 10


class ShopeeFulfilling(Fulfilling):
    transport: Transport
    client: ShopeeClient

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


def _raise_document_failure(raw: dict) -> None:
    for result in raw.get("result_list", []):
        if result.get("fail_error"):
            raise InvalidRequest(
                result.get("fail_message") or result["fail_error"],
                channel_code=result["fail_error"],
            )
