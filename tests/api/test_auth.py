"""Bearer tokens and scopes: who may call what."""

import pytest

from omnichannel.tenants.models import ApiToken


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Token abc"}, {"Authorization": "Bearer"}]
)
def test_a_request_without_a_bearer_token_is_refused(client, db, headers):
    response = client.get("/api/v1/warehouses", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.required"


def test_an_unknown_token_is_refused(client, db):
    response = client.get("/api/v1/warehouses", headers={"Authorization": "Bearer omni_nope"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.invalid_token"


def test_a_revoked_token_is_refused(caller):
    ApiToken.objects.get(client=caller.api_client).revoke()
    response = caller.get("/api/v1/warehouses")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth.revoked_token"


def test_a_disabled_client_is_refused(caller):
    caller.api_client.active = False
    caller.api_client.save()
    assert caller.get("/api/v1/warehouses").json()["error"]["code"] == "auth.client_disabled"


def test_a_client_of_a_deactivated_tenant_is_refused(caller):
    caller.tenant.active = False
    caller.tenant.save()
    assert caller.get("/api/v1/warehouses").status_code == 401


def test_a_client_without_the_scope_is_forbidden(tenant, make_caller):
    reader = make_caller(tenant, ["catalog:read"])
    response = reader.post("/api/v1/warehouses", {"code": "W1", "name": "One"})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "auth.missing_scope"
    assert error["details"]["required_scope"] == "catalog:write"
    assert reader.get("/api/v1/warehouses").status_code == 200


def test_the_admin_scope_grants_every_scope(tenant, make_caller):
    admin = make_caller(tenant, ["admin"])
    assert admin.post("/api/v1/warehouses", {"code": "W1", "name": "One"}).status_code == 201


def test_tenant_endpoints_need_the_admin_scope(tenant, make_caller):
    wms = make_caller(tenant, ["orders:read", "orders:write", "stock:write", "catalog:write"])
    assert wms.get("/api/v1/tenants").status_code == 403
    assert wms.get("/api/v1/api-clients").status_code == 403


def test_the_token_records_when_it_was_last_used(caller):
    token = ApiToken.objects.get(client=caller.api_client)
    assert token.last_used_at is None
    caller.get("/api/v1/warehouses")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_resolves_to_its_client_and_tenant(tenant, make_caller):
    from omnichannel.api.auth import client_for_token

    caller = make_caller(tenant, ["stock:read", "orders:write"], name="wms")
    client = client_for_token(caller.token)
    assert (client.pk, client.name, client.scopes) == (
        caller.api_client.pk,
        "wms",
        ["orders:write", "stock:read"],
    )
    assert (client.tenant.pk, client.tenant.name, client.tenant.active) == (
        tenant.pk,
        "Brand A",
        True,
    )
    assert client.created_at == caller.api_client.created_at  # deferred, loaded on use


def test_only_the_hash_of_a_token_is_stored(caller):
    token = ApiToken.objects.get(client=caller.api_client)
    assert caller.token not in (token.token_hash, token.hint)
    assert caller.token.startswith(token.hint)
