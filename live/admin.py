"""Live sessions in the admin. Edits made here skip the API's e-mails and the calendar
SEQUENCE; reschedule and cancel through the API (or ``live.services``) to tell the registrants."""

from django.contrib import admin
from django.db import models

from live.models import Attendance, CalendarFeedToken, LiveSession, Registration


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = ["student", "created_at", "reminded_24h_at", "reminded_15m_at"]
    readonly_fields = ["created_at", "reminded_24h_at", "reminded_15m_at"]
    raw_id_fields = ["student"]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["user", "first_joined_at", "is_moderator"]
    readonly_fields = fields
    can_delete = False


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "starts_at", "duration_minutes", "capacity", "provider", "cancelled_at"]
    list_filter = ["provider", ("cancelled_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "description", "course__title"]
    readonly_fields = ["ends_at", "room_key", "sequence", "cancelled_at", "created_at", "updated_at"]
    raw_id_fields = ["course", "recording_lesson", "created_by"]
    list_select_related = ["course"]
    date_hierarchy = "starts_at"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [RegistrationInline, AttendanceInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["session", "student", "created_at", "reminded_24h_at", "reminded_15m_at"]
    list_filter = [("reminded_24h_at", admin.EmptyFieldListFilter)]
    search_fields = ["session__title", "student__email"]
    raw_id_fields = ["session", "student"]
    list_select_related = ["session", "student"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "user", "first_joined_at", "is_moderator"]
    list_filter = ["is_moderator"]
    search_fields = ["session__title", "user__email"]
    raw_id_fields = ["session", "user"]
    list_select_related = ["session", "user"]


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    """Only who has a feed and since when; deleting a row revokes that feed."""

    list_display = ["user", "created_at"]
    search_fields = ["user__email"]
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False
