"""Load a university dataset (CSV or JSON): an idempotent upsert by name.

Bad rows are reported with their row number and skipped; the good rows are loaded.
The command exits non-zero when any row was rejected.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.api.serializers import UniversityImportSerializer
from core.models import University
from core.progress import progress

DEFAULT_FILE = Path(settings.BASE_DIR) / "core" / "data" / "universities.csv"
FIELDS = UniversityImportSerializer.Meta.fields


def read_rows(path: Path) -> list[dict]:
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise CommandError(f"{path}: a JSON dataset must be a list of objects")
        return data
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    raise CommandError(f"{path}: unsupported file type (use .csv or .json)")


def clean_row(row: object) -> dict:
    """Trim strings and drop empty cells, so optional columns may be left blank."""
    if not isinstance(row, dict):
        return {"__invalid__": row}
    cleaned = {}
    for key, value in row.items():
        if key not in FIELDS:
            continue
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None):
            continue
        cleaned[key] = value
    return cleaned


def fill_country_ranks(rows: list[dict]) -> None:
    """Where a row has a global rank but no country rank, derive it from the dataset's order."""
    by_country: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row.get("global_rank"):
            by_country[row.get("country", "").lower()].append(row)
    for ranked in by_country.values():
        ranked.sort(key=lambda row: row["global_rank"])
        for position, row in enumerate(ranked, start=1):
            row.setdefault("country_rank", position)


class Command(BaseCommand):
    help = "Load universities from a CSV or JSON file (upsert by name). Defaults to the starter dataset."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE), help="path to a .csv or .json file")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            rows = read_rows(path)
        except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
            raise CommandError(f"{path}: cannot be read: {exc}") from None

        valid: list[dict] = []
        problems: list[str] = []
        seen: set[str] = set()
        first_data_row = 2 if path.suffix.lower() == ".csv" else 1  # CSV row 1 is the header
        for number, raw in enumerate(rows, start=first_data_row):
            row = clean_row(raw)
            serializer = UniversityImportSerializer(data=row)
            if "__invalid__" in row or not serializer.is_valid():
                errors = serializer.errors if "__invalid__" not in row else {"row": ["must be an object"]}
                detail = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in errors.items())
                problems.append(f"row {number}: {detail}")
                continue
            data = serializer.validated_data
            if data["name"].lower() in seen:
                problems.append(f"row {number}: name: {data['name']!r} appears more than once")
                continue
            seen.add(data["name"].lower())
            valid.append(dict(data))

        fill_country_ranks(valid)
        created, updated = self.upsert(valid)

        for problem in problems:
            self.stderr.write(problem)
        summary = f"Universities: {created} created, {updated} updated, {len(valid) - created - updated} unchanged"
        if problems:
            raise CommandError(f"{summary}; {len(problems)} row(s) rejected (see above).")
        self.stdout.write(self.style.SUCCESS(summary + "."))

    @transaction.atomic
    def upsert(self, rows: list[dict]) -> tuple[int, int]:
        existing = {university.name.lower(): university for university in University.objects.all()}
        to_create, to_update = [], []
        now = timezone.now()
        for row in progress(rows, total=len(rows), label="Universities", stream=self.stdout):
            current = existing.get(row["name"].lower())
            if current is None:
                to_create.append(University(**row))
                continue
            changed = False
            for field, value in row.items():
                if getattr(current, field) != value:
                    setattr(current, field, value)
                    changed = True
            if changed:
                current.updated_at = now
                to_update.append(current)
        University.objects.bulk_create(to_create)
        if to_update:
            University.objects.bulk_update(to_update, [*FIELDS, "updated_at"])
        return len(to_create), len(to_update)
