"""Course levels, and the indexes of discovery on PostgreSQL (courses/search.py).

- ``pg_trgm`` (a trusted extension since PostgreSQL 13: the database owner may create it), with
  GIN ``gin_trgm_ops`` indexes on the course title and ``search_extra`` (tutor and category
  names) for typo-tolerant search and suggestions, and on category names;
- a GIN index on the lessons' weighted full-text vector (the expression of
  ``courses.search.LESSON_VECTOR``, written as PostgreSQL normalises it) for lesson search.

SQLite has none of these: the fallback (courses/search.py) needs no index.
"""

from django.db import migrations, models

INDEXES = {
    "course_title_trgm": "courses_course USING GIN (title gin_trgm_ops)",
    "course_search_extra_trgm": "courses_course USING GIN (search_extra gin_trgm_ops)",
    "category_name_trgm": "courses_category USING GIN (name gin_trgm_ops)",
    "lesson_search_gin": (
        "courses_lesson USING GIN ("
        "(setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A') || "
        "setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B')))"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")  # the extension stays: others may use it


class Migration(migrations.Migration):
    dependencies = [("courses", "0005_move_videoupload_to_videos")]

    operations = [
        migrations.AddField(
            model_name="course",
            name="level",
            field=models.CharField(
                choices=[
                    ("beginner", "Beginner"),
                    ("intermediate", "Intermediate"),
                    ("advanced", "Advanced"),
                    ("all", "All levels"),
                ],
                default="all",
                max_length=12,
            ),
        ),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
