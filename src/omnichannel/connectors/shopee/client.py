"""Shopee Open Platform v2 I/O: signing, common parameters, the response envelope.

Every call goes through the connection's Transport. Nothing here maps to unified models;
the ``mapping`` package does that, purely.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from omnichannel.connectors.base import TimeWindow
from omnichannel.connectors.errors import InvalidRequest, RateLimited
from omnichannel.connectors.shopee import vocab
from omnichannel.connectors.transport import (
    OutboundRequest,
    Outcome,
    Transport,
    http_outcome,
    parse_retry_after,
    utc_now,
)

Params = Sequence[tuple[str, Any]]

# Rate-budget lanes: stock pushes and read-backs must not wait behind bulk catalog work.
REALTIME = "realtime"
BULK = "bulk"
PAGE_SIZE = 100  # the largest page Shopee's list calls give


def sign(partner_key: str, base_string: str) -> str:
    """Lowercase hex HMAC-SHA256 of ``base_string``, keyed by the partner key as UTF-8 text."""
    return hmac.new(partner_key.encode(), base_string.encode(), hashlib.sha256).hexdigest()


def public_base_string(partner_id: int | str, path: str, timestamp: int) -> str:
    """Public / partner-level APIs (auth, token, push config) sign only these three."""
    return f"{partner_id}{path}{timestamp}"


def shop_base_string(
    partner_id: int | str, path: str, timestamp: int, access_token: str, shop_id: int | str
) -> str:
    """Shop APIs also sign the access token and shop id, in this order, no separators."""
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def loads(content: bytes) -> Any:
    """JSON with every float read as Decimal: Shopee sends prices as JSON numbers."""
    return json.loads(content, parse_float=Decimal)


_parsed: weakref.WeakKeyDictionary[httpx.Response, Any] = weakref.WeakKeyDictionary()
_UNPARSED = object()


def body_of(response: httpx.Response) -> Any:
    """The response's JSON (``loads``), parsed once: ``interpret`` reads the envelope and
    ``call`` the payload from the same parse (a 50-order detail answer is ~90 KB). Kept as
    long as the response is; a body that is not JSON raises ``ValueError`` each time."""
    body = _parsed.get(response, _UNPARSED)
    if body is _UNPARSED:
        body = _parsed[response] = loads(response.content)
    return body


def interpret(response: httpx.Response) -> Outcome:
    """Shopee's envelope: ``error`` non-empty means failure, whatever the HTTP status."""
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type and response.content[:1] != b"{":
        return http_outcome(response)
    try:
        body = body_of(response)
    except ValueError:
        return http_outcome(response)
    if not isinstance(body, dict):
        return http_outcome(response)
    request_id = body.get("request_id") or None
    code = body.get("error") or ""
    if code and code != "-":
        error = vocab.to_error(code, body.get("message") or "", request_id, response.status_code)
        if isinstance(error, RateLimited) and response.status_code == 429:
            error.retry_after = parse_retry_after(response.headers.get("retry-after"), utc_now())
        return Outcome(error, request_id)
    if response.status_code >= 400:
        return Outcome(http_outcome(response).error, request_id)
    return Outcome(None, request_id)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ShopeeClient:
    """Signed calls for one partner app, optionally bound to one shop."""

    def __init__(
        self,
        transport: Transport,
        partner_id: int,
        partner_key: str,
        shop_id: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.transport = transport
        self.partner_id = partner_id
        self.partner_key = partner_key
        self.shop_id = shop_id
        self.clock = clock or transport.clock

    def timestamp(self) -> int:
        return int(self.clock().timestamp())

    def public_params(self, path: str) -> list[tuple[str, str]]:
        """partner_id, timestamp and sign for a public (partner-level) path."""
        timestamp = self.timestamp()
        signature = sign(self.partner_key, public_base_string(self.partner_id, path, timestamp))
        return [
            ("partner_id", str(self.partner_id)),
            ("timestamp", str(timestamp)),
            ("sign", signature),
        ]

    def shop_params(self, path: str, access_token: str) -> list[tuple[str, str]]:
        if self.shop_id is None:
            raise InvalidRequest("this call needs a shop: connect a shop first")
        timestamp = self.timestamp()
        base = shop_base_string(self.partner_id, path, timestamp, access_token, self.shop_id)
        return [
            ("partner_id", str(self.partner_id)),
            ("timestamp", str(timestamp)),
            ("access_token", access_token),
            ("shop_id", str(self.shop_id)),
            ("sign", sign(self.partner_key, base)),
        ]

    def _send(
        self,
        method: str,
        path: str,
        *,
        family: str,
        lane: str,
        params: Params,
        body: Any,
        public: bool,
        safe_to_retry: bool | None,
    ) -> httpx.Response:
        extra = [(key, _text(value)) for key, value in params if value is not None]

        def build(access_token: str | None) -> OutboundRequest:
            if public:
                common = self.public_params(path)
            else:
                if access_token is None:
                    raise InvalidRequest("no access token for a shop call")
                common = self.shop_params(path, access_token)
            return OutboundRequest(method, path, params=common + extra, json=body)

        return self.transport.send(
            build,
            family=family,
            lane=lane,
            safe_to_retry=method == "GET" if safe_to_retry is None else safe_to_retry,
            authenticated=not public,
            interpret=interpret,
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        family: str,
        lane: str = "default",
        params: Params = (),
        body: Any = None,
        public: bool = False,
        safe_to_retry: bool | None = None,
    ) -> dict[str, Any]:
        """Call ``path`` and return the envelope's ``response`` object (the whole body for
        the few endpoints, like the token ones, that answer at top level).

        GETs are retried on server errors by default; POSTs only when the caller says so.
        """
        response = self._send(
            method,
            path,
            family=family,
            lane=lane,
            params=params,
            body=body,
            public=public,
            safe_to_retry=safe_to_retry,
        )
        payload = body_of(response) if response.content else {}
        inner = payload.get("response")
        return inner if isinstance(inner, dict) else payload

    def download(
        self, path: str, *, family: str, body: Any, lane: str = "default"
    ) -> tuple[bytes, str]:
        """POST returning a file: (bytes, content type). A JSON answer is an error envelope."""
        response = self._send(
            "POST",
            path,
            family=family,
            lane=lane,
            params=(),
            body=body,
            public=False,
            safe_to_retry=True,
        )
        return response.content, response.headers.get("content-type", "application/pdf")


def csv(values: Iterable[Any]) -> str:
    """Shopee's comma-separated list parameters (order_sn_list, item_id_list)."""
    return ",".join(str(value) for value in values)


def json_ready(body: dict) -> dict:
    """Decimals as JSON numbers: httpx's encoder does not know Decimal."""
    return json.loads(json.dumps(body, default=float))


def check_window(window: TimeWindow, longest: timedelta) -> None:
    """Refuse a list window Shopee would refuse, before spending a call on it."""
    if window.end <= window.start:
        raise InvalidRequest("window end must be after its start")
    if window.end - window.start > longest:
        raise InvalidRequest(f"window longer than {longest.days} days; split it")
