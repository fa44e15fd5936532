"""Shipping labels: the channel's own document when it gives one, else a PDF we draw.

Marketplaces (Shopee, Lazada, TikTok Shop) print their own airway bills; a connector that
fetches one hands the bytes to ``store_label``. Every other shipment — POS, manual and
webstore orders, or a marketplace order shipped with the seller's own courier — gets a
4×6 inch label drawn here with reportlab: a Code128 barcode of the tracking number, the
order number, carrier and service, ship-to and sender addresses, and the lines.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.db import transaction
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas

from omnichannel.errors import NotFound
from omnichannel.fulfillment.models import Shipment
from omnichannel.fulfillment.schemas import shipment_data
from omnichannel.notifications.services import emit

CHANNELS_WITH_LABELS = {"shopee", "lazada", "tiktok"}
"""Channels that print the airway bill themselves (unless the seller ships on its own)."""

PAGE = (4 * inch, 6 * inch)
MARGIN = 6 * mm
MAX_LINES = 8


def channel_gives_label(shipment: Shipment) -> bool:
    return (
        shipment.order.channel in CHANNELS_WITH_LABELS
        and shipment.logistics_mode != Shipment.LogisticsMode.SELLER_OWN
    )


def address_lines(address: dict) -> list[str]:
    """A unified address (or a warehouse's) as printable lines, skipping empty parts."""
    locality = ", ".join(
        part for part in (address.get(key) for key in ("district", "city", "province")) if part
    )
    postal = " ".join(part for part in (locality, address.get("postal_code")) if part)
    lines = [address.get("name"), address.get("phone"), address.get("line1")]
    lines += [address.get("line2"), postal, address.get("country")]
    lines = [str(line) for line in lines if line]
    return lines or ([address["full"]] if address.get("full") else [])


def barcode_value(shipment: Shipment) -> str:
    """The tracking number; an order without one (own courier, counter pickup) is scanned
    by its order number instead."""
    order = shipment.order
    return shipment.tracking_number or order.external_number or order.external_id


def render_label(shipment: Shipment) -> bytes:
    """Draw the shipment's label as a one-page PDF."""
    order = shipment.order
    width, height = PAGE
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=PAGE)
    pdf.setTitle(f"Label {barcode_value(shipment)}")
    y = height - MARGIN - 12

    pdf.setFont("Helvetica-Bold", 14)
    carrier = " · ".join(part for part in (shipment.carrier, shipment.service) if part)
    pdf.drawString(MARGIN, y, carrier or "Own delivery")
    pdf.setFont("Helvetica", 8)
    pdf.drawRightString(width - MARGIN, y, shipment.get_logistics_mode_display() or "")

    value = barcode_value(shipment)
    barcode = Code128(value, barHeight=18 * mm, barWidth=0.35 * mm, quiet=False)
    scale = min(1.0, (width - 2 * MARGIN) / barcode.width)
    y -= 8 + 18 * mm
    pdf.saveState()
    pdf.translate(MARGIN, y)
    pdf.scale(scale, 1)
    barcode.drawOn(pdf, 0, 0)
    pdf.restoreState()
    y -= 12
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawCentredString(width / 2, y, value)

    y -= 16
    pdf.setFont("Helvetica", 9)
    number = order.external_number or order.external_id
    pdf.drawString(MARGIN, y, f"Order {order.channel} {number}")
    if order.cod:
        pdf.setFont("Helvetica-Bold", 9)
        pdf.drawRightString(width - MARGIN, y, f"COD {order.currency} {order.total}")

    y = block(pdf, y - 16, "SHIP TO", address_lines(order.shipping_address), bold=True)
    warehouse = order.warehouse
    sender = [warehouse.name, *address_lines(warehouse.address)] if warehouse is not None else []
    y = block(pdf, y - 6, "FROM", sender or ["—"])

    lines = list(order.lines.select_related("product"))
    summary = [
        f"{line.quantity} × {line.product.sku if line.product else line.channel_sku}  {line.name}"[
            :70
        ]
        for line in lines[:MAX_LINES]
    ]
    if len(lines) > MAX_LINES:
        summary.append(f"+ {len(lines) - MAX_LINES} more line(s)")
    block(pdf, y - 6, f"CONTENTS ({sum(line.quantity for line in lines)} units)", summary)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def block(pdf: Canvas, y: float, title: str, lines: list[str], bold: bool = False) -> float:
    """A titled block of text lines; returns the y below it."""
    pdf.setFont("Helvetica-Bold", 7)
    pdf.drawString(MARGIN, y, title)
    pdf.setFont("Helvetica-Bold" if bold else "Helvetica", 9 if bold else 8)
    for line in lines:
        y -= 11 if bold else 10
        pdf.drawString(MARGIN, y, line[:60])
    return y


@transaction.atomic
def store_label(shipment: Shipment, content: bytes) -> Shipment:
    """Keep a label document (ours or the channel's) with the shipment, and announce it."""
    shipment.label.save(f"shipment-{shipment.pk}.pdf", ContentFile(content), save=False)
    shipment.save(update_fields=["label", "updated_at"])
    emit(shipment.tenant, "shipment.updated", "shipment", shipment.pk, shipment_data(shipment))
    return shipment


def label_content(shipment: Shipment) -> bytes:
    """The shipment's label; drawn and stored on first request when the channel gives none.

    A channel label that has not been fetched yet is ``shipment.label_not_available``:
    printing our own would put a second, unscannable airway bill on the parcel.
    """
    if not shipment.label:
        with transaction.atomic():  # two first requests draw and store one label, not two
            shipment = (
                Shipment.objects.select_for_update().select_related("order").get(pk=shipment.pk)
            )
            if not shipment.label:
                if channel_gives_label(shipment):
                    raise NotFound(
                        "The channel provides this shipment's label and it has not been "
                        "fetched yet.",
                        code="shipment.label_not_available",
                        details={"shipment": shipment.pk, "channel": shipment.order.channel},
                    )
                store_label(shipment, render_label(shipment))
    with shipment.label.open("rb") as document:
        return document.read()
