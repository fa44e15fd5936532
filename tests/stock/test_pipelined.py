"""``inventory.sql.pipelined``: on PostgreSQL the block's statements go out without waiting
for each answer. What the block writes must still be what a later read in it finds, and a
write the database refuses must still fail the block as Django's own error, so callers'
retries and rollbacks work as without it (on SQLite the block changes nothing)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from omnichannel.inventory.models import Warehouse
from omnichannel.inventory.sql import (
    ARRAY_ROWS,
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


# Texts that an array's text form must quote or escape (``sql.array_literal``).
AWKWARD_TEXTS = ["", "NULL", 'a "quoted" \\ back,slash {x}', " spaced\t", "é ☃", "\\", '"']


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's arrays")
def test_json_values_go_in_an_arrays_text_form_and_read_back_as_they_were():
    """``array_literal`` writes a column of JSON values (as ``jsonb`` prepares them) as
    text, escaped so that PostgreSQL reads each one back as the value it was."""
    import json

    from psycopg.types.json import Jsonb

    from omnichannel.inventory.sql import array_literal

    values = [{"note": text, "n": [n, None, True]} for n, text in enumerate(AWKWARD_TEXTS)]
    literal = array_literal([Jsonb(value, dumps=json.dumps) for value in values] + [None])

    assert isinstance(literal, str)
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::jsonb[])", [literal])
        read = [json.loads(row[0]) if row[0] is not None else None for row in cursor.fetchall()]
    assert read == [*values, None]


def order_rows(tenant, prefix: str, count: int) -> list:  # noqa: ANN001
    """Orders of one shop whose values differ from row to row in every kind of column:
    texts (awkward ones too), enum members, amounts, aware times and none, JSON objects
    and arrays."""
    from datetime import UTC, datetime, timedelta, timezone
    from decimal import Decimal

    from omnichannel.channels.models import Connection
    from omnichannel.orders.models import Order, OrderStatus

    shop, _ = Connection.objects.get_or_create(
        tenant=tenant, channel="pos", name="till", external_shop_id="till"
    )
    statuses = list(OrderStatus)
    return [
        Order(
            tenant=tenant,
            connection=shop,
            channel="pos",
            external_id=f"{prefix}-{n}",
            external_number=AWKWARD_TEXTS[n % len(AWKWARD_TEXTS)],
            note=AWKWARD_TEXTS[-1 - n % len(AWKWARD_TEXTS)],
            status=statuses[n % len(statuses)],
            total=Decimal(n) / 4,
            placed_at=datetime(2026, 12, 12, n % 24, tzinfo=timezone(timedelta(hours=n % 7))),
            paid_at=None if n % 2 else datetime(2026, 12, 12, 1, 2, 3, n, tzinfo=UTC),
            buyer={"name": f"Ann {n}", "tags": ["vip"] * (n % 3), "note": AWKWARD_TEXTS[n % 7]},
            raw=[n, "é", None],
            cod=bool(n % 2),
        )
        for n in range(count)
    ]


def stored(prefix: str) -> dict[str, tuple]:
    """The rows whose external id starts with ``prefix``, by the rest of that id: every
    column but the id and the stamps of when the row was written."""
    from omnichannel.orders.models import Order

    names = [
        field.attname
        for field in Order._meta.concrete_fields
        if field.attname not in ("id", "external_id", "created_at", "updated_at")
    ]
    rows = Order.objects.filter(external_id__startswith=f"{prefix}-")
    return {
        external_id.removeprefix(f"{prefix}-"): values
        for external_id, *values in rows.values_list("external_id", *names)
    }


@pytest.mark.parametrize("count", [2, ARRAY_ROWS + 3], ids=["few rows", "column arrays"])
@pytest.mark.parametrize("way", ["plain", "keyed", "new only"])
def test_a_batch_of_any_size_stores_each_row_as_the_orm_stores_it(tenant, count, way):
    """On PostgreSQL a batch of ``ARRAY_ROWS`` rows or more (of 2 or more when ids come
    back) is one statement over column arrays, a smaller one a statement per row: either
    way each value lands in its own row as the ORM's ``bulk_create`` puts it there, and
    each row gets its own id."""
    from omnichannel.orders.models import Order

    Order.objects.bulk_create(order_rows(tenant, "orm", count))
    ours = order_rows(tenant, "ours", count)
    key = ("connection_id", "external_id")
    with CaptureQueriesContext(connection) as sent, transaction.atomic(), pipelined():
        if way == "plain":
            insert_rows(ours)
        elif way == "keyed":
            insert_rows(ours, key=key)
        else:
            assert insert_new(ours, key) == ours

    over_arrays = ["unnest(" in query["sql"] for query in sent.captured_queries]
    from_rows = ARRAY_ROWS if way == "plain" else 2  # keyed: never executemany (it waits)
    assert any(over_arrays) == (connection.vendor == "postgresql" and count >= from_rows)
    assert len(stored("ours")) == count
    assert stored("ours") == stored("orm")
    if way != "plain":
        ids = dict(Order.objects.values_list("external_id", "id"))
        assert [row.pk for row in ours] == [ids[row.external_id] for row in ours]


@pytest.mark.parametrize("count", [2, ARRAY_ROWS + 3], ids=["few rows", "column arrays"])
def test_only_new_rows_are_inserted_and_returned_even_when_a_batch_repeats_a_key(tenant, count):
    """Keys already stored and keys repeated inside the batch are skipped, not refused:
    the first row of each new key is inserted and returned with its id."""
    from omnichannel.orders.models import Order

    taken = order_rows(tenant, "o", count)[::2]
    Order.objects.bulk_create(taken)
    batch = order_rows(tenant, "o", count) + order_rows(tenant, "o", count)[1:2]

    with transaction.atomic(), pipelined():
        inserted = insert_new(batch, ("connection_id", "external_id"))

    assert [row.external_id for row in inserted] == [f"o-{n}" for n in range(count) if n % 2]
    assert Order.objects.count() == count
    ids = dict(Order.objects.values_list("external_id", "id"))
    assert [row.pk for row in inserted] == [ids[row.external_id] for row in inserted]


def test_reads_sent_together_each_return_their_own_rows_in_any_order_read(tenant):
    """``instances_later``: on PostgreSQL the reads share a round trip; each function
    still returns its own statement's rows, whichever is read first, after writes."""
    from omnichannel.inventory.sql import instances_later

    Warehouse.objects.create(tenant=tenant, code="A", name="first")
    with transaction.atomic(), pipelined():
        insert_rows([Warehouse(tenant=tenant, code="B", name="second")])
        whole = f"SELECT * FROM {table(Warehouse)} WHERE code = %s"
        annotated = f"SELECT code, 7 AS extra FROM {table(Warehouse)} WHERE code = %s"
        first = instances_later(Warehouse, whole, ["A"])
        second = instances_later(Warehouse, annotated, ["B"])
        seconds, firsts = second(), first()

    assert [(w.code, w.name) for w in firsts] == [("A", "first")]
    assert [(w.code, w.extra) for w in seconds] == [("B", 7)]


