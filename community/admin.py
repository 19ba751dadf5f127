from django.contrib import admin

from community.models import Announcement, Reply, Report, Thread, Vote
from community.rendering import markdown_to_html


class RenderedBodyMixin:
    """The body's HTML follows the body when an admin edits it."""

    def save_model(self, request, obj, form, change):
        obj.body_html = markdown_to_html(obj.body)
        super().save_model(request, obj, form, change)


class ReplyInline(admin.TabularInline):
    model = Reply
    extra = 0
    fields = ["author", "parent", "body", "votes", "is_hidden", "deleted_at", "created_at"]
    readonly_fields = ["author", "parent", "body", "votes", "created_at"]
    show_change_link = True
    can_delete = False


@admin.register(Thread)
class ThreadAdmin(RenderedBodyMixin, admin.ModelAdmin):
    list_display = ["title", "course", "kind", "author", "votes", "is_pinned", "is_locked", "is_hidden", "created_at"]
    list_filter = ["kind", "is_pinned", "is_locked", "is_hidden", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body", "course__title", "author__email"]
    readonly_fields = ["body_html", "votes", "accepted_reply", "created_at", "edited_at", "last_activity_at"]
    raw_id_fields = ["course", "lesson", "author"]
    list_select_related = ["course", "author"]
    inlines = [ReplyInline]


@admin.register(Reply)
class ReplyAdmin(RenderedBodyMixin, admin.ModelAdmin):
    list_display = ["__str__", "thread", "author", "votes", "is_hidden", "created_at"]
    list_filter = ["is_hidden", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "thread__title", "author__email"]
    readonly_fields = ["body_html", "votes", "created_at", "edited_at"]
    raw_id_fields = ["thread", "parent", "author"]
    list_select_related = ["thread", "author"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Votes are read here; the totals on the posts are kept by the API."""

    list_display = ["user", "value", "thread", "reply", "updated_at"]
    list_filter = ["value"]
    search_fields = ["user__email", "thread__title", "reply__body"]
    raw_id_fields = ["user", "thread", "reply"]
    list_select_related = ["user", "thread", "reply"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "course", "reporter", "status", "created_at", "resolved_at"]
    list_filter = ["status"]
    search_fields = ["reason", "reporter__email", "course__title", "thread__title", "reply__body"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["course", "thread", "reply", "reporter", "resolved_by"]
    list_select_related = ["course", "reporter"]


@admin.register(Announcement)
class AnnouncementAdmin(RenderedBodyMixin, admin.ModelAdmin):
    list_display = ["title", "course", "author", "emailed_count", "created_at"]
    search_fields = ["title", "body", "course__title", "author__email"]
    readonly_fields = ["body_html", "emailed_count", "created_at", "updated_at"]
    raw_id_fields = ["course", "author"]
    list_select_related = ["course", "author"]
