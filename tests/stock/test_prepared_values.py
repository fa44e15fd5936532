"""Written-out inserts prepare values as the ORM does, skipping the field calls only where
they change nothing."""

from django.apps import apps
from django.db import connection

from omnichannel.inventory.sql import plain_type, prepared_values
from omnichannel.orders.models import Order

SAMPLES = {str: "text", int: 7, bool: True}


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


def test_an_order_row_is_prepared_as_the_orm_prepares_it(db, tenant):
    """Enum members, amounts, times and JSON go through their fields; the rest as is."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from omnichannel.orders.models import OrderStatus

    order = Order(
        tenant=tenant,
        external_id="A-1",
        status=OrderStatus.SHIPPED,
        total=Decimal("12.50"),
        placed_at=datetime(2026, 12, 12, tzinfo=UTC),
        channel_data={"a": 1},
        cancel_requested=True,
    )
    fields = [field for field in Order._meta.concrete_fields if not field.primary_key]
    orm = [field.get_db_prep_save(field.pre_save(order, True), connection) for field in fields]
    ours = prepared_values(order, fields, adding=True)
    updated_at = [n for n, field in enumerate(fields) if field.name in ("created_at", "updated_at")]
    for n in updated_at:  # auto_now timestamps: set by each call, a moment apart
        orm[n] = ours[n] = None
    assert [getattr(x, "obj", x) for x in ours] == [getattr(x, "obj", x) for x in orm]  # Jsonb
