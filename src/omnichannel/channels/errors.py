"""How a channel's typed error reads in our API's error envelope."""

from __future__ import annotations

from omnichannel.connectors import errors as channel
from omnichannel.errors import DomainError, NotImplementedCapability, Throttled

# Channel error → (HTTP status, our code). The channel's own code stays in details.
STATUS: dict[type[channel.ConnectorError], tuple[int, str]] = {
    channel.InvalidRequest: (422, "channel.invalid_request"),
    channel.NotFound: (404, "channel.not_found"),
    channel.AuthRevoked: (409, "connection.needs_reauth"),
    channel.AuthExpired: (502, "channel.auth_expired"),
    channel.RemoteUnavailable: (502, "channel.unavailable"),
}


def as_domain_error(exc: channel.ConnectorError) -> DomainError:
    """The API's answer to a connector error met while serving a request."""
    details = {"channel_code": exc.channel_code, "channel_request_id": exc.request_id}
    if isinstance(exc, channel.CapabilityUnsupported):
        return NotImplementedCapability(exc.message)
    if isinstance(exc, channel.RateLimited):
        return Throttled(
            f"The channel asked us to slow down: {exc.message}",
            retry_after=int(exc.retry_after or 1),
            code="channel.rate_limited",
            details=details,
        )
    status, code = next(
        (value for kind, value in STATUS.items() if isinstance(exc, kind)), (502, "channel.error")
    )
    return DomainError(
        f"The channel answered: {exc.message}", code=code, status=status, details=details
    )
