"""No table carries a second index on a column that another of its indexes (or unique
constraints) already starts with: every insert would write it for nothing, and a plan made
on stale statistics may pick it to walk all the rows of a tenant (decision 0013)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db


def indexes(table: str) -> list[tuple[str, tuple[str, ...], bool]]:
    """(name, columns, unique) of the table's indexes and unique constraints."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [
        (name, tuple(info["columns"]), bool(info["unique"]))
        for name, info in found.items()
        if (info["index"] or info["unique"]) and not info["primary_key"] and info["columns"]
    ]


def test_no_plain_index_on_a_column_another_index_starts_with():
    repeated = []
    for model in apps.get_models():
        if not model.__module__.startswith("omnichannel."):
            continue
        table = model._meta.db_table
        found = indexes(table)
        for name, columns, unique in found:
            if unique or len(columns) != 1 or name.endswith("_like"):
                continue
            wider = [other for other, cols, _ in found if len(cols) > 1 and cols[0] == columns[0]]
            if wider:
                repeated.append(f"{table}.{columns[0]} ({name}; {', '.join(wider)})")
    assert not repeated, repeated
