from django.contrib import admin

from videos.models import VideoUpload


@admin.register(VideoUpload)
class VideoUploadAdmin(admin.ModelAdmin):
    """Who requested which video (the record behind "only its uploader may attach it").
    Read-only: rows are written by the upload-credentials endpoint and the local upload."""

    list_display = ["video_id", "title", "uploader", "provider", "size", "created_at", "uploaded_at"]
    list_filter = ["provider", "created_at"]
    search_fields = ["video_id", "title", "uploader__email"]
    list_select_related = ["uploader"]
    readonly_fields = [field.name for field in VideoUpload._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
