"""Each request gets an id (returned in a header and in errors) and one JSON log line."""

import json
import logging


def test_every_response_carries_a_request_id(caller):
    assert len(caller.get("/api/v1/warehouses")["X-Request-ID"]) >= 16


def test_a_callers_request_id_is_kept(caller):
    response = caller.get("/api/v1/warehouses", headers={"X-Request-ID": "wms-abc-123"})
    assert response["X-Request-ID"] == "wms-abc-123"


def test_an_unsafe_request_id_is_replaced(caller):
    response = caller.get("/api/v1/warehouses", headers={"X-Request-ID": "bad id\nwith newline"})
    assert response["X-Request-ID"] != "bad id\nwith newline"


def test_one_structured_log_line_per_request(caller, caplog):
    with caplog.at_level(logging.INFO, logger="omnichannel.request"):
        response = caller.get("/api/v1/warehouses/424242")
    records = [r for r in caplog.records if r.name == "omnichannel.request"]
    assert len(records) == 1
    record = records[0]
    assert record.method == "GET"
    assert record.path == "/api/v1/warehouses/424242"
    assert record.status == 404
    assert record.tenant == caller.tenant.pk
    assert record.request_id == response["X-Request-ID"]
    assert record.latency_ms >= 0


def test_the_log_formatter_writes_json_with_the_request_fields(caller, caplog):
    from omnichannel.logs import JsonFormatter

    with caplog.at_level(logging.INFO, logger="omnichannel.request"):
        caller.get("/api/v1/warehouses")
    record = next(r for r in caplog.records if r.name == "omnichannel.request")
    line = json.loads(JsonFormatter().format(record))
    assert {
        "time",
        "level",
        "method",
        "path",
        "status",
        "latency_ms",
        "tenant",
        "request_id",
    } <= set(line)
