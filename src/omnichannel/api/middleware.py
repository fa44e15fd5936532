"""Request id, one JSON log line per request, the envelope for stray API errors, and
Idempotency-Key handling for every POST of the unified API."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from omnichannel.api.envelope import error_response
from omnichannel.api.models import IdempotencyRecord
from omnichannel.errors import DomainError
from omnichannel.inventory.sql import table

logger = logging.getLogger("omnichannel.request")
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
API_PREFIX = "/api/v1/"
STATUS_CODES = {404: "not_found", 405: "method_not_allowed", 500: "server_error"}


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and response.status_code >= 400:
            response = self._as_envelope(request, response)
        response["X-Request-ID"] = request.request_id
        tenant = getattr(request, "tenant", None)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                "tenant": tenant.pk if tenant else None,
                "client": getattr(getattr(request, "api_client", None), "pk", None),
                "request_id": request.request_id,
            },
        )
        return response

    @staticmethod
    def _as_envelope(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Django's own 404/405/500 pages become the envelope under the API prefix."""
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        code = STATUS_CODES.get(status, "error")
        return error_response(request, status, code, response.reason_phrase or code)


def claim(client_id: int, key: str, method: str, path: str, digest: str) -> int | None:
    """Insert the key's record, marked in progress; its id, or None when the client has
    used the key before. One statement (``ON CONFLICT DO NOTHING``, SQLite and
    PostgreSQL): outside a transaction it commits on its own, so a concurrent request with
    the same key sees the claim at once, and a taken key raises nothing."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    key_column = connection.ops.quote_name("key")  # a keyword in SQL
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table(IdempotencyRecord)} (client_id, {key_column}, method, path,"
            f" body_hash, content_type, created_at) VALUES (%s, %s, %s, %s, %s, '', %s)"
            f" ON CONFLICT (client_id, {key_column}) DO NOTHING RETURNING id",
            [client_id, key, method, path, digest, now],
        )
        row = cursor.fetchone()
    return row[0] if row else None


class IdempotencyMiddleware:
    """Same Idempotency-Key and body: the stored answer again, no second effect.

    Same key with another body: 409. The key is claimed before the view runs (unique
    row), so two concurrent requests with one key cannot both take effect. Server errors
    are not stored: the client may retry them with the same key.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        client = self._client(request)
        if client is None:
            return self.get_response(request)
        if len(key) > 200:
            return error_response(
                request,
                400,
                "idempotency.invalid_key",
                "Idempotency-Key is at most 200 characters.",
            )
        body_hash = hashlib.sha256(request.method.encode() + request.path.encode() + request.body)
        digest = body_hash.hexdigest()
        record_id = claim(client.pk, key, request.method, request.path, digest)
        if record_id is None:
            return self._replay(request, client, key, digest)
        request.api_client = client  # the view's authentication need not look it up again
        response = self.get_response(request)
        if response.status_code >= 500:
            IdempotencyRecord.objects.filter(pk=record_id).delete()
            return response
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table(IdempotencyRecord)} SET status_code = %s, response_body = %s,"
                " content_type = %s WHERE id = %s",
                [
                    response.status_code,
                    response.content,
                    response.get("Content-Type", ""),
                    record_id,
                ],
            )
        return response

    @staticmethod
    def _client(request: HttpRequest):  # noqa: ANN205 - ApiClient | None
        from omnichannel.api.auth import client_for_token

        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return client_for_token(token.strip())
        except DomainError:
            return None

    @staticmethod
    def _replay(request: HttpRequest, client: object, key: str, digest: str) -> HttpResponse:
        record = IdempotencyRecord.objects.get(client=client, key=key)
        if record.body_hash != digest:
            return error_response(
                request,
                409,
                "idempotency.key_reused",
                "This Idempotency-Key was used with another request body or path.",
                {"idempotency_key": key},
            )
        if record.status_code is None:
            return error_response(
                request,
                409,
                "idempotency.in_progress",
                "A request with this Idempotency-Key is still being processed.",
                {"idempotency_key": key},
            )
        response = HttpResponse(
            bytes(record.response_body or b""),
            status=record.status_code,
            content_type=record.content_type or "application/json",
        )
        response["Idempotent-Replayed"] = "true"
        return response
