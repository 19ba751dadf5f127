# VideoUpload moved to the videos app (videos/migrations/0001_initial.py takes it over).
# State only: the table courses_videoupload and its rows stay exactly where they are.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0004_tutor_invitation'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='VideoUpload')],
            database_operations=[],
        ),
    ]
