"""Stock policies, connection warehouse sets, availability per listing and the simulator."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime, model_validator

from omnichannel.api.auth import scope
from omnichannel.api.pagination import Page, paginate
from omnichannel.api.scoping import get_owned, owned, tenant_of
from omnichannel.catalog.models import Listing, Product
from omnichannel.catalog.services import product_by_sku
from omnichannel.channels.models import Connection
from omnichannel.errors import Unprocessable
from omnichannel.inventory import policies
from omnichannel.inventory.availability import Availability
from omnichannel.inventory.models import ConnectionWarehouse, StockPolicy, Warehouse
from omnichannel.inventory.targets import affected_by_products, load_context
from omnichannel.tenants.models import Tenant

policies_router = Router(tags=["stock policies"])
simulate_router = Router(tags=["stock"])
availability_router = Router(tags=["listings"])


class Rules(Schema):
    safety_stock: int | None = Field(None, ge=0, description="Units held back (buffer)")
    zero_below: int | None = Field(None, ge=0, description="Show 0 when fewer than this")
    allocation_kind: Literal["percent", "fixed"] | None = None
    allocation_value: int | None = Field(None, ge=0, description="Percent (≤ 100) or units")
    max_listed: int | None = Field(None, ge=0)
    low_stock_threshold: int | None = Field(None, ge=0)
    low_stock_priority: bool | None = Field(None, description="Keeps stock below the threshold")
    preorder_quantity: int | None = Field(None, ge=0)
    preorder_until: AwareDatetime | None = None
    note: str = Field("", max_length=300)


class Scope(Schema):
    """At most one of these; none = the tenant default."""

    connection_id: int | None = None
    sku: str | None = None
    listing_id: int | None = None

    @model_validator(mode="after")
    def one_scope(self) -> Scope:
        if sum(x is not None for x in (self.connection_id, self.sku, self.listing_id)) > 1:
            raise ValueError("set at most one of connection_id, sku and listing_id")
        return self


class PolicyIn(Scope, Rules):
    pass


class PolicyOut(Rules):
    id: int
    scope: str
    connection_id: int | None
    sku: str | None
    listing_id: int | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_scope(obj: StockPolicy) -> str:
        if obj.listing_id:
            return "listing"
        if obj.product_id:
            return "sku"
        return "connection" if obj.connection_id else "tenant"

    @staticmethod
    def resolve_sku(obj: StockPolicy) -> str | None:
        return obj.product.sku if obj.product else None

    @staticmethod
    def resolve_allocation_kind(obj: StockPolicy) -> str | None:
        return obj.allocation_kind or None


def scoped_policy(tenant: Tenant, request: HttpRequest, scope_in: Scope) -> StockPolicy:
    """An unsaved policy for the scope, or the existing one there (checked to be ours)."""
    policy = StockPolicy(tenant=tenant)
    if scope_in.connection_id is not None:
        policy.connection = get_owned(Connection, request, scope_in.connection_id)
    if scope_in.sku is not None:
        policy.product = product_by_sku(tenant, scope_in.sku)
    if scope_in.listing_id is not None:
        policy.listing = get_owned(Listing, request, scope_in.listing_id)
    return policy


def rules_of(payload: Rules, exclude_unset: bool = False) -> dict:
    return payload.dict(include=set(Rules.model_fields), exclude_unset=exclude_unset)


@policies_router.get(
    "", response=Page[PolicyOut], auth=scope("stock:read"), summary="List stock policies"
)
def list_policies(
    request: HttpRequest,
    kind: Literal["tenant", "connection", "sku", "listing"] | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> dict:
    rows = owned(StockPolicy, request).select_related("product")
    kinds = {
        "tenant": Q(connection__isnull=True, product__isnull=True, listing__isnull=True),
        "connection": Q(connection__isnull=False),
        "sku": Q(product__isnull=False),
        "listing": Q(listing__isnull=False),
    }
    if kind:
        rows = rows.filter(kinds[kind])
    return paginate(rows, cursor, limit)


@policies_router.post(
    "",
    response={201: PolicyOut},
    auth=scope("stock:write"),
    summary="Create a stock policy",
    description=(
        "One policy per scope: a listing, a SKU, a connection, or (none given) the tenant "
        "default. Empty rules inherit from the wider scope: listing > SKU > connection > "
        "tenant. Affected listings are recomputed at once."
    ),
)
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status:
    policy = scoped_policy(tenant_of(request), request, payload)
    return Status(201, policies.save_policy(policy, rules_of(payload)))


@policies_router.get(
    "/{policy_id}", response=PolicyOut, auth=scope("stock:read"), summary="Get a stock policy"
)
def get_policy(request: HttpRequest, policy_id: int) -> StockPolicy:
    return get_owned(StockPolicy, request, policy_id)


@policies_router.patch(
    "/{policy_id}",
    response=PolicyOut,
    auth=scope("stock:write"),
    summary="Change a stock policy",
    description="Rules sent replace the stored ones (null clears a rule); the scope stays.",
)
def patch_policy(request: HttpRequest, policy_id: int, payload: Rules) -> StockPolicy:
    policy = get_owned(StockPolicy, request, policy_id)
    return policies.save_policy(policy, rules_of(payload, exclude_unset=True))


@policies_router.delete(
    "/{policy_id}", response={204: None}, auth=scope("stock:write"), summary="Remove a policy"
)
def delete_policy(request: HttpRequest, policy_id: int) -> Status:
    policies.delete_policy(get_owned(StockPolicy, request, policy_id))
    return Status(204, None)


class WarehouseLinkIO(Schema):
    warehouse: str = Field(min_length=1, max_length=50, description="Warehouse code")
    priority: int = Field(1, ge=1, le=32767, description="1 = first choice")


class WarehouseSetIO(Schema):
    warehouses: list[WarehouseLinkIO] = Field(
        max_length=100, description="Empty: every active warehouse serves the connection"
    )


def warehouse_set(connection: Connection) -> dict:
    links = ConnectionWarehouse.objects.filter(connection=connection).select_related("warehouse")
    return {"warehouses": [{"warehouse": x.warehouse.code, "priority": x.priority} for x in links]}


@policies_router.get(
    "/connections/{connection_id}/warehouses",
    response=WarehouseSetIO,
    auth=scope("stock:read"),
    summary="Warehouses serving a connection",
)
def get_connection_warehouses(request: HttpRequest, connection_id: int) -> dict:
    return warehouse_set(get_owned(Connection, request, connection_id))


@policies_router.put(
    "/connections/{connection_id}/warehouses",
    response=WarehouseSetIO,
    auth=scope("stock:write"),
    summary="Set the warehouses serving a connection",
)
def put_connection_warehouses(
    request: HttpRequest, connection_id: int, payload: WarehouseSetIO
) -> dict:
    connection = get_owned(Connection, request, connection_id)
    codes = [link.warehouse for link in payload.warehouses]
    found = {w.code: w for w in owned(Warehouse, request).filter(code__in=codes)}
    missing = sorted(set(codes) - found.keys())
    if missing:
        raise Unprocessable(
            f"No warehouse {', '.join(missing)}.",
            code="stock.unknown_warehouse",
            details={"codes": missing},
        )
    links = [
        policies.WarehouseLink(found[link.warehouse], link.priority) for link in payload.warehouses
    ]
    policies.set_connection_warehouses(connection, links)
    return warehouse_set(connection)


class StepOut(Schema):
    rule: str
    detail: str
    quantity: int | None


class AvailabilityOut(Schema):
    listing_id: int
    sku: str | None
    connection_id: int
    quantity: int | None = Field(description="What the listing should show; null = no target")
    target_qty: int | None = Field(description="The stored target (the push outbox)")
    last_pushed_qty: int | None
    push_state: str
    explanation: list[StepOut]


def availability_out(listing: Listing, availability: Availability, target: int | None) -> dict:
    return {
        "listing_id": listing.pk,
        "sku": listing.product.sku if listing.product else None,
        "connection_id": listing.connection_id,
        "quantity": availability.quantity,
        "target_qty": target,
        "last_pushed_qty": listing.last_pushed_qty,
        "push_state": listing.push_state,
        "explanation": availability.steps,
    }


@availability_router.get(
    "/{listing_id}/availability",
    response=AvailabilityOut,
    auth=scope("stock:read"),
    summary="A listing's quantity and why",
    description="Each step of the policy function and the quantity after it (docs/stock.md).",
)
def listing_availability(request: HttpRequest, listing_id: int) -> dict:
    listing = get_owned(Listing, request, listing_id)
    context = load_context(listing.tenant_id, [listing])
    return availability_out(listing, context.availability(listing), listing.target_qty)


class ProposalIn(PolicyIn):
    remove: bool = Field(False, description="Simulate removing the policy of this scope")


class SimulateIn(Schema):
    policies: list[ProposalIn] = Field(
        max_length=100, description="Each replaces (or removes) the policy of its scope"
    )
    listing_ids: list[int] | None = Field(None, max_length=1000)
    sku: str | None = Field(None, description="Simulate this SKU's listings (and bundles')")


class SimulateOut(Schema):
    items: list[AvailabilityOut]


@simulate_router.post(
    "/simulate",
    response=SimulateOut,
    auth=scope("stock:read"),
    summary="Preview quantities under proposed policies",
    description=(
        "Nothing is saved. Without `listing_ids` or `sku`, the listings the proposed "
        "policies govern are shown (at most 1,000). `target_qty` is today's target."
    ),
)
def simulate(request: HttpRequest, payload: SimulateIn) -> dict:
    tenant = tenant_of(request)
    proposals = []
    for proposal in payload.policies:
        policy = scoped_policy(tenant, request, proposal)
        for name, value in rules_of(proposal).items():
            setattr(policy, name, value)
        policy.allocation_kind = policy.allocation_kind or ""
        proposals.append((policy, proposal.remove))
    listing_filter = None
    if payload.listing_ids is not None:
        listing_filter = Q(pk__in=payload.listing_ids)
    if payload.sku:
        product: Product = product_by_sku(tenant, payload.sku)
        sku_filter = affected_by_products([product.pk])
        listing_filter = sku_filter if listing_filter is None else listing_filter | sku_filter
    results = policies.simulate(tenant.pk, proposals, listing_filter)
    return {"items": [availability_out(r.listing, r.availability, r.current) for r in results]}
