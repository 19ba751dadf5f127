# VideoUpload moved here from the courses app (courses/migrations/0005_move_videoupload_to_videos.py
# removed it from that app's state). State only: the model keeps its table, courses_videoupload,
# and its rows; the content type is renamed so that permissions and admin log entries follow.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _rename_content_type(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    moved = ContentType.objects.using(db).filter(app_label=old, model='videoupload').first()
    if moved is None:  # a fresh database: post_migrate creates the content type later
        return
    # An empty twin created by an earlier post_migrate (with its automatic permissions) gives way
    # to the row that permissions, user grants and admin log entries point to.
    ContentType.objects.using(db).filter(app_label=new, model='videoupload').delete()
    moved.app_label = new
    moved.save(update_fields=['app_label'])


def content_type_forwards(apps, schema_editor):
    _rename_content_type(apps, schema_editor, old='courses', new='videos')


def content_type_backwards(apps, schema_editor):
    _rename_content_type(apps, schema_editor, old='videos', new='courses')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('courses', '0005_move_videoupload_to_videos'),
        ('contenttypes', '0002_remove_content_type_name'),
        # Deleting a twin content type cascades to its permissions: auth's models must be known.
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='VideoUpload',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('video_id', models.CharField(max_length=100, unique=True)),
                        ('title', models.CharField(max_length=255)),
                        ('provider', models.CharField(choices=[('vdocipher', 'VdoCipher'), ('local', 'Local media storage')], max_length=20)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('file_key', models.CharField(blank=True, default='', max_length=255)),
                        ('content_type', models.CharField(blank=True, default='', max_length=100)),
                        ('size', models.PositiveBigIntegerField(blank=True, null=True)),
                        ('uploaded_at', models.DateTimeField(blank=True, null=True)),
                        ('uploader', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='video_uploads', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'courses_videoupload',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_forwards, content_type_backwards),
    ]
