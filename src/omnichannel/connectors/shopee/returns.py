"""Shopee returns: the list by time window, and one return in full."""

from __future__ import annotations

from datetime import timedelta

from omnichannel.connectors.base import ReturnsReading, TimeWindow
from omnichannel.connectors.shopee import mapping, schemas
from omnichannel.connectors.shopee.client import PAGE_SIZE, ShopeeClient, check_window
from omnichannel.unified.returns import Return, ReturnPage


class ShopeeReturnsReading(ReturnsReading):
    client: ShopeeClient
    max_return_window = timedelta(days=15)

    def list_returns(self, window: TimeWindow, cursor: str | None = None) -> ReturnPage:
        check_window(window, self.max_return_window)
        # page_no counts from 0 (documented default). Starting at 1 would skip the first
        # page if Shopee counts from 0; starting at 0 costs at most a page read twice.
        page_no = int(cursor or 0)
        prefix = "create_time" if window.field == "created" else "update_time"
        raw = self.client.call(
            "GET",
            "/api/v2/returns/get_return_list",
            family="returns",
            params=[
                ("page_no", page_no),
                ("page_size", PAGE_SIZE),
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
