"""Typed connector errors with stable codes.

Every failure a connector reports is one of these, whatever the channel said, so jobs can
decide what to do from ``code`` and ``retryable`` alone: refresh the token, slow down,
retry later, flag the connection ``needs_reauth``, or give up on a bad request.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every connector error. ``channel_code`` keeps the channel's own error string."""

    code = "connector_error"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        channel_code: str | None = None,
        request_id: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.channel_code = channel_code
        self.request_id = request_id
        self.status_code = status_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, channel_code={self.channel_code!r})"


class AuthExpired(ConnectorError):
    """The access token is no longer accepted; a refresh should fix it."""

    code = "auth_expired"
    retryable = True


class AuthRevoked(ConnectorError):
    """The shop's authorization is gone (refresh refused, revoked, banned): re-authorize."""

    code = "auth_revoked"


class RateLimited(ConnectorError):
    """The channel asked us to slow down; ``retry_after`` seconds when it said so."""

    code = "rate_limited"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InvalidRequest(ConnectorError):
    """The channel refused what we sent; repeating it will not help."""

    code = "invalid_request"


class NotFound(ConnectorError):
    code = "not_found"


class RemoteUnavailable(ConnectorError):
    """Server error, timeout or connection failure: try again later."""

    code = "remote_unavailable"
    retryable = True


class CapabilityUnsupported(ConnectorError):
    """The connector does not implement the capability asked for (API answers 501)."""

    code = "capability.unsupported"
