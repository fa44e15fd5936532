"""The Shopee sandbox's control API over HTTP, for a sandbox running in another process.

``omni up --demo`` uses it to approve the demo shop's authorization and to point the
sandbox's pushes at the service; ``omni sandbox order|pay|ship|deliver`` use it to play the
buyer and the courier. Tests that hold the simulator object call its methods directly.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from omnichannel.sandbox.shopee.auth import APPROVE_PATH
from omnichannel.sandbox.shopee.control import PREFIX
from omnichannel.sandbox.shopee.state import ControlError

ORDER_STEPS = ("pay", "pickup", "pickup-failed", "deliver", "complete", "buyer-cancel")


class SandboxUnreachable(Exception):
    """Nothing answers at the sandbox's address (not started, or another port)."""


class ControlClient:
    """One sandbox's control API; refusals raise ``ControlError`` with the sandbox's message."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def serving(self) -> bool:
        """Whether the sandbox answers yet (it takes a moment to start)."""
        try:
            return self.http.get(f"{PREFIX}/clock").status_code == 200
        except httpx.TransportError:
            return False

    def approve(self, link: str, shop_id: int) -> str:
        """The seller opens the authorization ``link`` and approves ``shop_id`` on the consent
        page; returns where the sandbox sends the browser back (our callback, with the code)."""
        consent = self._send("GET", link)
        if consent.status_code != 200:
            raise ControlError(f"the authorization link was refused: {consent.text[:300]}")
        query = parse_qs(urlsplit(link).query)
        form = {
            "partner_id": query["partner_id"][0],
            "shop_id": str(shop_id),
            "redirect": query["redirect"][0],
        }
        approved = self._send("POST", APPROVE_PATH, data=form)
        if approved.status_code != 302:
            raise ControlError(f"the approval was refused: {approved.text[:300]}")
        return approved.headers["location"]

    def set_push_callback(self, partner_id: int, url: str) -> None:
        """Where the sandbox sends the partner's push notifications."""
        self._call("POST", "/push-callback", {"partner_id": partner_id, "url": url})

    def place_order(self, shop_id: int, lines: list[dict[str, Any]], paid: bool) -> dict[str, Any]:
        """A buyer orders ``lines`` (``[{"sku", "quantity"}]``), and pays at once if ``paid``."""
        return self._call("POST", "/orders", {"shop_id": shop_id, "lines": lines, "paid": paid})

    def order_step(self, order_sn: str, step: str) -> dict[str, Any]:
        """Move an order on as the buyer or the courier would (one of ``ORDER_STEPS``)."""
        if step not in ORDER_STEPS:
            raise ControlError(f"unknown step {step!r}; one of {', '.join(ORDER_STEPS)}")
        return self._call("POST", f"/orders/{order_sn}/{step}", {})

    def order(self, order_sn: str) -> dict[str, Any]:
        return self._call("GET", f"/orders/{order_sn}")

    def stock(self, shop_id: int) -> list[dict[str, Any]]:
        """Stock per model of the shop, as buyers see it."""
        return self._call("GET", f"/stock?shop_id={shop_id}")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = self._send(method, PREFIX + path, json=body)
        if answer.status_code == 400:
            raise ControlError(answer.json().get("message", answer.text))
        answer.raise_for_status()
        return answer.json()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise SandboxUnreachable(
                f"The Shopee sandbox at {self.base_url} does not answer ({exc})."
            ) from exc
