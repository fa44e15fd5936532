"""Bearer-token authentication, scope checks and per-client rate limiting.

Each operation declares the scope it needs with ``auth=scope("stock:write")``; the
authenticated client and its tenant are then on ``request.auth`` and ``request.tenant``.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from omnichannel.errors import Forbidden, Throttled, Unauthorized
from omnichannel.tenants.models import ApiClient, ApiToken, hash_token

LAST_USED_RESOLUTION = timedelta(minutes=1)


def client_for_token(raw: str) -> ApiClient:
    """The active client a bearer token belongs to, or an ``auth.*`` error saying why not."""
    token = (
        ApiToken.objects.select_related("client__tenant").filter(token_hash=hash_token(raw)).first()
    )
    if token is None:
        raise Unauthorized("The bearer token is not valid.", code="auth.invalid_token")
    if token.revoked:
        raise Unauthorized("The bearer token has been revoked.", code="auth.revoked_token")
    client = token.client
    if not client.active or not client.tenant.active:
        raise Unauthorized("The API client or its tenant is disabled.", code="auth.client_disabled")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return client


def check_rate(client: ApiClient) -> None:
    """Fixed one-minute window per client, counted in the shared cache."""
    limit = client.rate_limit_per_minute or settings.OMNI_API_RATE_PER_MINUTE
    if not limit:
        return
    now = time.time()
    window = int(now // 60)
    key = f"omni:rate:{client.pk}:{window}"
    cache.add(key, 0, timeout=70)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=70)
        count = 1
    if count > limit:
        retry_after = max(1, int((window + 1) * 60 - now))
        raise Throttled(
            f"Rate limit of {limit} requests per minute exceeded.",
            retry_after=retry_after,
            details={"limit_per_minute": limit},
        )


class ScopedBearer(HttpBearer):
    def __init__(self, required_scope: str | None) -> None:
        super().__init__()
        self.required_scope = required_scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient:
        if not token.strip():
            raise Unauthorized("Send a bearer token: 'Authorization: Bearer <token>'.")
        client = client_for_token(token.strip())
        request.tenant = client.tenant  # type: ignore[attr-defined]
        request.api_client = client  # type: ignore[attr-defined]
        check_rate(client)
        if self.required_scope and not client.has_scope(self.required_scope):
            raise Forbidden(
                f"This operation needs the '{self.required_scope}' scope.",
                code="auth.missing_scope",
                details={"required_scope": self.required_scope, "client_scopes": client.scopes},
            )
        return client


def scope(name: str | None = None) -> ScopedBearer:
    """Authentication for an operation that needs ``name`` (or only a valid token)."""
    return ScopedBearer(name)
