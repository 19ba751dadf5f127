from django.contrib import admin, messages
from django.db import transaction

from learning import certificates
from learning.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Certificates are issued by course completion only: read-only here, PDFs can be re-rendered."""

    list_display = ["verification_code", "student_name", "student", "course", "issued_at", "pdf_generated_at"]
    list_filter = ["issued_at", "pdf_generated_at"]
    search_fields = ["verification_code", "student__email", "student_name", "course__title"]
    list_select_related = ["student", "course"]
    date_hierarchy = "issued_at"
    actions = ["regenerate_pdf"]
    readonly_fields = [
        "id",
        "student",
        "course",
        "student_name",
        "verification_code",
        "issued_at",
        "pdf",
        "pdf_generated_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Regenerate the PDF (with the student's current name)")
    def regenerate_pdf(self, request, queryset):
        with transaction.atomic():  # the renders are queued when this commits
            selected = list(queryset.select_related("student"))
            for certificate in selected:
                certificates.certificate_regenerate(certificate=certificate)
        self.message_user(request, f"{len(selected)} certificate PDF(s) queued for rendering.", messages.SUCCESS)
