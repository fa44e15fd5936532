"""The one error envelope: ``{"error": {"code", "message", "details", "request_id"}}``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from omnichannel.errors import DomainError, Throttled


def error_response(
    request: HttpRequest | None,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> JsonResponse:
    body = {
        "error": {
            "code": code,
            "message": message,
            "details": details or {},
            "request_id": getattr(request, "request_id", None),
        }
    }
    return JsonResponse(body, status=status)


def domain_error_response(request: HttpRequest, exc: DomainError) -> JsonResponse:
    response = error_response(request, exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response
