def test_health_answers_ok(client, db):
    response = client.get("/api/v1/health")
    assert response.status_code == 200, response.content
    assert response.json()["database"] == "ok"


def test_warehouse_roundtrip(caller):
    r = caller.post("/api/v1/warehouses", {"code": "W1", "name": "One"})
    assert r.status_code == 201, r.content
    r = caller.get("/api/v1/warehouses")
    assert r.json()["items"][0]["code"] == "W1"
