"""Written-out inserts prepare values as the ORM does: skipping the field calls where they
change nothing (plain values), making the same values without them (aware times,
amounts, JSON), and leaving any other value to its field."""

import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models

from omnichannel.inventory.sql import SLOW, fast_preparer, plain_type, prepared_values
from omnichannel.orders.models import Order

SAMPLES = {str: "text", int: 7, bool: True}
PLUS_7 = timezone(timedelta(hours=7))
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 12, 9, 15, 30, 123456, tzinfo=UTC)  # timezone.now() in the tests

AWARE_TIMES = [
    datetime(2026, 12, 12, tzinfo=UTC),
    datetime(2026, 12, 12, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 12, 13, 6, 30, tzinfo=PLUS_7),  # the day before in UTC
    datetime(2026, 12, 13, 6, 30, 0, 1, tzinfo=PLUS_7),
    datetime(2026, 1, 1, 2, 0, 0, 500000, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
    datetime(2026, 6, 1, 12, tzinfo=timezone(timedelta(hours=5, minutes=30, seconds=15))),
    datetime(2026, 7, 1, 12, 0, 0, 10, tzinfo=PARIS),  # summer time
    datetime(2026, 10, 25, 2, 30, tzinfo=PARIS),  # the hour that happens twice: first…
    datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS),  # …and second time
]
DECIMALS = [
    Decimal("12.50"), Decimal("0"), Decimal("-0"), Decimal("0.00"), Decimal("1E+3"),
    Decimal("1.23E-7"), Decimal("-99999999999.99"), Decimal("12345678901234567890.123"),
    0, 7, -42, 10**20,
]  # fmt: skip
JSONS = [{}, {"a": 1, "b": [1.5, "x", {"c": None}]}, {"é": "ü ☃"}, [], [1, "x", None, True]]
# Values the fast preparers leave to the field (a naive time warns and is made aware; a NaN
# is refused; a string is parsed).
SLOW_VALUES = {
    models.DateTimeField: [datetime(2026, 12, 12, 6, 30), datetime(2026, 12, 12, 6, 30, 0, 7)],
    models.DecimalField: [Decimal("NaN"), Decimal("Infinity"), Decimal("-sNaN"), "12.5", 1.5, True],
    models.JSONField: ["text", 3, True, 2.5, (1, 2)],
}  # fmt: skip
FAST_VALUES = {
    models.DateTimeField: [None, *AWARE_TIMES],
    models.DecimalField: [None, *DECIMALS],
    models.JSONField: [None, *JSONS],
}


def sent(value: Any) -> tuple:
    """What the driver gets, comparably: type and repr (a Decimal's exponent, a time's
    zone); for psycopg's ``Jsonb`` its object and its ``dumps`` function."""
    if hasattr(value, "obj") and hasattr(value, "dumps"):
        return type(value), repr(value.obj), value.dumps
    return type(value), repr(value)


