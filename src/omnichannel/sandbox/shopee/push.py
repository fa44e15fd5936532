"""Push notifications ("Push Mechanism"): signed POSTs to the partner's callback URL.

Body: ``{"data": {...}, "shop_id": N, "code": C, "timestamp": T}`` serialised compactly;
header ``Authorization`` = hex HMAC-SHA256(partner_key, callback_url + "|" + body). Any 2xx
is an acknowledgement; anything else (or no answer within ``timeout``) is retried after each
of ``retry_delays`` seconds, then the delivery is marked ``failed``. Deliveries run in one
background thread, in order, and every attempt is recorded for tests and the control API.
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from omnichannel.sandbox.clock import Clock
from omnichannel.sandbox.shopee.signing import push_signature
from omnichannel.sandbox.shopee.state import Partner

ORDER_STATUS_PUSH = 3
TRACKING_NUMBER_PUSH = 4
SHIPPING_DOCUMENT_PUSH = 15


@dataclass
class PushAttempt:
    time: int
    status_code: int | None = None
    error: str = ""


@dataclass
class PushDelivery:
    """One notification and what happened to it (``pending`` → ``delivered``/``failed``)."""

    delivery_id: int
    partner_id: int
    shop_id: int | None
    code: int
    url: str
    body: str
    authorization: str
    status: str = "pending"
    attempts: list[PushAttempt] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["payload"] = json.loads(self.body)
        return result


class PushDispatcher:
    """Queues pushes and delivers them from a daemon thread, with bounded retries."""

    def __init__(
        self,
        clock: Clock,
        retry_delays: tuple[float, ...] = (0.5, 2.0, 5.0),
        timeout: float = 3.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.clock = clock
        self.retry_delays = retry_delays
        self.timeout = timeout
        self.transport = transport
        self._ids = itertools.count(1)
        self._queue: queue.Queue[PushDelivery | None] = queue.Queue()
        self._deliveries: list[PushDelivery] = []
        self._pending = 0
        self._idle = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def send(
        self, partner: Partner, shop_id: int | None, code: int, data: dict[str, Any]
    ) -> PushDelivery | None:
        """Queue a push for ``partner``; ``None`` when it has no callback URL configured."""
        url = partner.push_callback_url
        if not url:
            return None
        envelope: dict[str, Any] = {"data": data}
        if shop_id is not None:
            envelope["shop_id"] = shop_id
        envelope.update(code=code, timestamp=self.clock.timestamp())
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
        delivery = PushDelivery(
            delivery_id=next(self._ids),
            partner_id=partner.partner_id,
            shop_id=shop_id,
            code=code,
            url=url,
            body=body,
            authorization=push_signature(partner.partner_key, url, body),
        )
        with self._idle:
            self._deliveries.append(delivery)
            self._pending += 1
        self._ensure_worker()
        self._queue.put(delivery)
        return delivery

    def deliveries(self) -> list[PushDelivery]:
        """Every push queued so far, oldest first."""
        with self._idle:
            return list(self._deliveries)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued push is delivered or given up; ``False`` on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def clear(self) -> None:
        """Forget recorded deliveries (pending ones still finish)."""
        with self._idle:
            self._deliveries = [d for d in self._deliveries if d.status == "pending"]

    def stop(self) -> None:
        """Stop the worker thread; queued pushes are abandoned."""
        self._stopping.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _ensure_worker(self) -> None:
        with self._idle:
            if self._thread is None or not self._thread.is_alive():
                self._stopping.clear()
                self._thread = threading.Thread(
                    target=self._run, name="shopee-sandbox-push", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
            while not self._stopping.is_set():
                delivery = self._queue.get()
                if delivery is None:
                    return
                self._deliver(client, delivery)

    def _deliver(self, client: httpx.Client, delivery: PushDelivery) -> None:
        delays = [0.0, *self.retry_delays]
        for delay in delays:
            if delay and self._stopping.wait(delay):
                break
            if self._attempt(client, delivery):
                self._finish(delivery, "delivered")
                return
        self._finish(delivery, "failed")

    def _attempt(self, client: httpx.Client, delivery: PushDelivery) -> bool:
        attempt = PushAttempt(time=self.clock.timestamp())
        try:
            answer = client.post(
                delivery.url,
                content=delivery.body.encode(),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": delivery.authorization,
                },
            )
            attempt.status_code = answer.status_code
            ok = 200 <= answer.status_code < 300
        except httpx.HTTPError as exc:
            attempt.error = f"{type(exc).__name__}: {exc}"
            ok = False
        with self._idle:
            delivery.attempts.append(attempt)
        return ok

    def _finish(self, delivery: PushDelivery, status: str) -> None:
        with self._idle:
            delivery.status = status
            self._pending -= 1
            self._idle.notify_all()
