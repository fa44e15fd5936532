"""Products, bundles and listings: the operations the API and admin share."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from omnichannel.catalog.models import BundleComponent, Listing, Product
from omnichannel.channels.models import Connection
from omnichannel.errors import Conflict, NotFound, Unprocessable
from omnichannel.inventory.targets import recompute_listing, recompute_products
from omnichannel.tenants.models import Tenant


def product_by_sku(tenant: Tenant, sku: str) -> Product:
    product = Product.objects.filter(tenant=tenant, sku=sku).first()
    if product is None:
        raise NotFound(
            f"No product with SKU '{sku}'.", code="product.not_found", details={"sku": sku}
        )
    return product


def set_bundle_components(bundle: Product, components: list[tuple[str, int]]) -> None:
    """Replace a bundle's components. Bundles of bundles are refused: keep one level."""
    resolved: list[tuple[Product, int]] = []
    for sku, quantity in components:
        component = product_by_sku(bundle.tenant, sku)
        if component.pk == bundle.pk:
            raise Unprocessable("A bundle cannot contain itself.", code="product.invalid_bundle")
        if component.components.exists():
            raise Unprocessable(
                f"'{sku}' is itself a bundle; bundles hold plain products only.",
                code="product.invalid_bundle",
                details={"sku": sku},
            )
        resolved.append((component, quantity))
    if resolved and bundle.in_bundles.exists():
        raise Unprocessable(
            f"'{bundle.sku}' is a component of another bundle and cannot become a bundle.",
            code="product.invalid_bundle",
        )
    BundleComponent.objects.filter(bundle=bundle).delete()
    BundleComponent.objects.bulk_create(
        BundleComponent(bundle=bundle, component=component, quantity=quantity)
        for component, quantity in resolved
    )
    recompute_products(bundle.tenant_id, [bundle.pk])


@transaction.atomic
def create_product(
    tenant: Tenant, fields: dict[str, Any], components: list[tuple[str, int]]
) -> Product:
    try:
        with transaction.atomic():
            product = Product.objects.create(tenant=tenant, **fields)
    except IntegrityError as exc:
        raise Conflict(
            f"SKU '{fields['sku']}' exists.", code="product.exists", details={"sku": fields["sku"]}
        ) from exc
    set_bundle_components(product, components)
    return product


@transaction.atomic
def update_product(
    product: Product, fields: dict[str, Any], components: list[tuple[str, int]] | None
) -> Product:
    for field, value in fields.items():
        setattr(product, field, value)
    product.save()
    if components is not None:
        set_bundle_components(product, components)
    return product


def create_listing(connection: Connection, fields: dict[str, Any], sku: str | None) -> Listing:
    product = product_by_sku(connection.tenant, sku) if sku else None
    try:
        with transaction.atomic():
            listing = Listing.objects.create(
                tenant=connection.tenant, connection=connection, product=product, **fields
            )
            recompute_listing(listing)
            return listing
    except IntegrityError as exc:
        raise Conflict(
            "This channel item is already listed on the connection.",
            code="listing.exists",
            details={k: fields.get(k) for k in ("external_item_id", "external_variant_id")},
        ) from exc