def outcome(prepare: Callable[[], Any]) -> tuple:
    """What ``prepare`` sends, or the error it raises, and the warnings it gives."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = sent(prepare())
        except Exception as error:  # noqa: BLE001 - the ORM's errors are compared too
            result = (type(error),)
    return result, [(w.category, str(w.message)) for w in caught]


def orm_value(row: models.Model, field: models.Field, adding: bool) -> Any:
    return field.get_db_prep_save(field.pre_save(row, adding), connection)


def assert_prepared_as_the_orm(model: type[models.Model], field: models.Field, value: Any) -> None:
    for adding in (True, False):
        orm_row, our_row = model(), model()
        setattr(orm_row, field.attname, value)
        setattr(our_row, field.attname, value)
        with mock.patch("django.utils.timezone.now", return_value=NOW):
            orm = outcome(lambda: orm_value(orm_row, field, adding))  # noqa: B023
            ours = outcome(lambda: prepared_values(our_row, [field], adding)[0])  # noqa: B023
        assert ours == orm, (model, field.name, value, adding)
        # pre_save's auto_now / auto_now_add stamp is left on the row, as the ORM leaves it
        assert sent(getattr(our_row, field.attname)) == sent(getattr(orm_row, field.attname))


def fast_fields() -> list[tuple[type[models.Model], models.Field]]:
    found = [
        (model, field)
        for model in apps.get_models()
        if model.__module__.startswith("omnichannel.")
        for field in model._meta.concrete_fields
        if type(field) in FAST_VALUES
    ]
    assert len(found) > 50  # the check runs over the project's models
    return found


def test_every_plain_field_of_every_model_stores_its_values_as_they_are(db):
    checked = 0
    for model in apps.get_models():
        if not model.__module__.startswith("omnichannel."):
            continue
        for field in model._meta.concrete_fields:
            plain = plain_type(field)
            if plain is None:
                continue
            for value in (SAMPLES[plain], None) if field.null else (SAMPLES[plain],):
                row = model()
                setattr(row, field.attname, value)
                prepared = field.get_db_prep_save(field.pre_save(row, True), connection)
                assert prepared == value and type(prepared) is type(value), (model, field)
            checked += 1
    assert checked > 100  # the check ran over the project's models


def test_a_text_enum_member_is_sent_as_the_orm_sends_it(db):
    """The ORM hands a ``TextChoices`` member to the driver as it is (a ``str``): so do we."""
    from omnichannel.orders.models import OrderStatus

    field = Order._meta.get_field("status")
    row = Order(status=OrderStatus.SHIPPED)
    orm = field.get_db_prep_save(field.pre_save(row, True), connection)
    [ours] = prepared_values(row, [field], adding=True)
    assert ours is orm is OrderStatus.SHIPPED


def test_every_time_amount_and_json_field_of_every_model_has_a_fast_path(db):
    for _, field in fast_fields():
        assert fast_preparer(field) is not None, field


def test_fast_preparers_make_what_the_orm_makes_of_every_field_of_every_model(db):
    """Aware times in any zone (UTC, +07:00, half hours, seconds, a DST fold), with and
    without microseconds; Decimals of every exponent and ints; JSON objects and arrays;
    None; and the ``auto_now``/``auto_now_add`` stamp, on insert and on update."""
    for model, field in fast_fields():
        prepare = fast_preparer(field)
        for value in FAST_VALUES[type(field)]:
            assert prepare(value) is not SLOW, (field, value)
            assert_prepared_as_the_orm(model, field, value)


def test_other_values_go_through_their_field(db):
    """A naive time (a warning, then the default zone), a NaN amount (refused), a string
    or float amount, a JSON scalar: the fast preparers leave them to the field."""
    for model, field in fast_fields():
        prepare = fast_preparer(field)
        for value in SLOW_VALUES[type(field)]:
            assert prepare(value) is SLOW, (field, value)
            assert_prepared_as_the_orm(model, field, value)


def test_typed_integers_are_made_as_the_orm_makes_them(db):
    """On PostgreSQL Django types an integer field's values for psycopg (``Int4``…) but
    sends keys as they are: the former get a fast preparer, the latter are plain. A bool
    or a string in an integer field goes through the field."""
    typed = [
        (model, field)
        for model in apps.get_models()
        if model.__module__.startswith("omnichannel.")
        for field in model._meta.concrete_fields
        if plain_type(field) is None and fast_preparer(field) is not None
        and type(field) not in FAST_VALUES
    ]  # fmt: skip
    if connection.vendor != "postgresql":
        assert typed == []
        return
    assert len(typed) > 10
    assert plain_type(Order._meta.get_field("tenant")) is int
    for model, field in typed:
        for value in (None, 0, 7, -3, 40_000):
            assert fast_preparer(field)(value) is not SLOW
            assert_prepared_as_the_orm(model, field, value)
        for value in (True, "7"):
            assert fast_preparer(field)(value) is SLOW
            assert_prepared_as_the_orm(model, field, value)


def test_a_naive_time_still_warns_and_is_made_aware():
    field = Order._meta.get_field("placed_at")
    row = Order(placed_at=datetime(2026, 12, 12, 6, 30))
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        prepared = prepared_values(row, [field], adding=True)
    assert prepared == [
        field.get_db_prep_value(datetime(2026, 12, 12, 6, 30, tzinfo=UTC), connection)
    ]


def test_a_json_field_with_an_encoder_uses_it():
    field = models.JSONField(encoder=DjangoJSONEncoder)
    field.set_attributes_from_name("raw")
    value = {"at": datetime(2026, 12, 13, 6, 30, tzinfo=PLUS_7), "amount": Decimal("1.50")}
    row = Order(raw=value)
    assert fast_preparer(field)(value) is not SLOW
    ours = outcome(lambda: prepared_values(row, [field], adding=True)[0])
    assert ours == outcome(lambda: orm_value(row, field, adding=True))
    if connection.vendor == "sqlite":
        assert prepared_values(row, [field], adding=True) == [
            '{"at": "2026-12-13T06:30:00+07:00", "amount": "1.50"}'
        ]


def test_auto_now_fields_are_stamped_with_one_now_per_row(db, tenant):
    """On insert ``created_at`` and ``updated_at`` get the same now, set on the row as
    ``pre_save`` sets it; on update only ``updated_at`` (``auto_now``) moves."""
    created, updated = Order._meta.get_field("created_at"), Order._meta.get_field("updated_at")
    order = Order(tenant=tenant)
    before = datetime.now(UTC)
    inserted = prepared_values(order, [created, updated], adding=True)
    assert before <= order.created_at == order.updated_at <= datetime.now(UTC)
    stamp = sent(created.get_db_prep_value(order.created_at, connection))
    assert [sent(value) for value in inserted] == [stamp, stamp]

    created_at = order.created_at
    values = prepared_values(order, [created, updated], adding=False)
    assert order.created_at is created_at and order.updated_at >= created_at
    assert [sent(value) for value in values] == [
        stamp,
        sent(updated.get_db_prep_value(order.updated_at, connection)),
    ]


def test_a_now_that_is_not_aware_is_left_to_the_field(db):
    """``timezone.now`` patched to hand a naive time: the field takes it (and warns)."""
    field = Order._meta.get_field("updated_at")
    naive = datetime(2026, 12, 12, 6, 30)
    orm_row, our_row = Order(), Order()
    with mock.patch("django.utils.timezone.now", return_value=naive):
        assert outcome(lambda: prepared_values(our_row, [field], False)[0]) == outcome(
            lambda: orm_value(orm_row, field, False)
        )
    assert our_row.updated_at == orm_row.updated_at == naive


@pytest.mark.parametrize("adding", [True, False])
def test_an_order_row_is_prepared_as_the_orm_prepares_it(db, tenant, adding):
    """Plain values and enum members, aware times, amounts, JSON and the ``auto_now``
    stamps are made without the fields' calls, the same."""
    from omnichannel.orders.models import OrderStatus

    def order() -> Order:
        return Order(
            tenant=tenant,
            external_id="A-1",
            status=OrderStatus.SHIPPED,
            total=Decimal("12.50"),
            subtotal=12,
            shipping_fee=Decimal("0E-2"),
            placed_at=datetime(2026, 12, 12, tzinfo=UTC),
            channel_updated_at=datetime(2026, 12, 13, 6, 30, 0, 250, tzinfo=PLUS_7),
            paid_at=datetime(2026, 12, 12, 1, 2, 3, tzinfo=PARIS),
            buyer={"name": "Ann", "phone": "+84 1"},
            shipping_address={},
            channel_data={"a": 1, "lines": [{"sku": "S", "qty": 2}]},
            raw=[],
            cancel_requested=True,
        )

    fields = [field for field in Order._meta.concrete_fields if not field.primary_key]
    orm_row, our_row = order(), order()
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        orm = [sent(orm_value(orm_row, field, adding)) for field in fields]
        ours = [sent(value) for value in prepared_values(our_row, fields, adding)]
    assert ours == orm
    assert (our_row.created_at, our_row.updated_at) == (orm_row.created_at, orm_row.updated_at)
