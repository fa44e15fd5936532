"""The PostgreSQL backend prepares what a connection runs again, but never a batch's
statement of many parameters, which is planned for its values each time."""

from __future__ import annotations

import pytest
from django.db import connection

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
