"""Cursor pagination: every row exactly once, in order, whatever is inserted meanwhile."""

from omnichannel.inventory.models import Warehouse


def make_warehouses(tenant, count: int) -> None:
    Warehouse.objects.bulk_create(
        Warehouse(tenant=tenant, code=f"W{n:03}", name=f"W{n}") for n in range(count)
    )


def test_walking_the_cursor_returns_every_row_once_in_order(caller):
    make_warehouses(caller.tenant, 23)
    seen, cursor = [], None
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = caller.get("/api/v1/warehouses", **params).json()
        seen += [w["code"] for w in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"W{n:03}" for n in range(23)]


def test_rows_added_while_paging_appear_later_not_twice(caller):
    make_warehouses(caller.tenant, 4)
    first = caller.get("/api/v1/warehouses", limit=2).json()
    Warehouse.objects.create(tenant=caller.tenant, code="NEW", name="new")
    rest = caller.get("/api/v1/warehouses", limit=10, cursor=first["next_cursor"]).json()
    codes = [w["code"] for w in first["items"] + rest["items"]]
    assert codes == ["W000", "W001", "W002", "W003", "NEW"]
    assert rest["next_cursor"] is None


def test_the_last_full_page_has_no_next_cursor(caller):
    make_warehouses(caller.tenant, 4)
    assert caller.get("/api/v1/warehouses", limit=4).json()["next_cursor"] is None


def test_a_forged_cursor_is_refused(caller):
    response = caller.get("/api/v1/warehouses", cursor="not-a-cursor")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "pagination.invalid_cursor"


def test_limits_out_of_range_are_refused(caller):
    for limit in (0, 501):
        response = caller.get("/api/v1/warehouses", limit=limit)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "pagination.invalid_limit"


def test_pages_are_scoped_to_the_tenant(caller, other_caller):
    make_warehouses(caller.tenant, 3)
    make_warehouses(other_caller.tenant, 3)
    page = other_caller.get("/api/v1/warehouses", limit=2).json()
    rest = other_caller.get("/api/v1/warehouses", cursor=page["next_cursor"]).json()
    ids = {w["id"] for w in page["items"] + rest["items"]}
    assert ids == set(
        Warehouse.objects.filter(tenant=other_caller.tenant).values_list("id", flat=True)
    )
