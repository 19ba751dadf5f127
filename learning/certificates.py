"""Certificates of completion: issuing, rendering the PDF, reading them.

A certificate is issued once per student and course (a database constraint), when an
enrolled student completes every lesson. Its PDF is rendered in the background (Celery,
queued on commit) and rendered again when the student's name changes. The certificate
carries the student's *name*, never their e-mail address: the verification page is public.
"""

from __future__ import annotations

import io
import logging
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
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

from core.tasks import enqueue_on_commit
from courses.models import Course
from learning.models import Certificate
from users.models import User

logger = logging.getLogger(__name__)

ANONYMOUS_STUDENT_NAME = "11Tutors student"  # a student without a name: never their e-mail
VERIFICATION_CODE_RE = re.compile(r"^[A-Za-z0-9]{1,32}$")

# --- Names and links --------------------------------------------------------------------------


def certificate_student_name(user: User) -> str:
    """The name printed on the certificate: the user's full name, never their e-mail."""
    name = " ".join(user.full_name.split())  # no stray or repeated whitespace
    return name[: Certificate._meta.get_field("student_name").max_length] or ANONYMOUS_STUDENT_NAME


def certificate_verify_url(certificate: Certificate) -> str:
    """The public web page that confirms a certificate (on the web client)."""
    return f"{settings.FRONTEND_URL}/certificates/verify/{certificate.verification_code}"


def certificate_verify_api_path(certificate: Certificate) -> str:
    return reverse("certificate-verify", kwargs={"verification_code": certificate.verification_code})


# --- Reads ------------------------------------------------------------------------------------


def certificate_list(*, user: User) -> QuerySet[Certificate]:
    """The user's own certificates (admins: everyone's), course joined: one query per page."""
    queryset = Certificate.objects.select_related("course").order_by("-issued_at", "pk")
    if not (user and user.is_authenticated):
        return queryset.none()
    return queryset if user.is_admin else queryset.filter(student=user)


def certificate_by_code(*, code: str) -> Certificate | None:
    """The certificate with this verification code (case-insensitive, as people type it)."""
    code = code.strip()
    if not VERIFICATION_CODE_RE.match(code):
        return None
    return Certificate.objects.select_related("course").filter(verification_code=code.upper()).first()


# --- Issuing ----------------------------------------------------------------------------------


def certificate_issue(*, student: User, course: Course) -> Certificate:
    """Issue the student's certificate for the course, once (idempotent, safe under concurrency).

    The PDF is rendered in the background once the surrounding transaction commits.
    """
    existing = Certificate.objects.filter(student=student, course=course).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the outer transaction usable
            certificate = Certificate.objects.create(
                student=student, course=course, student_name=certificate_student_name(student)
            )
    except IntegrityError:
        # A concurrent completion issued it first (or, in theory, the code collided: raise then).
        existing = Certificate.objects.filter(student=student, course=course).first()
        if existing is None:
            raise
        return existing
    logger.info("Certificate %s issued to %s for course %s", certificate.pk, student.pk, course.pk)
    certificate_render_schedule(certificate_id=certificate.pk)
    return certificate


def certificate_regenerate_for_user(*, user: User) -> int:
    """The student's name changed: correct it on their certificates and render them again.

    Returns how many certificates changed. Call it inside the rename's transaction: the
    renders are queued when it commits.
    """
    name = certificate_student_name(user)
    stale = list(Certificate.objects.filter(student=user).exclude(student_name=name).values_list("pk", flat=True))
    if not stale:
        return 0
    Certificate.objects.filter(pk__in=stale).update(student_name=name)
    for certificate_id in stale:
        certificate_render_schedule(certificate_id=certificate_id)
    return len(stale)


def certificate_regenerate(*, certificate: Certificate) -> None:
    """Render one certificate again (the admin's action), with the student's current name."""
    name = certificate_student_name(certificate.student)
    if name != certificate.student_name:
        Certificate.objects.filter(pk=certificate.pk).update(student_name=name)
        certificate.student_name = name
    certificate_render_schedule(certificate_id=certificate.pk)


def certificate_render_schedule(*, certificate_id) -> None:
    """After the transaction commits, render the certificate's PDF in the background."""

    enqueue_on_commit(
        "learning.tasks.certificate_render", str(certificate_id), what=f"the PDF of certificate {certificate_id}"
    )


# --- Rendering ----------------------------------------------------------------------------------


def certificate_render(*, certificate_id) -> Certificate | None:
    """Render the certificate's PDF, store it and set ``pdf_generated_at``.

    A render that lost a race with a rename (the name it printed is no longer the
    certificate's) is thrown away: the rename queued a render of its own. The previous
    file is deleted once the new one is in place.
    """
    certificate = Certificate.objects.select_related("course").filter(pk=certificate_id).first()
    if certificate is None:
        return None  # deleted meanwhile
    tutors = [
        name
        for name in (
            " ".join(tutor.full_name.split())
            for tutor in certificate.course.tutors.only("first_name", "last_name").order_by("first_name", "last_name")
        )
        if name  # a tutor without a name is left out rather than shown by e-mail
    ]
    content = certificate_pdf_render(
        student_name=certificate.student_name,
        course_title=certificate.course.title,
        tutors=tutors,
        issued_at=certificate.issued_at,
        verification_code=certificate.verification_code,
        verify_url=certificate_verify_url(certificate),
        verify_api_path=certificate_verify_api_path(certificate),
    )
    printed_name = certificate.student_name
    certificate.pdf.save("certificate.pdf", ContentFile(content), save=False)
    new_name = certificate.pdf.name
    with transaction.atomic():
        current = (
            Certificate.objects.select_for_update().filter(pk=certificate.pk).values("student_name", "pdf").first()
        )
        if current is None or current["student_name"] != printed_name:
            _delete_file_on_commit(new_name)
            return None
        certificate.pdf_generated_at = timezone.now()
        Certificate.objects.filter(pk=certificate.pk).update(
            pdf=new_name, pdf_generated_at=certificate.pdf_generated_at
        )
        if current["pdf"] and current["pdf"] != new_name:
            _delete_file_on_commit(current["pdf"])
    return certificate


def _delete_file_on_commit(name: str) -> None:
    def delete() -> None:
        try:
            default_storage.delete(name)
        except Exception:  # an orphaned file is harmless; a failed render would not be
            logger.warning("Could not delete the old certificate file %s", name, exc_info=True)

    transaction.on_commit(delete)


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
