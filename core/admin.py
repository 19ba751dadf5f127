from django.contrib import admin

from core.models import University


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records only the application writes (payments, certificates): view, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(University)
class UniversityAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "city", "global_rank", "country_rank", "updated_at"]
    list_filter = ["country"]
    search_fields = ["name", "country", "city"]
    ordering = ["global_rank", "name"]
