"""Errors the domain raises; the API turns each into the one error envelope.

Every error has a stable machine-readable ``code`` (``area.reason``), a human message,
optional ``details`` to act on, and the HTTP status the API answers with.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.details = details or {}
        self.status = status or self.status


class InvalidRequest(DomainError):
    status = 400
    code = "invalid_request"


class Unauthorized(DomainError):
    status = 401
    code = "auth.required"


class Forbidden(DomainError):
    status = 403
    code = "auth.forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unprocessable(DomainError):
    status = 422
    code = "validation_error"


class Throttled(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.details.setdefault("retry_after", retry_after)


class NotImplementedCapability(DomainError):
    status = 501
    code = "capability.unsupported"
