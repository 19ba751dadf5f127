from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count

from core.slugs import save_with_unique_slug
from courses import cache as catalog_cache
from courses import services
from courses.models import Category, Comment, Course, CoursePart, Enrollment, Lesson, TutorInvitation


class SlugOnCreateMixin:
    """New objects (the form's or an inline's) get their unique slug from their title."""

    @staticmethod
    def _insert(obj) -> None:
        source = obj.name if isinstance(obj, Category) else obj.title
        save_with_unique_slug(obj, source)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            self._insert(obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if obj._state.adding:
                self._insert(obj)
            else:
                obj.save()
        formset.save_m2m()


def _other_languages() -> list[tuple[str, str]]:
    default = settings.LANGUAGE_CODE.split("-")[0]
    return [(code, name) for code, name in settings.LANGUAGES if code != default]


class CategoryFormBase(forms.ModelForm):
    """The name and description in the default language, then one pair of fields per other
    language of settings.LANGUAGES (``CategoryForm``), kept in ``Category.translations``
    (left blank: the default language's text is shown)."""

    class Meta:
        model = Category
        fields = ["name", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        translations = self.instance.translations or {}
        for code, _language in _other_languages():
            current = translations.get(code) or {}
            for field in ("name", "description"):
                self.initial.setdefault(f"{field}_{code}", current.get(field, ""))

    def save(self, commit=True):
        translations = {}
        for code, _language in _other_languages():
            texts = {
                field: self.cleaned_data[f"{field}_{code}"].strip()
                for field in ("name", "description")
                if self.cleaned_data.get(f"{field}_{code}", "").strip()
            }
            if texts:
                translations[code] = texts
        self.instance.translations = translations
        return super().save(commit)


def _translation_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for code, language in _other_languages():
        fields[f"name_{code}"] = forms.CharField(label=f"Name ({language})", max_length=100, required=False)
        fields[f"description_{code}"] = forms.CharField(
            label=f"Description ({language})", max_length=2000, required=False, widget=forms.Textarea({"rows": 3})
        )
    return fields


CategoryForm = type("CategoryForm", (CategoryFormBase,), _translation_fields())


@admin.register(Category)
class CategoryAdmin(SlugOnCreateMixin, admin.ModelAdmin):
    form = CategoryForm
    list_display = ["name", "slug", "published_courses", "created_at"]
    search_fields = ["name", "slug", "description"]
    readonly_fields = ["slug", "created_at", "updated_at"]

    def get_fields(self, request, obj=None):
        translated = [f"{field}_{code}" for code, _language in _other_languages() for field in ("name", "description")]
        return ["name", "description", *translated, *self.readonly_fields]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_courses=Count("courses"))

    @admin.display(description="Courses", ordering="n_courses")
    def published_courses(self, obj):
        return obj.n_courses

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            services.course_search_refresh(courses=Course.objects.filter(category=obj))


class CoursePartInline(admin.TabularInline):
    model = CoursePart
    extra = 0
    fields = ["title", "slug", "order", "description"]
    readonly_fields = ["slug"]
    ordering = ["order", "created_at"]
    show_change_link = True


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ["title", "slug", "order", "duration", "is_free_preview", "video_service_id", "video_status"]
    readonly_fields = ["slug", "video_status"]
    ordering = ["order", "created_at"]
    show_change_link = True


@admin.register(Course)
class CourseAdmin(SlugOnCreateMixin, admin.ModelAdmin):
    list_display = [
        "title", "slug", "category", "level", "price", "currency", "language", "is_published", "students",
        "created_at",
    ]  # fmt: skip
    list_filter = [
        "is_published", "level", "category", "currency", "language", ("tutors", admin.RelatedOnlyFieldListFilter),
    ]  # fmt: skip
    search_fields = ["title", "slug", "description", "tutors__email", "tutors__first_name", "tutors__last_name"]
    readonly_fields = ["id", "slug", "rating", "reviews_count", "created_at", "updated_at"]
    autocomplete_fields = ["tutors", "category"]
    list_select_related = ["category"]
    inlines = [CoursePartInline]
    actions = ["publish", "unpublish"]
    fields = [
        "id", "title", "slug", "description", "thumbnail", "category", "level", "tutors", "price", "currency",
        "language",
        "is_published", "rating", "reviews_count", "created_at", "updated_at",
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_students=Count("enrollments"))

    @admin.display(description="Students", ordering="n_students")
    def students(self, obj):
        return obj.n_students

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.course_search_refresh(courses=Course.objects.filter(pk=form.instance.pk))

    @admin.action(description="Publish the selected courses")
    def publish(self, request, queryset):
        updated = queryset.update(is_published=True)
        catalog_cache.catalog_changed()
        self.message_user(request, f"{updated} course(s) published.", messages.SUCCESS)

    @admin.action(description="Unpublish the selected courses")
    def unpublish(self, request, queryset):
        updated = queryset.update(is_published=False)
        catalog_cache.catalog_changed()
        self.message_user(request, f"{updated} course(s) unpublished.", messages.SUCCESS)


@admin.register(CoursePart)
class CoursePartAdmin(SlugOnCreateMixin, admin.ModelAdmin):
    list_display = ["__str__", "course", "order", "created_at"]
    search_fields = ["title", "slug", "course__title"]
    list_select_related = ["course"]
    readonly_fields = ["slug"]
    autocomplete_fields = ["course"]
    inlines = [LessonInline]


@admin.register(Lesson)
class LessonAdmin(SlugOnCreateMixin, admin.ModelAdmin):
    list_display = ["title", "part", "order", "duration", "is_free_preview", "video_status"]
    list_filter = ["is_free_preview", "video_status"]
    search_fields = ["title", "slug", "part__title", "part__course__title", "video_service_id"]
    list_select_related = ["part__course"]
    readonly_fields = ["slug"]
    autocomplete_fields = ["part"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["short_text", "user", "lesson", "parent", "is_edited", "created_at"]
    list_filter = ["is_edited", "created_at"]
    search_fields = ["text", "user__email", "lesson__title"]
    list_select_related = ["user", "lesson"]
    autocomplete_fields = ["user", "lesson", "parent"]

    @admin.display(description="Text")
    def short_text(self, obj):
        return obj.text[:80]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["student", "course", "source", "is_active", "enrolled_at"]
    list_filter = ["is_active", "source", "enrolled_at"]
    search_fields = ["student__email", "student__first_name", "student__last_name", "course__title"]
    list_select_related = ["student", "course"]
    autocomplete_fields = ["student", "course"]
    readonly_fields = ["enrolled_at", "updated_at"]


@admin.register(TutorInvitation)
class TutorInvitationAdmin(admin.ModelAdmin):
    """Invitations to co-teach a course. Read-only (written by the API: a course PATCH invites,
    the invitee answers); admins may withdraw pending ones."""

    list_display = ["course", "invitee", "invited_by", "status", "created_at", "responded_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["course__title", "invitee__email", "invited_by__email"]
    list_select_related = ["course", "invitee", "invited_by"]
    readonly_fields = [field.name for field in TutorInvitation._meta.fields]
    actions = ["cancel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Withdraw the selected pending invitations", permissions=["view"])
    def cancel(self, request, queryset):
        cancelled = services.tutor_invitations_cancel(invitations=queryset)
        self.message_user(request, f"{cancelled} invitation(s) withdrawn.", messages.SUCCESS)
