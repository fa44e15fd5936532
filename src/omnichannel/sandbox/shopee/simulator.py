"""The Shopee simulator object: state + clock + gateway + push, and its Python control API.

In-process::

    sim = ShopeeSimulator(clock=Clock(start=1_700_000_000))
    seed_demo(sim)
    client = sim.client()          # httpx.Client over WSGITransport

Over HTTP::

    with SandboxServer(sim.app) as server: ...   # server.url is the API host

Every control method below also exists over HTTP under ``/_sandbox/shopee/`` (control.py).
"""

from __future__ import annotations

import threading
from typing import Any

import httpx

from omnichannel.sandbox.clock import Clock
from omnichannel.sandbox.faults import Fault, FaultPlan, RateLimiter, RateLimitRule
from omnichannel.sandbox.http import Request, Response, WsgiApp, json_response
from omnichannel.sandbox.shopee import (
    auth,
    lifecycle,
    logistics,
    orders,
    products,
    publishing,
    returns,
    signing,
    tokens,
)
from omnichannel.sandbox.shopee.gateway import Gateway
from omnichannel.sandbox.shopee.push import PushDelivery, PushDispatcher
from omnichannel.sandbox.shopee.seed import install_taxonomy
from omnichannel.sandbox.shopee.state import (
    ACCESS_TOKEN_SECONDS,
    Address,
    ControlError,
    Item,
    Model,
    Order,
    Partner,
    ReturnRequest,
    Shop,
    ShopeeState,
)

IN_PROCESS_BASE_URL = "http://shopee.sandbox"


