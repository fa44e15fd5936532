"""Every error, whatever its kind, answers the one envelope with a stable code."""

import pytest

from omnichannel.api.main import api
from omnichannel.errors import Conflict


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert isinstance(error["details"], dict)
    assert error["request_id"] == response["X-Request-ID"]
    return error


def test_validation_errors_name_the_field(caller):
    error = assert_envelope(
        caller.post("/api/v1/warehouses", {"name": "no code"}), 422, "validation_error"
    )
    assert any(e["field"] and "code" in e["field"] for e in error["details"]["errors"])


def test_a_malformed_json_body_is_a_validation_error(caller):
    response = caller.http.post(
        "/api/v1/warehouses",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {caller.token}"},
    )
    assert response.status_code in (400, 422)
    assert "error" in response.json()


def test_auth_errors(client, db):
    assert_envelope(client.get("/api/v1/warehouses"), 401, "auth.required")


def test_scope_errors(tenant, make_caller):
    assert_envelope(make_caller(tenant, []).get("/api/v1/warehouses"), 403, "auth.missing_scope")


def test_not_found(caller):
    assert_envelope(caller.get("/api/v1/warehouses/999999"), 404, "not_found")


def test_an_unknown_path_under_the_api(caller):
    assert_envelope(caller.get("/api/v1/no-such-thing"), 404, "not_found")


def test_a_wrong_method(caller):
    response = caller.delete("/api/v1/warehouses")
    assert response.status_code == 405
    assert "error" in response.json()


def test_conflicts(caller):
    caller.post("/api/v1/warehouses", {"code": "W1", "name": "One"})
    error = assert_envelope(
        caller.post("/api/v1/warehouses", {"code": "W1", "name": "Two"}), 409, "warehouse.exists"
    )
    assert error["details"] == {"code": "W1"}


def test_a_rejected_request_changes_nothing(caller):
    caller.post("/api/v1/products", {"sku": "P1", "name": "Plain"})
    response = caller.post(
        "/api/v1/products",
        {"sku": "B1", "name": "Bundle", "bundle_components": [{"sku": "P1"}, {"sku": "MISSING"}]},
    )
    assert response.status_code == 404
    assert caller.get("/api/v1/products", sku="B1").json()["items"] == []


def test_server_errors_use_the_envelope_and_log_the_request_id(caller, monkeypatch):
    from omnichannel.inventory import api as inventory_api

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(inventory_api, "paginate", explode)
    error = assert_envelope(caller.get("/api/v1/warehouses"), 500, "server_error")
    assert "boom" not in error["message"]


def test_domain_errors_raised_anywhere_keep_their_code(caller, monkeypatch):
    from omnichannel.inventory import api as inventory_api

    def conflict(*args, **kwargs):
        raise Conflict("Busy.", code="demo.busy", details={"why": "test"})

    monkeypatch.setattr(inventory_api, "paginate", conflict)
    error = assert_envelope(caller.get("/api/v1/warehouses"), 409, "demo.busy")
    assert error["details"] == {"why": "test"}


@pytest.mark.parametrize("path", ["/api/v1/health"])
def test_health_needs_no_token(client, db, path):
    assert client.get(path).status_code == 200


def test_every_operation_has_a_summary_and_tags():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
            assert operation.get("tags"), f"{method.upper()} {path} has no tags"
