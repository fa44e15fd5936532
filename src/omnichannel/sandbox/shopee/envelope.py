"""Shopee's response envelope and error codes, in one place.

Every reply carries ``request_id``, ``error`` (empty on success) and ``message``; data sits
under ``response``; some APIs add ``warning``. Token endpoints answer at top level.

HTTP statuses for errors are not documented (SDKs read ``error``, not the status). The
simulator uses: 200 for business errors, 400 for malformed common parameters, 403 for
signature / token / permission refusals, 429 for throttling, 5xx for injected outages,
404 for an unknown API path. The table below is the single place to change that.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from omnichannel.sandbox.http import Response, json_response

#: Error code → HTTP status; anything absent answers 200 (business error in the envelope).
HTTP_STATUS_BY_ERROR: dict[str, int] = {
    "error_sign": 403,
    "error_auth": 403,
    "invalid_acceess_token": 403,
    "error_permission": 403,
    "invalid_code": 403,
    "invalid_shop_id": 403,
    "invalid_partner_id": 403,
    "error_shop_refresh_token": 403,
    "refresh_token_expired": 403,
    "shop_no_linked": 403,
    "shop_access_expired": 403,
    "error_rate_limit": 429,
    "error_server": 500,
    "error_not_found": 404,
}

RATE_LIMIT_ERROR = "error_rate_limit"
RATE_LIMIT_MESSAGE = "Too many requests. Please try again later."


class ShopeeError(Exception):
    """A documented Shopee error: ``error`` code plus human ``message``.

    ``response`` is echoed for batch APIs whose failure still carries per-entry results.
    ``http_status`` overrides the table (e.g. 400 for a malformed common parameter).
    """

    def __init__(
        self,
        error: str,
        message: str,
        *,
        http_status: int | None = None,
        response: Any = None,
    ) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message
        self.http_status = http_status or HTTP_STATUS_BY_ERROR.get(error, 200)
        self.response = response


def param_error(detail: str) -> ShopeeError:
    """The generic ``error_param`` "Wrong parameters, detail: …" (answered with HTTP 200)."""
    return ShopeeError("error_param", f"Wrong parameters, detail: {detail}.")


@dataclass
class Reply:
    """What an API handler returns: the ``response`` object and an optional ``warning``."""

    response: Any = None
    warning: Any = None
    top_level: dict[str, Any] = field(default_factory=dict)


def new_request_id() -> str:
    """A 32-hex-char request id, the shape Shopee uses."""
    return uuid.uuid4().hex


def success(reply: Reply, request_id: str) -> Response:
    """The success envelope; ``top_level`` fields (token APIs) sit beside ``error``."""
    body: dict[str, Any] = {"request_id": request_id, "error": "", "message": ""}
    body.update(reply.top_level)
    if reply.response is not None:
        body["response"] = reply.response
    if reply.warning is not None:
        body["warning"] = reply.warning
    return json_response(body)


def failure(
    error: ShopeeError, request_id: str, headers: list[tuple[str, str]] | None = None
) -> Response:
    """The error envelope, with the status from :data:`HTTP_STATUS_BY_ERROR`."""
    body: dict[str, Any] = {
        "request_id": request_id,
        "error": error.error,
        "message": error.message,
    }
    if error.response is not None:
        body["response"] = error.response
    return json_response(body, status=error.http_status, headers=headers)
