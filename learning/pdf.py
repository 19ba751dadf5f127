"""The certificate of completion as a PDF: a one-page landscape A4 layout (reportlab)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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

from core.i18n import format_date

# DejaVu Sans (Latin, Cyrillic, Greek...), shipped with the code with its licence: no font of the
# host is needed, whatever the language or the student's name.
FONT_DIR = Path(__file__).resolve().parent / "fonts"


@cache
def _fonts() -> tuple[str, str]:
    """The regular and the bold font, registered with reportlab once per process."""
    pdfmetrics.registerFont(TTFont("CertSans", str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("CertSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    return "CertSans", "CertSans-Bold"


def certificate_pdf_render(
    *,
    student_name: str,
    course_title: str,
    tutors: list[str],
    issued_at,
    verification_code: str,
    verify_url: str,
    verify_api_path: str,
    language: str | None = None,
) -> bytes:
    """The certificate as a one-page landscape A4 PDF, its words and date in ``language``
    (default: ``LANGUAGE_CODE``)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _render(
            student_name=student_name,
            course_title=course_title,
            tutors=tutors,
            issued_at=issued_at,
            verification_code=verification_code,
            verify_url=verify_url,
            verify_api_path=verify_api_path,
        )


def _render(
    *,
    student_name: str,
    course_title: str,
    tutors: list[str],
    issued_at,
    verification_code: str,
    verify_url: str,
    verify_api_path: str,
) -> bytes:
    regular, bold = _fonts()
    width, height = landscape(A4)
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(_("Certificate of completion: %(course)s") % {"course": course_title})
    pdf.setAuthor("11Tutors")
    pdf.setSubject(
        _("%(student)s completed %(course)s. Verification code %(code)s.")
        % {"student": student_name, "course": course_title, "code": verification_code}
    )
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
    y = line(_("Certificate of Completion"), 8 * mm, bold, 32, ink)
    y = line(_("This certifies that"), 10 * mm, regular, 13, muted)
    y = line(student_name, 5 * mm, bold, 28, ink)
    y = line(_("has successfully completed the course"), 6 * mm, regular, 13, muted)
    y = line(course_title, 5 * mm, bold, 22, ink)
    if tutors:
        names = ", ".join(tutors)
        y = line(
            ngettext("Tutor: %(names)s", "Tutors: %(names)s", len(tutors)) % {"names": names}, 5 * mm, regular, 12, ink
        )
    line(_("Issued on %(date)s") % {"date": format_date(issued_at)}, 4 * mm, regular, 12, ink)

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
    pdf.drawString(left, 40 * mm, _("Verification code: %(code)s") % {"code": verification_code})
    pdf.setFont(regular, 9)
    _fit_string(pdf, _("Verify at: %(url)s") % {"url": verify_url}, left, 34 * mm, regular, 9, block_width)
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
