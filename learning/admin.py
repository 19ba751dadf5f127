from django.contrib import admin, messages
from django.db import transaction

from core.admin import ReadOnlyAdmin
from learning import services
from learning.models import Certificate, LessonProgress, LessonView, Review


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
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

    @admin.action(description="Regenerate the PDF (with the student's current name)")
    def regenerate_pdf(self, request, queryset):
        with transaction.atomic():  # the renders are queued when this commits
            selected = list(queryset.select_related("student"))
            for certificate in selected:
                services.certificate_regenerate(certificate=certificate)
        self.message_user(request, f"{len(selected)} certificate PDF(s) queued for rendering.", messages.SUCCESS)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Moderation: edits and deletions go through the services, so course ratings stay exact."""

    list_display = ["course", "user", "rating", "created_at"]
    list_filter = ["rating", "created_at"]
    search_fields = ["course__title", "user__email", "text"]
    list_select_related = ["course", "user"]
    readonly_fields = ["course", "user", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False  # reviews are written by enrolled students

    def save_model(self, request, obj, form, change):
        # ``obj`` already carries the form's values: compare them with the stored row.
        stored = Review.objects.get(pk=obj.pk)
        services.review_update(review=stored, data={k: form.cleaned_data[k] for k in ("rating", "text")})

    def delete_model(self, request, obj):
        services.review_delete(review=obj)

    def delete_queryset(self, request, queryset):
        for review in queryset:
            services.review_delete(review=review)


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["student", "lesson", "position_seconds", "completed", "updated_at"]
    list_filter = ["completed", "updated_at"]
    search_fields = ["student__email", "lesson__title", "lesson__part__course__title"]
    list_select_related = ["student", "lesson"]
    readonly_fields = ["student", "lesson", "created_at", "updated_at"]


@admin.register(LessonView)
class LessonViewAdmin(admin.ModelAdmin):
    list_display = ["lesson", "viewer", "viewed_at"]
    list_filter = ["viewed_at"]
    search_fields = ["lesson__title", "viewer__email"]
    list_select_related = ["lesson", "viewer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
