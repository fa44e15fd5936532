"""Shipments through the API: create, track, list; labels drawn, stored and downloaded."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from omnichannel.fulfillment import labels
from omnichannel.fulfillment.models import Shipment
from omnichannel.fulfillment.services import create_shipment
from omnichannel.notifications.models import Event

from .conftest import pdf_page_text, pdf_streams, place_order


def test_rendered_label_is_a_one_page_pdf_with_barcode_number_addresses_and_lines(shipped_order):
    shipment = create_shipment(shipped_order, carrier="JNE", service="REG", tracking_number="JX9")
    pdf = labels.render_label(shipment)
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") == 1
    shown = pdf_page_text(pdf).splitlines()
    assert "JX9" in shown and "JNE \xb7 REG" in shown
    assert "Order woocommerce #WEB-1001" in shown
    assert {"Siti Rahma", "Jl. Melati 7", "Bandung, Jawa Barat 40115"} <= set(shown)
    assert {"Jakarta DC", "Jl. Gudang 1", "Jakarta 14140"} <= set(shown)
    assert {"2 \xd7 TEE  Tee", "1 \xd7 MUG  Mug", "1 \xd7 GIFT  Gift"} <= set(shown)
    # Code128 draws 3 bars per symbol: start, one per character, checksum, and stop.
    bars = re.findall(r" re\b", pdf_streams(pdf))
    assert len(bars) >= 3 * (len("JX9") + 3)


def test_label_downloads_as_pdf_generated_once_and_stored(caller, shipped_order):
    shipment = create_shipment(shipped_order, carrier="JNE", tracking_number="JX1001")
    first = caller.get(f"/api/v1/shipments/{shipment.pk}/label")
    assert first.status_code == 200, first.content
    assert first["Content-Type"] == "application/pdf"
    assert "JX1001" in pdf_page_text(first.content)
    shipment.refresh_from_db()
    stored = Path(settings.MEDIA_ROOT) / shipment.label.name
    assert stored.read_bytes() == first.content
    again = caller.get(f"/api/v1/shipments/{shipment.pk}/label")
    assert again.content == first.content
    assert Shipment.objects.get(pk=shipment.pk).label.name == shipment.label.name
    labelled = Event.objects.filter(type="shipment.updated", subject_id=str(shipment.pk))
    assert [event.data["has_label"] for event in labelled.order_by("sequence")] == [False, True]


def test_order_without_tracking_number_is_labelled_with_its_order_number(caller, shipped_order):
    shipment = create_shipment(shipped_order, carrier="Own courier")
    response = caller.get(f"/api/v1/shipments/{shipment.pk}/label")
    assert "#WEB-1001" in pdf_page_text(response.content)


def test_a_label_provided_by_the_channel_is_served_as_is(caller, shipped_order):
    shipment = create_shipment(shipped_order, tracking_number="SPX01")
    channel_pdf = b"%PDF-1.4 the channel's airway bill %%EOF"
    labels.store_label(shipment, channel_pdf)
    assert caller.get(f"/api/v1/shipments/{shipment.pk}/label").content == channel_pdf


def test_marketplace_label_not_fetched_yet_is_404_and_not_drawn(caller, shop):
    order = place_order(shop, [("TEE", 1)], external_id="SHP-1", channel="shopee")
    shipment = create_shipment(order, tracking_number="SPX02", logistics_mode="pickup")
    response = caller.get(f"/api/v1/shipments/{shipment.pk}/label")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "shipment.label_not_available"
    shipment.refresh_from_db()
    assert not shipment.label
    own_courier = create_shipment(order, tracking_number="OWN1", logistics_mode="seller_own")
    assert caller.get(f"/api/v1/shipments/{own_courier.pk}/label").status_code == 200


def test_label_of_another_tenants_shipment_is_404(other_caller, shipped_order):
    shipment = create_shipment(shipped_order, tracking_number="JX2")
    response = other_caller.get(f"/api/v1/shipments/{shipment.pk}/label")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_shipment_created_tracked_and_listed_through_the_api(caller, other_caller, shipped_order):
    created = caller.post(
        "/api/v1/shipments",
        {
            "order_id": shipped_order.pk,
            "carrier": "JNE",
            "service": "YES",
            "tracking_number": "JX77",
            "logistics_mode": "dropoff",
        },
    )
    assert created.status_code == 201, created.content
    shipment_id = created.json()["id"]
    for event in [
        {"status": "in_transit", "time": "2026-03-03T08:00:00+07:00", "location": "Jakarta"},
        {"status": "picked_up", "time": "2026-03-02T16:00:00+07:00", "text": "Picked up"},
        {"status": "in_transit", "time": "2026-03-03T08:00:00+07:00", "location": "Jakarta"},
    ]:
        assert caller.post(f"/api/v1/shipments/{shipment_id}/events", event).status_code == 200
    detail = caller.get(f"/api/v1/shipments/{shipment_id}").json()
    assert detail["status"] == "in_transit"
    assert [e["status"] for e in detail["events"]] == ["picked_up", "in_transit"]
    assert detail["has_label"] is False and detail["order_id"] == shipped_order.pk
    listed = caller.get("/api/v1/shipments", order_id=shipped_order.pk).json()["items"]
    assert [s["tracking_number"] for s in listed] == ["JX77"]
    assert caller.get("/api/v1/shipments", status="delivered").json()["items"] == []
    assert other_caller.get("/api/v1/shipments").json()["items"] == []
    assert other_caller.get(f"/api/v1/shipments/{shipment_id}").status_code == 404
    refused = other_caller.post("/api/v1/shipments", {"order_id": shipped_order.pk})
    assert refused.status_code == 404


def test_reading_shipments_needs_orders_read(make_caller, tenant, shipped_order):
    shipment = create_shipment(shipped_order, tracking_number="JX3")
    stock_only = make_caller(tenant, scopes=["stock:read"])
    assert stock_only.get(f"/api/v1/shipments/{shipment.pk}/label").status_code == 403
    reader = make_caller(tenant, scopes=["orders:read"])
    assert reader.post("/api/v1/shipments", {"order_id": shipped_order.pk}).status_code == 403
