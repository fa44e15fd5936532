"""The unified order lifecycle: which moves are allowed, and how channel updates merge.

Two kinds of change reach an order:

* **Actions** (accept, pack, ship, cancel, …) from the WMS or our own rules. Each is a move
  in ``ACTIONS``; any other move is refused with ``order.invalid_transition``. An order on
  hold can only be cancelled or released (see ``services.release``).
* **Channel updates** (webhook or pull). They arrive late, twice and out of order, so they
  never move an order back: the merged status is the furthest of the current and the
  reported one by ``RANK``. Since ``RANK`` is a total order, any permutation of the same
  updates ends in the same state.
"""

from __future__ import annotations

from omnichannel.errors import Conflict
from omnichannel.orders.models import OrderStatus as S

# Furthest wins. Cancelled and returned outrank the happy path: a cancellation that
# arrives before an older "paid" update must stay cancelled.
RANK: dict[str, int] = {
    S.PENDING_PAYMENT: 0,
    S.READY_TO_PROCESS: 1,
    S.ACCEPTED: 2,
    S.PACKED: 3,
    S.READY_TO_SHIP: 4,
    S.SHIPPED: 5,
    S.DELIVERED: 6,
    S.COMPLETED: 7,
    S.CANCELLED: 8,
    S.RETURNED: 9,
}

OPEN = {S.PENDING_PAYMENT, S.READY_TO_PROCESS, S.ACCEPTED, S.PACKED, S.READY_TO_SHIP}
"""Not yet handed to a courier: stock is reserved, the order may still be cancelled."""

CONSUMED = {S.SHIPPED, S.DELIVERED, S.COMPLETED, S.RETURNED}
"""The goods left the warehouse: reservations are consumed."""

ACTIONS: dict[str, tuple[set[str], str]] = {
    "pay": ({S.PENDING_PAYMENT}, S.READY_TO_PROCESS),
    "accept": ({S.READY_TO_PROCESS}, S.ACCEPTED),
    "pack": ({S.READY_TO_PROCESS, S.ACCEPTED}, S.PACKED),
    "ready_to_ship": ({S.ACCEPTED, S.PACKED}, S.READY_TO_SHIP),
    "ship": ({S.PACKED, S.READY_TO_SHIP}, S.SHIPPED),
    "deliver": ({S.SHIPPED}, S.DELIVERED),
    "complete": ({S.DELIVERED}, S.COMPLETED),
    "cancel": (OPEN | {S.ON_HOLD}, S.CANCELLED),
    "return": ({S.SHIPPED, S.DELIVERED, S.COMPLETED}, S.RETURNED),
}


def merged_status(current: str, reported: str) -> str:
    """The status after a channel reports ``reported`` for an order at ``current``."""
    return reported if RANK[reported] > RANK[current] else current


def target_of(action: str, current: str) -> str:
    """The status ``action`` leads to from ``current``, or ``order.invalid_transition``."""
    sources, target = ACTIONS[action]
    if current not in sources:
        raise Conflict(
            f"Cannot {action.replace('_', ' ')} an order that is {current}.",
            code="order.invalid_transition",
            details={
                "action": action,
                "status": current,
                "allowed_from": sorted(str(s) for s in sources),
            },
        )
    return target
