from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "videos"
    verbose_name = "Videos"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from courses import hooks
        from videos import services
        from videos.storage import move_public_videos

        # Videos uploaded when they still lived in the public media move to the private storage.
        post_migrate.connect(move_public_videos, sender=self, dispatch_uid="videos-move-public-videos")

        from django.db.models.signals import post_delete, post_save

        from videos.models import VideoUpload

        # The player's cached file keys (videos.providers.local.uploaded_file_key).
        post_save.connect(upload_changed, sender=VideoUpload, dispatch_uid="videos-upload-save")
        post_delete.connect(upload_changed, sender=VideoUpload, dispatch_uid="videos-upload-delete")

        # The catalog asks about lessons' videos through its hooks; it does not import this app.
        hooks.lesson_video_check.register(services.video_check_attachable)
        hooks.lesson_video_changed.register(services.lesson_video_sync_schedule)
        hooks.lesson_playback.register(services.lesson_player_playback)


def upload_changed(sender, instance, **kwargs) -> None:
    from videos.providers.local import uploads

    uploads.changed(instance.video_id)
