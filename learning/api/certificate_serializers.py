"""Output shapes of the certificate API (section 4 of the contract)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from courses.models import Course
from learning.models import Certificate


class CertificateCourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "slug", "title"]
        read_only_fields = fields


class CertificateSerializer(serializers.ModelSerializer):
    """A student's own certificate. ``pdf_url`` is null while the PDF is being generated."""

    course = CertificateCourseSerializer(read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "course", "student_name", "issued_at", "verification_code", "pdf_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_pdf_url(self, certificate: Certificate) -> str | None:
        if not certificate.pdf or certificate.pdf_generated_at is None:
            return None
        url = certificate.pdf.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class CertificateVerifyCourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["title", "slug"]
        read_only_fields = fields


class CertificateVerifySerializer(serializers.ModelSerializer):
    """What anyone holding the code may see: the name, the course and the date, never the e-mail."""

    valid = serializers.SerializerMethodField()
    course = CertificateVerifyCourseSerializer(read_only=True)

    class Meta:
        model = Certificate
        fields = ["valid", "student_name", "course", "issued_at", "verification_code"]
        read_only_fields = fields

    def get_valid(self, certificate: Certificate) -> bool:
        return True
