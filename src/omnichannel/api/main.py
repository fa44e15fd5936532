"""The unified API: one NinjaAPI, every app's router mounted under /api/v1."""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Redoc

from omnichannel.api.envelope import domain_error_response, error_response
from omnichannel.connectors.errors import ConnectorError
from omnichannel.errors import DomainError

logger = logging.getLogger("omnichannel.api")

DESCRIPTION = """
One API between your WMS/ERP and every sales channel.

**Authentication**: `Authorization: Bearer <token>`; each operation names the scope it needs.
**Errors**: always `{"error": {"code", "message", "details", "request_id"}}` with the
HTTP status (400, 401, 403, 404, 409, 422, 429, 501).
**Lists**: cursor pagination — pass `next_cursor` back as `cursor`.
**Retries**: send `Idempotency-Key` on any POST; the same key and body returns the same
answer without a second effect; the same key with another body answers 409.
"""

api = NinjaAPI(
    title="Omnichannel API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return domain_error_response(request, exc)


@api.exception_handler(ConnectorError)
def on_connector_error(request: HttpRequest, exc: ConnectorError) -> HttpResponse:
    from omnichannel.channels.errors import as_domain_error

    return domain_error_response(request, as_domain_error(exc))


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())[1:]) or None,
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return error_response(
        request, 422, "validation_error", "The request is not valid.", {"errors": errors}
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request, 401, "auth.required", "Send a bearer token: 'Authorization: Bearer <token>'."
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", "No such object.")


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", "No such object.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled error", extra={"request_id": getattr(request, "request_id", None)})
    return error_response(request, 500, "server_error", "Internal error; quote the request id.")


def redoc_view(request: HttpRequest) -> HttpResponse:
    return Redoc().render_page(request, api)


def mount_routers() -> None:
    """Each app owns its router; the URL prefixes are decided here, in one place."""
    from omnichannel.api.health import router as health_router
    from omnichannel.catalog.api import listings_router, products_router
    from omnichannel.channels.api import apps_router, publishing_router
    from omnichannel.channels.api import router as connections_router
    from omnichannel.channels.fulfillment_api import router as channel_fulfillment_router
    from omnichannel.fulfillment.api import pickup_rules_router, shipments_router
    from omnichannel.fulfillment.returns_api import router as returns_router
    from omnichannel.inventory.api import stock_router, warehouses_router
    from omnichannel.inventory.policy_api import (
        availability_router,
        policies_router,
        simulate_router,
    )
    from omnichannel.notifications.api import events_router, webhooks_router
    from omnichannel.orders.api import router as orders_router
    from omnichannel.tenants.api import clients_router, tenants_router

    api.add_router("/v1/health", health_router)
    api.add_router("/v1/tenants", tenants_router)
    api.add_router("/v1/api-clients", clients_router)
    api.add_router("/v1/warehouses", warehouses_router)
    api.add_router("/v1/products", products_router)
    # Before listings_router: its "/{listing_id}" would otherwise take "/publish".
    api.add_router("/v1/listings", publishing_router)
    api.add_router("/v1/listings", listings_router)
    api.add_router("/v1/listings", availability_router)
    api.add_router("/v1/stock", stock_router)
    api.add_router("/v1/stock", simulate_router)
    api.add_router("/v1/stock-policies", policies_router)
    api.add_router("/v1/connections", connections_router)
    api.add_router("/v1/channel-apps", apps_router)
    api.add_router("/v1/orders", orders_router)
    api.add_router("/v1/orders", channel_fulfillment_router)
    api.add_router("/v1/pickup-rules", pickup_rules_router)
    api.add_router("/v1/shipments", shipments_router)
    api.add_router("/v1/returns", returns_router)
    api.add_router("/v1/events", events_router)
    api.add_router("/v1/webhooks", webhooks_router)


mount_routers()