def in_transaction() -> bool:
    """Whether the connection's session is inside a transaction, as PostgreSQL says."""
    import psycopg

    return connection.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


@pytest.mark.django_db(transaction=True)
def test_a_pipelined_transaction_commits_what_its_block_wrote_and_then_runs_its_hooks(tenant):
    from omnichannel.inventory.sql import pipelined_transaction

    ran = []
    with pipelined_transaction():
        insert_rows([Warehouse(tenant=tenant, code="KEPT", name="kept")])
        transaction.on_commit(lambda: ran.append(Warehouse.objects.filter(code="KEPT").count()))
        assert connection.in_atomic_block

    assert ran == [1]
    assert connection.get_autocommit() and not connection.in_atomic_block
    if connection.vendor == "postgresql":
        assert not in_transaction()
        assert connection.connection.autocommit  # psycopg's, as Django left it


@pytest.mark.django_db(transaction=True)
def test_an_error_in_a_pipelined_transaction_keeps_nothing_and_runs_no_hook(tenant):
    from omnichannel.inventory.sql import pipelined_transaction

    ran = []
    with pytest.raises(ValueError), pipelined_transaction():
        insert_rows([Warehouse(tenant=tenant, code="GONE", name="gone")])
        transaction.on_commit(lambda: ran.append("hook"))
        raise ValueError("stop")

    assert not Warehouse.objects.filter(code="GONE").exists()
    assert ran == []
    if connection.vendor == "postgresql":
        assert not in_transaction()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a constraint checked at COMMIT")
def test_a_commit_the_database_refuses_raises_djangos_error_and_keeps_nothing(tenant):
    """The ``COMMIT`` travels in the pipeline: its refusal (here a foreign key checked at
    commit) still raises from the block as Django's error, and the connection goes on."""
    from omnichannel.inventory.sql import pipelined_transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE checked_at_commit (id int PRIMARY KEY,"
            " parent int REFERENCES checked_at_commit (id) DEFERRABLE INITIALLY DEFERRED)"
        )
    with pytest.raises(IntegrityError), pipelined_transaction():
        insert_rows([Warehouse(tenant=tenant, code="GONE", name="gone")])
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO checked_at_commit VALUES (1, 999)")

    assert not Warehouse.objects.filter(code="GONE").exists()
    assert not in_transaction()
    with pipelined_transaction():
        insert_rows([Warehouse(tenant=tenant, code="NEXT", name="next")])
    assert Warehouse.objects.filter(code="NEXT").exists()


@pytest.mark.django_db(transaction=True)
def test_a_pipelined_transaction_inside_another_is_part_of_it(tenant):
    from omnichannel.inventory.sql import pipelined_transaction

    with pytest.raises(ValueError), transaction.atomic():
        with pipelined_transaction():
            insert_rows([Warehouse(tenant=tenant, code="INNER", name="inner")])
        assert Warehouse.objects.filter(code="INNER").exists()
        raise ValueError("the outer transaction rolls back")

    assert not Warehouse.objects.filter(code="INNER").exists()


@pytest.mark.parametrize("count", [1, 3], ids=["one row", "rows"])
def test_rows_sent_now_get_their_ids_when_asked_after_a_read(tenant, count):
    """``insert_rows_later``: the rows go now; a read sent before their ids are asked for
    finds them, and each row then gets its own id."""
    from omnichannel.inventory.sql import insert_rows_later

    rows = [Warehouse(tenant=tenant, code=f"L{n}", name=f"later {n}") for n in range(count)]
    with transaction.atomic(), pipelined():
        give_ids = insert_rows_later(rows, key=("tenant_id", "code"))
        seen = fetch(f"SELECT code FROM {table(Warehouse)} WHERE code LIKE %s", ["L%"])
        give_ids()

    assert sorted(code for (code,) in seen) == [f"L{n}" for n in range(count)]
    ids = dict(Warehouse.objects.values_list("code", "id"))
    assert [row.pk for row in rows] == [ids[row.code] for row in rows]
    assert not any(row._state.adding for row in rows)
