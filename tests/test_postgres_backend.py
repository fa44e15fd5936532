"""The PostgreSQL backend prepares what a connection runs again, but never a batch's
statement of many parameters, which is planned for its values each time; it reads times
in UTC with psycopg's own loader."""

from __future__ import annotations

import datetime

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from omnichannel.postgres.base import MANY_PARAMETERS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def run_three_times(values: list[int]) -> list[int]:
    marks = ", ".join(["%s"] * len(values))
    query = f"SELECT n FROM generate_series(1, 1000) n WHERE n IN ({marks}) ORDER BY n"
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(query, values)
            answer = [row[0] for row in cursor.fetchall()]
    return answer


def test_a_statement_of_few_parameters_is_prepared_once_run_again():
    assert run_three_times([3, 1, 2]) == [1, 2, 3]

    assert any("n IN ($1, $2, $3)" in text for text in prepared_statements())


def test_a_statement_of_many_parameters_is_never_prepared_and_still_answers():
    many = list(range(1, MANY_PARAMETERS + 2))

    assert run_three_times(many) == many

    assert not any(f"${len(many)})" in text for text in prepared_statements())


def test_times_are_read_in_utc_by_psycopgs_own_loader():
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2026-12-12 08:30:00.123456+07'::timestamptz")
        (read,) = cursor.fetchone()
        oid = cursor.description[0].type_code
        loader = cursor.connection.adapters.get_loader(oid, psycopg.pq.Format.TEXT)

    assert read == datetime.datetime(2026, 12, 12, 1, 30, 0, 123456, tzinfo=datetime.UTC)
    assert read.tzinfo is datetime.UTC
    assert loader is psycopg.adapters.get_loader(oid, psycopg.pq.Format.TEXT)


def test_a_model_reads_back_the_time_it_stored():
    from omnichannel.tenants.models import Tenant

    stored = Tenant.objects.create(name="Times")
    read = Tenant.objects.get(pk=stored.pk)

    assert read.created_at == stored.created_at
    assert read.created_at.tzinfo is datetime.UTC
    assert timezone.is_aware(read.created_at)


def test_a_named_cursor_reads_times_in_utc_too():
    """The ORM's ``iterator()`` reads through a named (server-side) cursor."""
    from omnichannel.tenants.models import Tenant

    stored = Tenant.objects.create(name="Iterated")
    read = next(Tenant.objects.filter(pk=stored.pk).iterator(chunk_size=10))

    assert read.created_at == stored.created_at
    assert read.created_at.tzinfo is datetime.UTC
