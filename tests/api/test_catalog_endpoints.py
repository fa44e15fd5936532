"""Warehouses, products with bundle components, listings and direct connections."""


def test_a_product_is_created_read_and_changed(caller):
    created = caller.post(
        "/api/v1/products",
        {"sku": "TEE-R-M", "name": "Tee", "price": "99000.00", "currency": "IDR", "weight_g": 200},
    )
    assert created.status_code == 201
    product = created.json()
    assert product["price"] == "99000.00"
    changed = caller.patch(
        f"/api/v1/products/{product['id']}", {"name": "Red tee", "weight_g": None}
    )
    assert changed.json()["name"] == "Red tee"
    assert changed.json()["weight_g"] is None
    assert changed.json()["sku"] == "TEE-R-M"


def test_a_duplicate_sku_is_a_conflict(caller):
    caller.post("/api/v1/products", {"sku": "S", "name": "S"})
    response = caller.post("/api/v1/products", {"sku": "S", "name": "again"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "product.exists"


def test_a_bundle_lists_its_components(caller):
    caller.post("/api/v1/products", {"sku": "SOAP", "name": "Soap"})
    caller.post("/api/v1/products", {"sku": "TOWEL", "name": "Towel"})
    bundle = caller.post(
        "/api/v1/products",
        {
            "sku": "GIFT",
            "name": "Gift set",
            "bundle_components": [{"sku": "SOAP", "quantity": 2}, {"sku": "TOWEL", "quantity": 1}],
        },
    ).json()
    assert bundle["bundle_components"] == [
        {"sku": "SOAP", "quantity": 2},
        {"sku": "TOWEL", "quantity": 1},
    ]
    unbundled = caller.patch(f"/api/v1/products/{bundle['id']}", {"bundle_components": []})
    assert unbundled.json()["bundle_components"] == []


def test_bundles_of_bundles_are_refused(caller):
    caller.post("/api/v1/products", {"sku": "SOAP", "name": "Soap"})
    caller.post(
        "/api/v1/products",
        {"sku": "GIFT", "name": "Gift", "bundle_components": [{"sku": "SOAP", "quantity": 2}]},
    )
    response = caller.post(
        "/api/v1/products",
        {"sku": "MEGA", "name": "Mega", "bundle_components": [{"sku": "GIFT", "quantity": 1}]},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "product.invalid_bundle"
    assert caller.get("/api/v1/products", sku="MEGA").json()["items"] == []


def test_products_can_be_searched(caller):
    caller.post("/api/v1/products", {"sku": "TEE-R", "name": "Red tee", "barcode": "899001"})
    caller.post("/api/v1/products", {"sku": "MUG", "name": "Mug"})
    assert [p["sku"] for p in caller.get("/api/v1/products", q="tee").json()["items"]] == ["TEE-R"]
    assert [p["sku"] for p in caller.get("/api/v1/products", q="899001").json()["items"]] == [
        "TEE-R"
    ]


def test_only_pos_and_manual_connections_are_created_directly(caller):
    pos = caller.post("/api/v1/connections", {"channel": "pos", "name": "Store 1"})
    assert pos.status_code == 201
    assert pos.json()["external_shop_id"]
    shopee = caller.post("/api/v1/connections", {"channel": "shopee", "name": "Shop"})
    assert shopee.status_code == 422
    assert shopee.json()["error"]["code"] == "connection.requires_authorization"


def test_a_connection_is_disabled_and_enabled(caller):
    pos = caller.post("/api/v1/connections", {"channel": "pos", "name": "Store 1"}).json()
    disabled = caller.post(f"/api/v1/connections/{pos['id']}/disable", {"reason": "store closed"})
    assert disabled.json()["status"] == "disabled"
    assert disabled.json()["status_reason"] == "store closed"
    assert (
        caller.get("/api/v1/connections", status="disabled").json()["items"][0]["id"] == pos["id"]
    )
    enabled = caller.post(f"/api/v1/connections/{pos['id']}/enable")
    assert enabled.json()["status"] == "active"


def test_a_listing_is_mapped_to_a_sku_later(caller):
    caller.post("/api/v1/products", {"sku": "TEE", "name": "Tee"})
    pos = caller.post("/api/v1/connections", {"channel": "pos", "name": "Store"}).json()
    listing = caller.post(
        "/api/v1/listings",
        {"connection_id": pos["id"], "external_item_id": "77", "channel_sku": "tee"},
    ).json()
    assert listing["sku"] is None
    assert caller.get("/api/v1/listings", unmapped=True).json()["items"][0]["id"] == listing["id"]
    mapped = caller.patch(f"/api/v1/listings/{listing['id']}", {"sku": "TEE"}).json()
    assert mapped["sku"] == "TEE"
    assert caller.get("/api/v1/listings", unmapped=True).json()["items"] == []


def test_a_channel_item_is_listed_once_per_connection(caller):
    pos = caller.post("/api/v1/connections", {"channel": "pos", "name": "Store"}).json()
    body = {"connection_id": pos["id"], "external_item_id": "77"}
    assert caller.post("/api/v1/listings", body).status_code == 201
    again = caller.post("/api/v1/listings", body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "listing.exists"


def test_a_warehouse_code_is_unique_per_tenant(caller, other_caller):
    assert caller.post("/api/v1/warehouses", {"code": "JKT", "name": "A"}).status_code == 201
    assert other_caller.post("/api/v1/warehouses", {"code": "JKT", "name": "B"}).status_code == 201
    assert caller.post("/api/v1/warehouses", {"code": "JKT", "name": "A2"}).status_code == 409
