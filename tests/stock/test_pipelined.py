"""``inventory.sql.pipelined``: on PostgreSQL the block's statements go out without waiting
for each answer. What the block writes must still be what a later read in it finds, and a
write the database refuses must still fail the block as Django's own error, so callers'
retries and rollbacks work as without it (on SQLite the block changes nothing)."""

import pytest
from django.db import IntegrityError, connection, transaction

from omnichannel.inventory.models import Warehouse
from omnichannel.inventory.sql import (
    fetch,
    insert_new,
    insert_rows,
    instances,
    pipelined,
    table,
    update_rows,
)

pytestmark = pytest.mark.django_db


def test_a_read_in_the_block_finds_what_the_block_wrote_before_it(tenant):
    kept = Warehouse.objects.create(tenant=tenant, code="OLD", name="Old")

    with transaction.atomic(), pipelined():
        insert_rows([Warehouse(tenant=tenant, code=f"W{n}", name="new") for n in range(3)])
        update_rows(Warehouse, ("name",), [("Renamed", kept.pk)])
        rows = fetch(f"SELECT code, name FROM {table(Warehouse)} ORDER BY code", [])

    assert rows == [("OLD", "Renamed"), ("W0", "new"), ("W1", "new"), ("W2", "new")]


def test_rows_inserted_in_the_block_get_their_ids_and_read_back_as_instances(tenant):
    """Keyed inserts (each row's id returned: one statement per row on PostgreSQL, their
    answers kept) and a read of whole rows, after writes whose answers are still owed."""
    Warehouse.objects.create(tenant=tenant, code="TAKEN", name="first")
    rows = [Warehouse(tenant=tenant, code=f"K{n}", name="keyed") for n in range(3)]
    fresh = [Warehouse(tenant=tenant, code=code, name="new") for code in ("TAKEN", "N1")]

    with transaction.atomic(), pipelined():
        insert_rows(rows, key=("tenant_id", "code"))
        inserted = insert_new(fresh, ("tenant_id", "code"))
        found = instances(Warehouse, f"SELECT * FROM {table(Warehouse)} ORDER BY code", [])

    assert [row.code for row in inserted] == ["N1"]
    ids = {row.code: row.pk for row in found}
    assert [ids[row.code] for row in rows] == [row.pk for row in rows]
    assert ids["N1"] == inserted[0].pk and ids["TAKEN"] != fresh[0].pk
    assert [(row.code, row.name) for row in found][:2] == [("K0", "keyed"), ("K1", "keyed")]


def test_a_refused_write_fails_the_block_as_djangos_integrity_error_and_keeps_nothing(tenant):
    Warehouse.objects.create(tenant=tenant, code="TAKEN", name="first")

    with pytest.raises(IntegrityError), transaction.atomic(), pipelined():
        insert_rows([Warehouse(tenant=tenant, code="FRESH", name="x")])
        insert_rows([Warehouse(tenant=tenant, code="TAKEN", name="again")])
        update_rows(Warehouse, ("name",), [("changed", 0)])

    assert sorted(Warehouse.objects.values_list("code", "name")) == [("TAKEN", "first")]
    assert Warehouse.objects.count() == 1  # the connection is usable after the failure


def test_the_orms_update_of_a_row_in_the_block_finds_the_row(tenant):
    """Django's ``save`` of an existing row inserts it instead when its ``UPDATE`` seems to
    have found nothing: the row count must be the statement's, not a pipeline's blank."""
    warehouse = Warehouse.objects.create(tenant=tenant, code="WH", name="Old")

    with transaction.atomic(), pipelined():
        warehouse.name = "Renamed"
        warehouse.save()
        updated = Warehouse.objects.filter(code="WH").update(active=False)

    assert updated == 1
    assert list(Warehouse.objects.values_list("code", "name", "active")) == [
        ("WH", "Renamed", False)
    ]


def test_a_write_refused_inside_a_savepoint_is_rolled_back_there_and_the_block_goes_on(tenant):
    """``get_or_create`` and every ``atomic`` inside the block rely on this: the refusal
    must surface where its savepoint can undo it, not at the end of the pipeline."""
    Warehouse.objects.create(tenant=tenant, code="TAKEN", name="first")

    with transaction.atomic(), pipelined():
        with pytest.raises(IntegrityError), transaction.atomic():
            insert_rows([Warehouse(tenant=tenant, code="TAKEN", name="again")])
        insert_rows([Warehouse(tenant=tenant, code="AFTER", name="kept")])

    assert sorted(Warehouse.objects.values_list("code", "name")) == [
        ("AFTER", "kept"),
        ("TAKEN", "first"),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL pipeline")
def test_omni_pg_pipeline_off_sends_every_statement_on_its_own(tenant, settings):
    with transaction.atomic(), pipelined():
        assert connection.connection._pipeline is not None

    settings.OMNI_PG_PIPELINE = False
    with transaction.atomic(), pipelined():
        insert_rows([Warehouse(tenant=tenant, code="W", name="w")])
        assert connection.connection._pipeline is None
    assert Warehouse.objects.filter(code="W").exists()
