"""Shipment services the channel fulfilment builds on: planning a pickup by rule; shipments
following their order; the admin label download."""

from __future__ import annotations

from datetime import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from omnichannel.fulfillment.models import PickupRule, Shipment
from omnichannel.fulfillment.pickup import OfferedSlot
from omnichannel.fulfillment.services import create_shipment, plan_pickup
from omnichannel.notifications.models import Event
from omnichannel.orders import services as orders

from .conftest import pdf_page_text, place_order
from .test_pickup import jakarta


def test_plan_pickup_stores_the_rules_choice_on_the_shipment_and_announces_it(shop):
    PickupRule.objects.create(
        tenant=shop.tenant,
        connection=shop.web,
        cutoff_time=time(14, 0),
        courier_preferences=["SiCepat"],
    )
    order = place_order(shop, [("TEE", 1)])
    shipment = create_shipment(order)
    offered = [OfferedSlot("mon-am", jakarta(9, 9), jakarta(9, 12))]
    choice = plan_pickup(shipment, jakarta(6, 15), offered)
    shipment.refresh_from_db()
    assert (choice.source, choice.slot_id) == ("offered", "mon-am")
    assert (shipment.logistics_mode, shipment.carrier) == ("pickup", "SiCepat")
    assert shipment.pickup_slot["id"] == "mon-am"
    assert shipment.pickup_slot["start"] == "2026-03-09T09:00:00+07:00"
    assert shipment.pickup_slot["reasons"] == choice.reasons
    last = Event.objects.filter(type="shipment.updated").order_by("sequence").last()
    assert last.data["pickup_slot"]["id"] == "mon-am"


def test_plan_pickup_keeps_a_carrier_already_chosen(shop):
    PickupRule.objects.create(tenant=shop.tenant, courier_preferences=["SiCepat"])
    shipment = create_shipment(place_order(shop, [("TEE", 1)]), carrier="JNE")
    plan_pickup(shipment, jakarta(6, 10))
    assert Shipment.objects.get(pk=shipment.pk).carrier == "JNE"


@pytest.fixture
def staff(db) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("ops", "ops@example.com", "pw"))
    return client


def test_an_arranged_shipment_follows_its_order_to_picked_up_then_delivered(shop):
    order = place_order(shop, [("TEE", 1)])
    shipment = create_shipment(order, status=Shipment.Status.ARRANGED)
    for action in ("accept", "pack", "ready_to_ship", "ship"):
        order = orders.perform(order, action)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PICKED_UP
    assert shipment.events[-1]["text"] == "order shipped"

    orders.perform(order, "deliver")
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED
    assert [event["status"] for event in shipment.events] == ["picked_up", "delivered"]


def test_a_shipment_the_carrier_already_moved_on_is_not_pulled_back(shop):
    order = place_order(shop, [("TEE", 1)], external_id="WEB-1002")
    failed = create_shipment(order, status=Shipment.Status.FAILED)
    for action in ("accept", "pack", "ready_to_ship", "ship", "deliver"):
        order = orders.perform(order, action)
    failed.refresh_from_db()
    assert failed.status == Shipment.Status.FAILED and failed.events == []


def test_the_admin_downloads_a_shipments_label(staff, shipped_order):
    shipment = create_shipment(shipped_order, carrier="JNE", tracking_number="JXADMIN")
    page = staff.get(reverse("admin:fulfillment_shipment_change", args=[shipment.pk]))
    link = reverse("admin:fulfillment_shipment_label", args=[shipment.pk])
    assert link in page.content.decode()
    response = staff.get(link)
    assert response["Content-Type"] == "application/pdf"
    assert "JXADMIN" in pdf_page_text(response.content)
    assert Client().get(link).status_code == 302  # to the login page
