"""Per-client rate limits answer 429 with Retry-After, and spare other clients."""

from django.test import override_settings


@override_settings(OMNI_API_RATE_PER_MINUTE=3)
def test_the_request_over_the_limit_gets_429_with_retry_after(caller):
    for _ in range(3):
        assert caller.get("/api/v1/warehouses").status_code == 200
    response = caller.get("/api/v1/warehouses")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"]["limit_per_minute"] == 3


@override_settings(OMNI_API_RATE_PER_MINUTE=2)
def test_one_clients_burst_does_not_throttle_another(caller, other_caller):
    for _ in range(3):
        caller.get("/api/v1/warehouses")
    assert caller.get("/api/v1/warehouses").status_code == 429
    assert other_caller.get("/api/v1/warehouses").status_code == 200


@override_settings(OMNI_API_RATE_PER_MINUTE=100)
def test_a_client_can_have_its_own_limit(caller):
    caller.api_client.rate_limit_per_minute = 1
    caller.api_client.save()
    assert caller.get("/api/v1/warehouses").status_code == 200
    assert caller.get("/api/v1/warehouses").status_code == 429
