"""The control API: JSON over HTTP under ``/_sandbox/shopee/``, for tests and the demo.

Each route calls the same-named :class:`ShopeeSimulator` method. Not part of Shopee's
protocol and never signed. Errors answer 400 ``{"error": "control_error", "message": …}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from omnichannel.sandbox.http import BadRequest, Request, Response, Router, json_response, redirect
from omnichannel.sandbox.shopee.auth import APPROVE_PATH
from omnichannel.sandbox.shopee.seed import seed_demo
from omnichannel.sandbox.shopee.state import ControlError, Item, Order

if TYPE_CHECKING:
    from omnichannel.sandbox.shopee.simulator import ShopeeSimulator

PREFIX = "/_sandbox/shopee"


def order_summary(order: Order) -> dict[str, Any]:
    """What the control API shows of an order."""
    return {
        "order_sn": order.order_sn,
        "shop_id": order.shop_id,
        "status": order.status,
        "logistics_status": order.logistics_status,
        "package_number": order.package_number,
        "tracking_number": order.tracking_number,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "pay_time": order.pay_time,
        "total_amount": order.total_amount,
        "lines": [asdict(line) for line in order.lines],
    }


def item_summary(item: Item) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "shop_id": item.shop_id,
        "item_name": item.item_name,
        "item_sku": item.item_sku,
        "item_status": item.item_status,
        "stock": item.stock,
        "models": [asdict(model) for model in item.models.values()],
    }


def build_control_router(sim: ShopeeSimulator) -> Router:
    """Every control route, bound to ``sim``."""
    router = Router()

    def route(method: str, path: str, action: Callable[[Request, dict[str, Any]], Any]) -> None:
        def handler(request: Request) -> Response:
            try:
                is_form = "form" in request.headers.get("content-type", "")
                body = request.json() if request.method == "POST" and not is_form else {}
                result = action(request, body if isinstance(body, dict) else {})
            except (ControlError, BadRequest, ValueError, TypeError, KeyError) as exc:
                return json_response({"error": "control_error", "message": str(exc)}, status=400)
            return result if isinstance(result, Response) else json_response(result)

        router.add(method, PREFIX + path, handler)

    def approve(request: Request, _: dict[str, Any]) -> Response:
        form = request.form()
        url = sim.authorize(int(form["partner_id"]), int(form["shop_id"]), form["redirect"])
        return redirect(url)

    def order_step(step: str) -> Callable[[Request, dict[str, Any]], Any]:
        def action(request: Request, body: dict[str, Any]) -> Any:
            order_sn = request.path_params["order_sn"]
            if step == "buyer-cancel":
                return order_summary(sim.buyer_cancel(order_sn, body.get("reason", "")))
            method = {"pay": sim.pay, "pickup": sim.pickup, "pickup-failed": sim.pickup_failed,
                      "deliver": sim.deliver, "complete": sim.complete}[step]  # fmt: skip
            return order_summary(method(order_sn))

        return action

    route("POST", "/auth/approve", approve)
    route("POST", "/partners", lambda _, body: asdict(sim.create_partner(**body)))
    route("POST", "/shops", lambda _, body: asdict(sim.create_shop(**body)))
    route(
        "POST",
        "/authorize",
        lambda _, body: {
            "redirect_url": sim.authorize(body["partner_id"], body["shop_id"], body["redirect"])
        },
    )
    route("POST", "/tokens", lambda _, body: sim.issue_tokens(body["partner_id"], body["shop_id"]))
    route(
        "POST",
        "/shops/{shop_id}/revoke",
        lambda request, body: {
            "revoked": sim.revoke_authorization(
                int(request.path_params["shop_id"]), body.get("partner_id")
            )
        },
    )
    route(
        "POST",
        "/push-callback",
        lambda _, body: sim.set_push_callback(body["partner_id"], body.get("url")) or {"ok": True},
    )
    route("GET", "/pushes", lambda *_: [d.to_dict() for d in sim.pushes()])
    route(
        "POST",
        "/items",
        lambda _, body: item_summary(
            sim.add_item(body.pop("shop_id"), body.pop("item_name"), **body)
        ),
    )
    route("POST", "/stock", lambda _, body: sim.set_stock(**body) or {"ok": True})
    route(
        "GET",
        "/stock",
        lambda request, _: sim.stock_levels(_int_or_none(request.arg("shop_id"))),
    )
    route(
        "GET",
        "/stock-updates",
        lambda request, _: sim.stock_updates(_int_or_none(request.arg("shop_id"))),
    )
    route(
        "POST",
        "/orders",
        lambda _, body: order_summary(
            sim.create_order(body.pop("shop_id"), body.pop("lines"), **body)
        ),
    )
    route(
        "GET",
        "/orders/{order_sn}",
        lambda request, _: order_summary(sim.order(request.path_params["order_sn"])),
    )
    for step in ("pay", "buyer-cancel", "pickup", "pickup-failed", "deliver", "complete"):
        route("POST", f"/orders/{{order_sn}}/{step}", order_step(step))
    route("POST", "/returns", lambda _, body: asdict(sim.create_return(**body)))
    route(
        "POST",
        "/returns/{return_sn}/status",
        lambda request, body: asdict(
            sim.set_return_status(request.path_params["return_sn"], body["status"])
        ),
    )
    route(
        "POST",
        "/returns/{return_sn}/ship",
        lambda request, body: asdict(
            sim.ship_return(request.path_params["return_sn"], body["tracking_number"])
        ),
    )
    route("POST", "/faults", lambda _, body: asdict(sim.inject_fault(**body)))
    route(
        "POST",
        "/rate-limits",
        lambda _, body: sim.set_rate_limit(**body) or {"ok": True},
    )
    route(
        "POST",
        "/clock/advance",
        lambda _, body: sim.clock.advance(float(body["seconds"])) or {"now": sim.clock.now()},
    )
    route("GET", "/clock", lambda *_: {"now": sim.clock.now()})
    route("POST", "/reset", lambda *_: sim.reset() or {"ok": True})
    route("POST", "/seed-demo", lambda *_: seed_demo(sim))
    return router


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value else None


__all__ = ["APPROVE_PATH", "PREFIX", "build_control_router", "item_summary", "order_summary"]
