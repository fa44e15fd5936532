"""What quantity a listing shows, and why: one pure function, no I/O.

``listing_availability(picture, policies, listing)`` is the only place the stock policies
are applied. The recompute (``inventory.targets``), the availability endpoint and the
simulator all call it, so what is explained is exactly what is pushed.

Order of application (docs/stock.md explains each step):

1. no target: the listing is not active or not mapped to a SKU → nothing to push;
2. pre-order: while a pre-order runs, the listing shows the pre-order quantity;
3. pool: sum over the connection's warehouses of max(0, on_hand - reserved); for a bundle,
   the minimum over its components of floor(pool(component) / quantity per bundle);
4. safety stock: pool minus the buffer, never below 0;
5. low-stock priority: below the threshold, only priority connections keep stock;
6. allocation: a percentage (rounded down) or a fixed quantity (at most what is left);
7. max listed: never more than this;
8. zero below: fewer than N → 0.

Each rule comes from the most specific policy that sets it: listing > SKU > connection >
tenant default. Allocation (kind and value) and pre-order (quantity and end) resolve as
pairs, so a listing-level fixed allocation replaces a SKU-level percentage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime

PERCENT = "percent"
FIXED = "fixed"
LEVELS = ("listing", "sku", "connection", "tenant")


@dataclass(frozen=True)
class PolicyValues:
    """The rules one policy row sets; ``None`` means "inherit from a wider scope"."""

    safety_stock: int | None = None
    zero_below: int | None = None
    allocation_kind: str | None = None
    allocation_value: int | None = None
    max_listed: int | None = None
    low_stock_threshold: int | None = None
    low_stock_priority: bool | None = None
    preorder_quantity: int | None = None
    preorder_until: datetime | None = None


# Rules that resolve together: the first field decides whether the level sets the pair.
PAIRED = {
    "allocation_kind": ("allocation_kind", "allocation_value"),
    "preorder_quantity": ("preorder_quantity", "preorder_until"),
}
SECOND_OF_PAIR = {"allocation_value", "preorder_until"}
# Each rule that decides for itself or for its pair, with the fields it sets: worked out
# once here rather than from ``dataclasses.fields`` on every resolve.
DECIDING_RULES = tuple(
    (rule.name, PAIRED.get(rule.name, (rule.name,)))
    for rule in fields(PolicyValues)
    if rule.name not in SECOND_OF_PAIR
)


@dataclass(frozen=True)
class PolicyLayers:
    """The policies that may apply to one listing, one per precedence level."""

    listing: PolicyValues | None = None
    sku: PolicyValues | None = None
    connection: PolicyValues | None = None
    tenant: PolicyValues | None = None

    def resolve(self) -> tuple[PolicyValues, dict[str, str]]:
        """The effective rules, and for each rule set, the level it came from."""
        chosen: dict[str, object] = {}
        origin: dict[str, str] = {}
        present = [(level, v) for level in LEVELS if (v := getattr(self, level)) is not None]
        for rule, names in DECIDING_RULES:
            for level, values in present:
                if getattr(values, rule) is None:
                    continue
                for name in names:
                    chosen[name] = getattr(values, name)
                    origin[name] = level
                break
        return PolicyValues(**chosen), origin  # type: ignore[arg-type]


@dataclass(frozen=True)
class ListingFacts:
    """What the function needs to know about the listing itself."""

    listing_id: int
    connection_id: int
    product_id: int | None
    active: bool
    warehouse_ids: tuple[int, ...]


@dataclass(frozen=True)
class StockPicture:
    """Stock at one moment: available (on_hand - reserved) per (product, warehouse)."""

    at: datetime
    available: Mapping[tuple[int, int], int] = field(default_factory=dict)
    components: Mapping[int, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    """A bundle's product id → its (component product id, quantity per bundle) pairs."""


@dataclass(frozen=True)
class Step:
    rule: str
    detail: str
    quantity: int | None


@dataclass(frozen=True)
class Availability:
    quantity: int | None
    steps: tuple[Step, ...]


def pool(picture: StockPicture, product_id: int, warehouse_ids: tuple[int, ...]) -> int:
    """Units of a product the warehouses can supply; a bundle counts whole bundles."""
    components = picture.components.get(product_id)
    if components:
        return min(
            pool(picture, component_id, warehouse_ids) // quantity
            for component_id, quantity in components
        )
    return sum(max(0, picture.available.get((product_id, w), 0)) for w in warehouse_ids)


def listing_availability(
    picture: StockPicture, policies: PolicyLayers, listing: ListingFacts
) -> Availability:
    """The quantity ``listing`` must show, with each step that produced it."""
    if not listing.active or listing.product_id is None:
        reason = "the listing is not active" if not listing.active else "no SKU is mapped"
        return Availability(None, (Step("no target", f"Nothing to push: {reason}.", None),))
    rules, origin = policies.resolve()
    steps: list[Step] = []

    def step(rule: str, detail: str, quantity: int, *names: str) -> int:
        sources = sorted({origin[name] for name in names if name in origin})
        suffix = f" ({', '.join(sources)} policy)" if sources else ""
        steps.append(Step(rule, detail + suffix, quantity))
        return quantity

    if rules.preorder_quantity is not None and (
        rules.preorder_until is None or picture.at < rules.preorder_until
    ):
        until = f" until {rules.preorder_until.isoformat()}" if rules.preorder_until else ""
        detail = f"Pre-order publishes {rules.preorder_quantity}{until}"
        step("pre-order", detail, rules.preorder_quantity, "preorder_quantity")
        return Availability(rules.preorder_quantity, tuple(steps))

    quantity = pool(picture, listing.product_id, listing.warehouse_ids)
    bundle = picture.components.get(listing.product_id)
    warehouses = ", ".join(str(w) for w in listing.warehouse_ids) or "none"
    what = "whole bundles from its components" if bundle else "available units"
    step("pool", f"{quantity} {what} in warehouses [{warehouses}]", quantity)

    if rules.safety_stock:
        quantity = max(0, quantity - rules.safety_stock)
        detail = f"Safety stock holds back {rules.safety_stock}"
        step("safety stock", detail, quantity, "safety_stock")

    if rules.low_stock_threshold is not None and quantity < rules.low_stock_threshold:
        if rules.low_stock_priority:
            detail = f"Below {rules.low_stock_threshold}, and this connection has priority"
        else:
            quantity = 0
            detail = f"Below {rules.low_stock_threshold}, only priority connections get stock"
        step("low-stock priority", detail, quantity, "low_stock_threshold", "low_stock_priority")

    if rules.allocation_kind == PERCENT and rules.allocation_value is not None:
        quantity = quantity * rules.allocation_value // 100
        detail = f"Allocation of {rules.allocation_value}% (rounded down)"
        step("allocation", detail, quantity, "allocation_kind")
    elif rules.allocation_kind == FIXED and rules.allocation_value is not None:
        quantity = min(quantity, rules.allocation_value)
        detail = f"Fixed allocation of {rules.allocation_value}, at most what is available"
        step("allocation", detail, quantity, "allocation_kind")

    if rules.max_listed is not None and quantity > rules.max_listed:
        quantity = rules.max_listed
        step("max listed", f"Capped at {rules.max_listed}", quantity, "max_listed")

    if rules.zero_below is not None and 0 < quantity < rules.zero_below:
        quantity = 0
        step("zero below", f"Fewer than {rules.zero_below} shows 0", quantity, "zero_below")

    return Availability(quantity, tuple(steps))
