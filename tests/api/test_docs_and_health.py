"""The API documents itself and reports its health."""


def test_openapi_schema_is_served(client, db):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Omnichannel API"
    assert "/api/v1/warehouses" in schema["paths"]


def test_swagger_ui_and_redoc_pages_load(client, db):
    assert b"swagger" in client.get("/api/docs").content.lower()
    assert b"redoc" in client.get("/api/redoc").content.lower()


def test_health_reports_database_and_queue(client, db):
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["queue"]["status"] == "ok"
