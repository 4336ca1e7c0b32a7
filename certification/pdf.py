"""A certificate as a one-page PDF (reportlab), with its verification address and QR code."""

from __future__ import annotations

from io import BytesIO

from django.utils.formats import date_format
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from certification.models import Certificate, CertificateStatus

BRAND = colors.HexColor("#0f5c63")
INK = colors.HexColor("#14212b")
MUTED = colors.HexColor("#5b6873")

# What every certificate says it is, whatever the programme: training and observed competence.
SCOPE = (
    "Certifies completed training and observed competence, not that the technique works. "
    "Not a licence to practise."
)


def fitted_size(text: str, font: str, size: float, width: float, smallest: float = 12) -> float:
    """The largest font size, from `size` down to `smallest`, at which `text` fits `width`."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 1
    return size


def wrapped(text: str, font: str, width: float, sizes=(9, 8.5, 8, 7.5), max_lines: int = 6):
    """`text` split into lines that fit `width`, in the largest size that needs at most
    `max_lines` lines; at the smallest size, lines beyond that are cut with an ellipsis."""
    text = " ".join(text.split())
    for size in sizes:
        lines = simpleSplit(text, font, size, width)
        if len(lines) <= max_lines:
            return size, lines
    lines = lines[:max_lines]
    lines[-1] = lines[-1].rstrip(" .,;:") + " …"
    return size, lines


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    buffer = BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"{certificate.programme.title} — {certificate.holder_name}")
    pdf.setAuthor("HFS Academy")
    pdf.setSubject(f"Certificate {certificate.code}")

    pdf.setStrokeColor(BRAND)
    pdf.setLineWidth(4)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(1)
    pdf.rect(16 * mm, 16 * mm, width - 32 * mm, height - 32 * mm)

    centre = width / 2
    pdf.setFillColor(BRAND)
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawCentredString(centre, height - 40 * mm, "HFS ACADEMY")
    pdf.setFillColor(INK)
    pdf.setFont("Helvetica", 30)
    pdf.drawCentredString(centre, height - 62 * mm, "Certificate")
    pdf.setFont("Helvetica", 13)
    pdf.setFillColor(MUTED)
    pdf.drawCentredString(centre, height - 80 * mm, "This certifies that")
    pdf.setFillColor(INK)
    pdf.setFont("Helvetica-Bold", 26)
    pdf.drawCentredString(centre, height - 96 * mm, certificate.holder_name)
    pdf.setFont("Helvetica", 13)
    pdf.setFillColor(MUTED)
    pdf.drawCentredString(centre, height - 110 * mm, "has met every requirement of the programme")
    pdf.setFillColor(BRAND)
    title = certificate.programme.title
    pdf.setFont("Helvetica-Bold", fitted_size(title, "Helvetica-Bold", 20, width - 48 * mm))
    pdf.drawCentredString(centre, height - 124 * mm, title)

    pdf.setFillColor(INK)
    pdf.setFont("Helvetica", 12)
    issued = date_format(certificate.issued_at, "j F Y")
    expires = date_format(certificate.expires_at, "j F Y")
    pdf.drawCentredString(centre, height - 136 * mm, f"Issued {issued}  ·  Valid until {expires}")

    # What the certificate shows, and the programme's description with the evidence level of
    # what it teaches; kept left of the QR code.
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawCentredString(centre, height - 147 * mm, SCOPE)
    description = certificate.programme.description
    if description:
        pdf.setFillColor(MUTED)
        size, lines = wrapped(description, "Helvetica", width - 48 * mm - 32 * mm - 8 * mm)
        pdf.setFont("Helvetica", size)
        y = height - 155 * mm
        for line in lines:
            pdf.drawString(24 * mm, y, line)
            y -= size * 1.3

    pdf.setFont("Helvetica", 9)
    pdf.setFillColor(MUTED)
    pdf.drawString(24 * mm, 30 * mm, "Check that this certificate is genuine and still valid at:")
    pdf.setFillColor(INK)
    pdf.drawString(24 * mm, 25 * mm, verify_url)
    pdf.setFillColor(MUTED)
    pdf.drawString(
        24 * mm,
        20 * mm,
        f"Certificate code {certificate.code} · educational certification, not a licence to practise",
    )

    qr = QrCodeWidget(verify_url)
    left, bottom, right, top = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(
        size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0]
    )
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - 24 * mm - size, 18 * mm)

    status = certificate.status
    if status in (CertificateStatus.REVOKED, CertificateStatus.EXPIRED):
        pdf.saveState()
        pdf.setFillColor(colors.Color(0.7, 0.15, 0.12, alpha=0.25))
        pdf.setFont("Helvetica-Bold", 90)
        pdf.translate(centre, height / 2)
        pdf.rotate(20)
        pdf.drawCentredString(0, 0, status.upper())
        pdf.restoreState()

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
