from django.contrib import admin

from core.models import University


@admin.register(University)
class UniversityAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "city", "global_rank", "country_rank", "updated_at"]
    list_filter = ["country"]
    search_fields = ["name", "country", "city"]
    ordering = ["global_rank", "name"]
