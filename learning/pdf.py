"""The certificate of completion as a PDF: a one-page landscape A4 layout (reportlab)."""

from __future__ import annotations

import io
import logging
from functools import cache
from pathlib import Path

from django.utils import dateformat, timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

logger = logging.getLogger(__name__)

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/dejavu",  # Alpine, Arch
    "/usr/share/fonts/dejavu-sans-fonts",  # Fedora, RHEL
    "/usr/share/fonts/TTF",
)


@cache
def _fonts() -> tuple[str, str]:
    """A regular and a bold font: DejaVu Sans when installed (Latin, Cyrillic, Greek...),
    otherwise the Vera fonts shipped with reportlab (Western European scripts)."""
    for directory in FONT_DIRS:
        regular, bold = Path(directory, "DejaVuSans.ttf"), Path(directory, "DejaVuSans-Bold.ttf")
        if regular.is_file() and bold.is_file():
            try:
                pdfmetrics.registerFont(TTFont("CertSans", str(regular)))
                pdfmetrics.registerFont(TTFont("CertSans-Bold", str(bold)))
            except Exception:  # a broken font file: try the next one
                logger.warning("Could not load the font %s", regular, exc_info=True)
                continue
            return "CertSans", "CertSans-Bold"
    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
    pdfmetrics.registerFont(TTFont("Vera-Bold", "VeraBd.ttf"))
    return "Vera", "Vera-Bold"


def certificate_pdf_render(
    *,
    student_name: str,
    course_title: str,
    tutors: list[str],
    issued_at,
    verification_code: str,
    verify_url: str,
    verify_api_path: str,
) -> bytes:
    """The certificate as a one-page landscape A4 PDF."""
    regular, bold = _fonts()
    width, height = landscape(A4)
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"Certificate of completion: {course_title}")
    pdf.setAuthor("11Tutors")
    pdf.setSubject(f"{student_name} completed {course_title}. Verification code {verification_code}.")
    pdf.setCreator("11Tutors")

    ink, accent, muted = colors.HexColor("#1f2937"), colors.HexColor("#2563eb"), colors.HexColor("#6b7280")
    pdf.setStrokeColor(accent)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    def line(text: str, gap: float, font: str, size: float, color) -> float:
        return _centered(pdf, text, y - gap, font, size, color, center=width / 2, max_width=width - 70 * mm)

    y = height - 42 * mm
    y = line("11Tutors", 0, bold, 16, accent)
    y = line("Certificate of Completion", 8 * mm, bold, 32, ink)
    y = line("This certifies that", 10 * mm, regular, 13, muted)
    y = line(student_name, 5 * mm, bold, 28, ink)
    y = line("has successfully completed the course", 6 * mm, regular, 13, muted)
    y = line(course_title, 5 * mm, bold, 22, ink)
    if tutors:
        y = line(("Tutor: " if len(tutors) == 1 else "Tutors: ") + ", ".join(tutors), 5 * mm, regular, 12, ink)
    issued = dateformat.format(timezone.localtime(issued_at), "j F Y")
    line(f"Issued on {issued}", 4 * mm, regular, 12, ink)

    # Verification block: code, public page (a link), API path and a QR code of the page.
    qr_size = 26 * mm
    qr = QrCodeWidget(verify_url)
    x0, y0, x1, y1 = qr.getBounds()
    drawing = Drawing(qr_size, qr_size, transform=[qr_size / (x1 - x0), 0, 0, qr_size / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - 22 * mm - qr_size, 22 * mm)

    left = 24 * mm
    block_width = width - 2 * left - qr_size - 6 * mm
    pdf.setFillColor(ink)
    pdf.setFont(bold, 11)
    pdf.drawString(left, 40 * mm, f"Verification code: {verification_code}")
    pdf.setFont(regular, 9)
    _fit_string(pdf, f"Verify at: {verify_url}", left, 34 * mm, regular, 9, block_width)
    pdf.linkURL(verify_url, (left, 33 * mm, left + block_width, 38 * mm), relative=0)
    pdf.setFillColor(muted)
    _fit_string(pdf, f"API: GET {verify_api_path}", left, 28 * mm, regular, 8, block_width)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _centered(pdf, text: str, y: float, font: str, size: float, color, *, center: float, max_width: float) -> float:
    """Draw ``text`` centred on the page below ``y``: shrunk to fit (down to 60 %), then wrapped.
    Returns the baseline of the last line drawn."""
    smallest = max(10, 0.6 * size)
    while pdfmetrics.stringWidth(text, font, size) > max_width and size > smallest:
        size -= 1
    lines = simpleSplit(text, font, size, max_width)[:4] or [""]
    pdf.setFillColor(color)
    pdf.setFont(font, size)
    for index, line in enumerate(lines):
        y -= size * (1 if index == 0 else 1.2)
        pdf.drawCentredString(center, y, line)
    return y


def _fit_string(pdf, text: str, x: float, y: float, font: str, size: float, max_width: float) -> None:
    while pdfmetrics.stringWidth(text, font, size) > max_width and size > 5:
        size -= 0.5
    pdf.setFont(font, size)
    pdf.drawString(x, y, text)
