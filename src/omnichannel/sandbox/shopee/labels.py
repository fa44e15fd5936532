"""A small but real PDF air waybill, one A6 page per order, drawn with reportlab."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A6
from reportlab.pdfgen.canvas import Canvas

from omnichannel.sandbox.shopee.state import Order, Shop


def air_waybill_pdf(orders: list[tuple[Order, Shop]], document_type: str) -> bytes:
    """Render the labels of ``orders`` (already arranged, with tracking numbers)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A6, pageCompression=1)
    canvas.setTitle(f"Shopee sandbox {document_type}")
    width, height = A6
    for order, shop in orders:
        address = order.recipient_address
        lines = [
            ("Helvetica-Bold", 14, f"{shop.shipping_carrier}"),
            ("Helvetica-Bold", 12, f"Tracking: {order.tracking_number}"),
            ("Helvetica", 9, f"Order: {order.order_sn}"),
            ("Helvetica", 9, f"Package: {order.package_number}"),
            ("Helvetica", 9, f"From: {shop.shop_name} ({shop.shop_id})"),
            ("Helvetica", 9, f"To: {address.get('name', '')} {address.get('phone', '')}"),
            ("Helvetica", 9, f"{address.get('full_address', '')} {address.get('zipcode', '')}"),
            ("Helvetica", 9, f"COD: {order.total_amount:.2f} {shop.currency}" if order.cod else ""),
            ("Helvetica", 8, f"Document: {document_type} · SANDBOX, NOT A REAL LABEL"),
        ]
        y = height - 36
        for font, size, text in lines:
            canvas.setFont(font, size)
            canvas.drawString(24, y, text)
            y -= size + 8
        for line in order.lines:
            canvas.setFont("Helvetica", 8)
            canvas.drawString(24, y, f"{line.quantity} x {line.model_sku or line.item_sku}")
            y -= 12
        canvas.rect(16, 16, width - 32, height - 32)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