class ShopeeSimulator:
    """A faithful Shopee Open Platform v2 stand-in (see the package README in __init__)."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        access_token_seconds: int = ACCESS_TOKEN_SECONDS,
        document_delay_seconds: float = 0.0,
        push_retry_delays: tuple[float, ...] = (0.5, 2.0, 5.0),
        push_timeout: float = 3.0,
        push_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self.access_token_seconds = access_token_seconds
        self.document_delay_seconds = document_delay_seconds
        self.state = ShopeeState(self.clock)
        install_taxonomy(self.state)
        self.faults = FaultPlan()
        self.rate_limiter = RateLimiter(self.clock)
        self.push = PushDispatcher(
            self.clock, push_retry_delays, push_timeout, transport=push_transport
        )
        self.stopping = threading.Event()
        apis = auth.APIS + orders.APIS + products.APIS + publishing.APIS
        self.gateway = Gateway(self, apis + logistics.APIS + returns.APIS)
        from omnichannel.sandbox.shopee.control import build_control_router

        self.control_router = build_control_router(self)
        self.app = WsgiApp(self.handle)

    # ----------------------------------------------------------------- plumbing
    def handle(self, request: Request) -> Response:
        """Route one HTTP request: Open API, control API, or 404."""
        if request.path.startswith("/api/v2/"):
            return self.gateway.handle(request)
        found = self.control_router.match(request.method, request.path)
        if found is None:
            return json_response({"error": "not_found", "message": request.path}, status=404)
        handler, path_params = found
        request.path_params = path_params
        return handler(request)

    def client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` wired to this simulator in-process (no socket)."""
        transport = httpx.WSGITransport(app=self.app)
        return httpx.Client(transport=transport, base_url=IN_PROCESS_BASE_URL, **kwargs)

    def close(self) -> None:
        """Release hanging requests and stop the push thread."""
        self.stopping.set()
        self.push.stop()

    def new_item_id(self) -> int:
        return 800_000_000 + self.state.next_id()

    def new_model_id(self) -> int:
        return 2_000_000_000 + self.state.next_id()

    def push_to_shop(self, shop_id: int, code: int, data: dict[str, Any]) -> None:
        """Send a shop-level push to every partner currently authorized on ``shop_id``."""
        for (partner_id, linked_shop), authorization in self.state.authorizations.items():
            if linked_shop == shop_id and not authorization.revoked:
                self.push.send(self.state.partners[partner_id], shop_id, code, data)

    def signed_params(
        self,
        partner_id: int,
        path: str,
        access_token: str | None = None,
        shop_id: int | None = None,
    ) -> dict[str, Any]:
        """Common query parameters for a call, signed with the simulator's clock."""
        partner = self._partner(partner_id)
        timestamp = self.clock.timestamp()
        params: dict[str, Any] = {"partner_id": partner_id, "timestamp": timestamp}
        params["sign"] = signing.sign(
            partner.partner_key, partner_id, path, timestamp, access_token, shop_id
        )
        if access_token is not None and shop_id is not None:
            params.update(access_token=access_token, shop_id=shop_id)
        return params

    # ---------------------------------------------------------- accounts & auth
    def create_partner(
        self, partner_id: int | None = None, partner_key: str | None = None, name: str = "App"
    ) -> Partner:
        with self.state.lock:
            partner_id = partner_id or 1_000_000 + self.state.next_id()
            key = partner_key or signing.hmac_hex("sandbox", f"partner-{partner_id}")
            partner = Partner(partner_id, key, name)
            self.state.partners[partner_id] = partner
            return partner

    def create_shop(
        self, shop_id: int | None = None, shop_name: str = "Sandbox Shop", region: str = "SG"
    ) -> Shop:
        with self.state.lock:
            shop_id = shop_id or 50_000 + self.state.next_id()
            shop = Shop(shop_id, shop_name, region=region, location_id=f"{region}Z")
            shop.addresses.append(
                Address(
                    address_id=self.state.next_id(),
                    address="1 Sandbox Road, #01-01",
                    city="Singapore",
                    zipcode="018956",
                    region=region,
                )
            )
            self.state.shops[shop_id] = shop
            return shop

    def authorize(self, partner_id: int, shop_id: int, redirect_url: str) -> str:
        """The seller approves: returns ``redirect_url`` with ``code`` and ``shop_id``."""
        with self.state.lock:
            self._partner(partner_id)
            self._shop(shop_id)
            code = tokens.grant_authorization(self.state, partner_id, shop_id)
            return auth.redirect_with_code(redirect_url, code.code, shop_id)

    def issue_tokens(self, partner_id: int, shop_id: int) -> dict[str, Any]:
        """Authorize and exchange the code at once (demo shortcut): the token API's answer."""
        with self.state.lock:
            self._shop(shop_id)
            code = tokens.grant_authorization(self.state, partner_id, shop_id)
            access, refresh = tokens.exchange_code(
                self.state, partner_id, code.code, shop_id, self.access_token_seconds
            )
            return {
                "access_token": access.token,
                "refresh_token": refresh.token,
                "expire_in": self.access_token_seconds,
                "shop_id": shop_id,
                "partner_id": partner_id,
            }

    def revoke_authorization(self, shop_id: int, partner_id: int | None = None) -> int:
        """The seller cancels the authorization: tokens die, refresh says ``shop_no_linked``."""
        with self.state.lock:
            return tokens.revoke(self.state, shop_id, partner_id)

    def set_push_callback(self, partner_id: int, url: str | None) -> None:
        with self.state.lock:
            self._partner(partner_id).push_callback_url = url

    # ------------------------------------------------------------------ catalog
    def add_item(
        self,
        shop_id: int,
        item_name: str,
        *,
        category_id: int = 100_017,
        price: float = 10.0,
        stock: int = 0,
        item_sku: str = "",
        models: list[dict[str, Any]] | None = None,
        variation_name: str = "Variation",
        item_status: str = "NORMAL",
    ) -> Item:
        """Seed a listing; ``models`` = ``[{"sku", "option", "price"?, "stock"?}]``."""
        with self.state.lock:
            self._shop(shop_id)
            now = self.clock.timestamp()
            item = Item(
                item_id=self.new_item_id(),
                shop_id=shop_id,
                category_id=category_id,
                item_name=item_name,
                description=f"{item_name} (sandbox)",
                item_sku=item_sku,
                item_status=item_status,
                price=price,
                stock=0 if models else stock,
                image_id_list=[f"sandbox-image-{shop_id}-{item_sku or item_name}"],
                logistic_info=[{"logistic_id": 18025, "enabled": True, "is_free": False}],
                create_time=now,
                update_time=now,
            )
            options = []
            for index, spec in enumerate(models or []):
                options.append({"option": spec.get("option") or spec["sku"]})
                model = Model(
                    model_id=self.new_model_id(),
                    tier_index=[index],
                    model_sku=spec["sku"],
                    price=float(spec.get("price", price)),
                    stock=int(spec.get("stock", 0)),
                )
                item.models[model.model_id] = model
            if options:
                item.tier_variation = [{"name": variation_name, "option_list": options}]
            self.state.items[item.item_id] = item
            return item

    def set_stock(
        self, item_id: int, stock: int, model_id: int = 0, reserved: int | None = None
    ) -> None:
        """Change stock as the seller would in Seller Centre (not recorded as an API push)."""
        with self.state.lock:
            holder = self._stock_holder(item_id, model_id)
            holder.stock = stock
            if reserved is not None:
                holder.reserved = reserved

    def stock_levels(self, shop_id: int | None = None) -> list[dict[str, Any]]:
        """Current stock per model (model_id 0 = item without variations)."""
        with self.state.lock:
            rows = []
            for item in self.state.items.values():
                if shop_id is not None and item.shop_id != shop_id:
                    continue
                holders: list[tuple[int, str, Item | Model]] = [
                    (model.model_id, model.model_sku, model) for model in item.models.values()
                ] or [(0, item.item_sku, item)]
                for model_id, sku, holder in holders:
                    rows.append(
                        {
                            "shop_id": item.shop_id,
                            "item_id": item.item_id,
                            "model_id": model_id,
                            "sku": sku,
                            "stock": holder.stock,
                            "reserved": holder.reserved,
                            "item_status": item.item_status,
                        }
                    )
            return rows

    def stock_updates(self, shop_id: int | None = None) -> list[dict[str, Any]]:
        """Every model entry our service sent through ``update_stock``, oldest first."""
        with self.state.lock:
            return [
                vars(update).copy()
                for update in self.state.stock_updates
                if shop_id is None or update.shop_id == shop_id
            ]

    # ------------------------------------------------------------------- orders
    def create_order(self, shop_id: int, lines: list[dict[str, Any]], **options: Any) -> Order:
        """A buyer order; ``lines`` = ``[{"sku", "quantity"}]`` or item/model ids."""
        with self.state.lock:
            return lifecycle.create_order(self, shop_id, lines, **options)

    def pay(self, order_sn: str) -> Order:
        return self._advance(order_sn, lifecycle.pay)

    def buyer_cancel(self, order_sn: str, reason: str = "Need to change delivery address") -> Order:
        with self.state.lock:
            order = self._order(order_sn)
            lifecycle.buyer_requests_cancellation(self, order, reason)
            return order

    def pickup(self, order_sn: str) -> Order:
        return self._advance(order_sn, lifecycle.pickup_done)

    def pickup_failed(self, order_sn: str) -> Order:
        return self._advance(order_sn, lifecycle.pickup_failed)

    def deliver(self, order_sn: str) -> Order:
        return self._advance(order_sn, lifecycle.delivered)

    def complete(self, order_sn: str) -> Order:
        return self._advance(order_sn, lifecycle.completed)

    def order(self, order_sn: str) -> Order:
        with self.state.lock:
            return self._order(order_sn)

    def create_return(
        self, order_sn: str, reason: str = "ITEM_DAMAGED", text_reason: str = ""
    ) -> ReturnRequest:
        with self.state.lock:
            return returns.open_return(self, self._order(order_sn), reason, text_reason)

    def set_return_status(self, return_sn: str, status: str) -> ReturnRequest:
        with self.state.lock:
            request = self.state.returns.get(return_sn)
            if request is None:
                raise ControlError(f"return {return_sn} does not exist")
            returns.set_return_status(self, request, status)
            return request

    def ship_return(self, return_sn: str, tracking_number: str) -> ReturnRequest:
        """The buyer sends an accepted return back, with the courier's tracking number."""
        with self.state.lock:
            request = self.state.returns.get(return_sn)
            if request is None:
                raise ControlError(f"return {return_sn} does not exist")
            returns.ship_return(self, request, tracking_number)
            return request

    # ------------------------------------------------------------ faults & push
    def inject_fault(self, kind: str, count: int = 1, **options: Any) -> Fault:
        """Next ``count`` calls fail: ``server_error`` (status), ``hang`` (seconds),
        ``rate_limit``; ``path``/``shop_id`` narrow which calls."""
        return self.faults.add(Fault(kind=kind, remaining=count, **options))

    def set_rate_limit(self, calls: int, per_seconds: float = 1.0, **options: Any) -> None:
        """Throttle: see :class:`~omnichannel.sandbox.faults.RateLimitRule`."""
        if "per" in options:
            options["per"] = tuple(options["per"])
        self.rate_limiter.add(RateLimitRule(calls=calls, per_seconds=per_seconds, **options))

    def pushes(self) -> list[PushDelivery]:
        return self.push.deliveries()

    def wait_for_pushes(self, timeout: float = 10.0) -> bool:
        """Block until every queued push is delivered or given up."""
        return self.push.wait_idle(timeout)

    def reset(self) -> None:
        """Empty state, faults, limits and push history (callback URLs go with partners)."""
        with self.state.lock:
            self.state.reset()
            install_taxonomy(self.state)
        self.faults.clear()
        self.rate_limiter.clear()
        self.push.clear()

    # ---------------------------------------------------------------- lookups
    def _partner(self, partner_id: int) -> Partner:
        partner = self.state.partners.get(partner_id)
        if partner is None:
            raise ControlError(f"partner {partner_id} does not exist")
        return partner

    def _shop(self, shop_id: int) -> Shop:
        shop = self.state.shops.get(shop_id)
        if shop is None:
            raise ControlError(f"shop {shop_id} does not exist")
        return shop

    def _order(self, order_sn: str) -> Order:
        order = self.state.orders.get(order_sn)
        if order is None:
            raise ControlError(f"order {order_sn} does not exist")
        return order

    def _stock_holder(self, item_id: int, model_id: int) -> Item | Model:
        item = self.state.items.get(item_id)
        if item is None:
            raise ControlError(f"item {item_id} does not exist")
        if not model_id:
            if item.has_model:
                raise ControlError(f"item {item_id} has models; give a model_id")
            return item
        model = item.models.get(model_id)
        if model is None:
            raise ControlError(f"model {model_id} is not in item {item_id}")
        return model

    def _advance(self, order_sn: str, step: Any) -> Order:
        with self.state.lock:
            order = self._order(order_sn)
            step(self, order)
            return order
