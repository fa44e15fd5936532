"""The API gateway: what every Shopee call goes through before its handler runs.

Order of checks, as a real gateway would do them: injected faults (the gateway itself is
down or slow), common parameters (``partner_id``, ``timestamp``, ``sign`` and for Shop APIs
``access_token`` + ``shop_id``), the signature, the access token, the rate limit, and only
then the handler, under the state lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from omnichannel.sandbox.http import BadRequest, Request, Response
from omnichannel.sandbox.shopee import signing, tokens
from omnichannel.sandbox.shopee.envelope import (
    RATE_LIMIT_ERROR,
    RATE_LIMIT_MESSAGE,
    Reply,
    ShopeeError,
    failure,
    new_request_id,
    param_error,
    success,
)
from omnichannel.sandbox.shopee.state import TIMESTAMP_TOLERANCE_SECONDS, Partner, Shop

if TYPE_CHECKING:
    from omnichannel.sandbox.shopee.simulator import ShopeeSimulator

logger = logging.getLogger(__name__)

PUBLIC = "public"
SHOP = "shop"


@dataclass
class Call:
    """One authenticated API call, as handlers see it."""

    sim: ShopeeSimulator
    request: Request
    partner: Partner
    shop: Shop | None
    request_id: str

    @property
    def shop_id(self) -> int:
        assert self.shop is not None, "Shop API handlers always have a shop"
        return self.shop.shop_id

    def params(self) -> dict[str, Any]:
        """Request parameters: the query for GET, the JSON body for POST."""
        if self.request.method == "GET":
            return {key: values[0] for key, values in self.request.query.items()}
        body = self.request.json()
        if not isinstance(body, dict):
            raise param_error("request body must be a JSON object")
        return body


ApiHandler = Callable[[Call], "Reply | Response"]


@dataclass(frozen=True)
class Api:
    """One documented endpoint: method, path, Public or Shop API, handler."""

    method: str
    path: str
    kind: str
    handler: ApiHandler


def int_param(value: Any, name: str, *, required: bool = True) -> int | None:
    """Parse an integer parameter (query strings arrive as text), or raise ``error_param``."""
    if value is None or value == "":
        if required:
            raise param_error(f"{name} is required")
        return None
    if isinstance(value, bool):
        raise param_error(f"{name} should be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise param_error(f"{name} should be an integer") from None


def gateway_error(message: str) -> ShopeeError:
    """A malformed common parameter: ``error_param`` answered with HTTP 400."""
    return ShopeeError("error_param", message, http_status=400)


class Gateway:
    """Dispatches ``/api/v2/...`` requests to registered :class:`Api` handlers."""

    def __init__(self, sim: ShopeeSimulator, apis: list[Api]) -> None:
        self.sim = sim
        self.apis = {api.path: api for api in apis}

    def handle(self, request: Request) -> Response:
        """Answer one API request; never raises."""
        request_id = new_request_id()
        try:
            return self._handle(request, request_id)
        except ShopeeError as exc:
            headers = []
            if exc.error == RATE_LIMIT_ERROR and exc.response is None:
                headers = [("Retry-After", "1")]
            return failure(exc, request_id, headers)
        except BadRequest as exc:
            return failure(param_error(str(exc)), request_id)
        except Exception:  # a simulator bug must still answer in Shopee's shape
            logger.exception("Shopee sandbox handler crashed on %s", request.path)
            return failure(
                ShopeeError("error_server", "Something wrong. Please try later."), request_id
            )

    def _handle(self, request: Request, request_id: str) -> Response:
        api = self.apis.get(request.path)
        if api is None or api.method != request.method:
            raise ShopeeError("error_not_found", f"api {request.method} {request.path} not found")
        shop_id_text = request.arg("shop_id")
        shop_id_hint = int(shop_id_text) if shop_id_text and shop_id_text.isdigit() else None
        self._apply_fault(request.path, shop_id_hint)

        partner, shop = self._authenticate(request, api.kind)
        wait = self.sim.rate_limiter.check(
            partner.partner_id, shop.shop_id if shop else None, request.path
        )
        if wait is not None:
            retry_after = str(max(1, int(wait + 0.999)))
            return failure(
                ShopeeError(RATE_LIMIT_ERROR, RATE_LIMIT_MESSAGE),
                request_id,
                [("Retry-After", retry_after)],
            )
        call = Call(self.sim, request, partner, shop, request_id)
        with self.sim.state.lock:
            result = api.handler(call)
        if isinstance(result, Response):
            return result
        return success(result, request_id)

    def _apply_fault(self, path: str, shop_id: int | None) -> None:
        fault = self.sim.faults.take(path, shop_id)
        if fault is None:
            return
        if fault.kind == "server_error":
            raise ShopeeError(
                "error_server", "Something wrong. Please try later.", http_status=fault.status
            )
        if fault.kind == "rate_limit":
            raise ShopeeError(RATE_LIMIT_ERROR, RATE_LIMIT_MESSAGE)
        # "hang": hold the request, then carry on as a slow gateway would.
        self.sim.stopping.wait(fault.seconds)

    def _authenticate(self, request: Request, kind: str) -> tuple[Partner, Shop | None]:
        """Check common parameters, the signature and (Shop APIs) the access token."""
        state = self.sim.state
        partner_text = request.arg("partner_id")
        if not partner_text:
            raise gateway_error("There is no partner_id in query.")
        timestamp_text = request.arg("timestamp")
        if not timestamp_text:
            raise gateway_error("no timestamp")
        sign = request.arg("sign")
        if not sign:
            raise gateway_error("There is no sign in query.")
        if not partner_text.isdigit() or int(partner_text) not in state.partners:
            raise gateway_error("Invalid partner_id.")
        partner = state.partners[int(partner_text)]
        if not timestamp_text.isdigit():
            raise gateway_error("Invalid timestamp")
        if abs(self.sim.clock.now() - int(timestamp_text)) > TIMESTAMP_TOLERANCE_SECONDS:
            raise gateway_error("Invalid timestamp")

        if kind == PUBLIC:
            expected = signing.sign(partner.partner_key, partner_text, request.path, timestamp_text)
            if not signing.signatures_equal(expected, sign):
                raise ShopeeError("error_sign", "Wrong sign.")
            return partner, None

        access_token = request.arg("access_token")
        if not access_token:
            raise gateway_error("There is no access_token in query.")
        shop_text = request.arg("shop_id")
        if not shop_text or not shop_text.isdigit():
            raise gateway_error("Wrong parameters, detail: shop_id is required.")
        expected = signing.sign(
            partner.partner_key, partner_text, request.path, timestamp_text, access_token, shop_text
        )
        if not signing.signatures_equal(expected, sign):
            raise ShopeeError("error_sign", "Wrong sign.")
        with state.lock:
            shop = state.shops.get(int(shop_text))
            if shop is None:
                raise ShopeeError("error_shop", "shopid is invalid")
            tokens.check_access_token(state, partner.partner_id, shop.shop_id, access_token)
        return partner, shop
