"""Shared fixtures: tenants, API clients with scoped tokens, and an authenticated caller."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection as db_connection
from django.test import Client

from omnichannel.tenants.models import SCOPES, ApiClient, Tenant
from omnichannel.tenants.services import create_client


@dataclass
class Caller:
    """An HTTP client that calls the API as one API client, with its bearer token."""

    http: Client
    token: str
    api_client: ApiClient

    @property
    def tenant(self) -> Tenant:
        return self.api_client.tenant

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any):
        return self.http.get(path, params, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self.http.post(
            path,
            body if body is not None else {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def put(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.http.put(
            path, body, content_type="application/json", headers=self._headers(headers)
        )

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None):
        return self.http.patch(
            path, body, content_type="application/json", headers=self._headers(headers)
        )

    def delete(self, path: str, headers: dict[str, str] | None = None):
        return self.http.delete(path, headers=self._headers(headers))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def tenant(db) -> Tenant:
    return Tenant.objects.create(name="Brand A")


@pytest.fixture
def other_tenant(db) -> Tenant:
    return Tenant.objects.create(name="Brand B")


@pytest.fixture
def make_caller(db) -> Callable[..., Caller]:
    """``make_caller(tenant, scopes=[...])`` → a Caller with a fresh client and token."""
    counter = iter(range(1_000_000))

    def make(tenant: Tenant, scopes: list[str] | None = None, name: str | None = None) -> Caller:
        client, raw = create_client(
            tenant,
            name or f"client-{next(counter)}",
            scopes if scopes is not None else list(SCOPES),
        )
        return Caller(Client(), raw, client)

    return make


@pytest.fixture
def caller(tenant, make_caller) -> Caller:
    """A client of tenant A holding every scope."""
    return make_caller(tenant)


@pytest.fixture
def other_caller(other_tenant, make_caller) -> Caller:
    """A client of tenant B holding every scope."""
    return make_caller(other_tenant)


def run_at_once(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """``work(n)`` for each n below ``count``, each in a thread of its own, all released
    together; each thread closes its database connection when done. Returns what the
    threads raised (an assertion in ``work`` included), for the test to check."""
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            start.wait(10)
            work(n)
        except BaseException as exc:  # noqa: BLE001 - returned for the assertions
            failures.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


@pytest.fixture
def at_once() -> Callable[[int, Callable[[int], None]], list[BaseException]]:
    """``run_at_once``, for races on real connections (``django_db(transaction=True)``)."""
    return run_at_once
