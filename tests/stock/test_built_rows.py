"""``inventory.sql.built`` makes new rows as ``Model(**values)`` does, without its per-field
work: the order path builds every order, line, reservation and event with it."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from omnichannel.channels.models import Connection
from omnichannel.inventory.models import Reservation, Warehouse
from omnichannel.inventory.sql import built
from omnichannel.notifications.models import Event
from omnichannel.orders.models import Order, OrderLine, OrderStatus

pytestmark = pytest.mark.django_db


def fields_of(instance) -> dict:  # noqa: ANN001
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def same(model, **values) -> None:  # noqa: ANN001
    ours, django = built(model, **values), model(**values)
    assert fields_of(ours) == fields_of(django)
    assert (ours._state.adding, ours._state.db) == (django._state.adding, django._state.db)
    assert ours._state.fields_cache.keys() == django._state.fields_cache.keys()
    for name, related in django._state.fields_cache.items():
        assert ours._state.fields_cache[name] is related


def test_new_rows_are_built_as_their_model_builds_them(tenant):
    connection = Connection.objects.create(
        tenant=tenant, channel="manual", name="Manual", external_shop_id="m"
    )
    warehouse = Warehouse.objects.create(tenant=tenant, code="WH", name="WH")
    same(
        Order,
        tenant=tenant,
        connection=connection,
        external_id="A-1",
        status=OrderStatus.READY_TO_PROCESS,
        placed_at=datetime(2026, 12, 12, tzinfo=UTC),
        total=Decimal("12.50"),
        buyer={"name": "Ann"},
    )
    same(Order)  # every field its default (JSON defaults are fresh objects, equal)
    order = Order.objects.create(tenant=tenant, connection=connection, external_id="A-2")
    same(OrderLine, order=order, external_line_id="1", quantity=2, unit_price=Decimal(5))
    line = OrderLine.objects.create(order=order, external_line_id="1", quantity=2)
    same(Reservation, tenant_id=tenant.pk, order_line=line, product_id=None, warehouse=warehouse)
    same(Event, tenant=tenant, type="order.created", subject_id="1", data={"a": 1})


def test_an_unknown_field_is_refused():
    with pytest.raises(TypeError, match="colour"):
        built(Order, external_id="A-1", colour="red")
