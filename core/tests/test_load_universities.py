import io
import json

import pytest
from django.core.management import CommandError, call_command

from core.models import University

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_universities", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_starter_dataset_loads_and_is_idempotent():
    out, _ = run()
    count = University.objects.count()
    assert count >= 100, f"the starter set must hold at least 100 universities, has {count}"
    assert "created" in out
    first = University.objects.first()  # the model orders by rank, unranked last
    assert first.global_rank == 1 and first.country_rank == 1 and first.website.startswith("https://")
    assert University.objects.filter(country="Uzbekistan").exists()

    out, _ = run()
    assert University.objects.count() == count
    assert f"0 created, 0 updated, {count} unchanged" in out


def test_csv_upsert_updates_by_name_case_insensitively(tmp_path):
    University.objects.create(name="Test University", country="Nowhere")
    path = tmp_path / "unis.csv"
    path.write_text("name,country,city,website,global_rank\ntest university,Uzbekistan,Tashkent,https://t.uz,7\n")
    out, _ = run(str(path))
    assert University.objects.count() == 1
    university = University.objects.get()
    assert (university.country, university.city, university.global_rank) == ("Uzbekistan", "Tashkent", 7)
    assert "1 updated" in out


def test_bad_rows_are_reported_and_good_rows_still_load(tmp_path):
    path = tmp_path / "unis.json"
    path.write_text(
        json.dumps(
            [
                {"name": "Good One", "country": "Kazakhstan", "global_rank": 3},
                {"name": "", "country": "Nowhere"},
                {"name": "Bad Rank", "global_rank": "first"},
                {"name": "Bad Site", "website": "not a url"},
                "not an object",
                {"name": "good one"},
            ]
        )
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="5 row\\(s\\) rejected"):
        call_command("load_universities", str(path), stdout=io.StringIO(), stderr=err)
    messages = err.getvalue()
    assert "row 2: name" in messages
    assert "row 3: global_rank" in messages
    assert "row 4: website" in messages
    assert "row 5: row: must be an object" in messages
    assert "row 6: name: 'good one' appears more than once" in messages
    assert list(University.objects.values_list("name", flat=True)) == ["Good One"]


def test_duplicate_names_inside_one_file_are_rejected(tmp_path):
    path = tmp_path / "unis.csv"
    path.write_text("name,country\nSame,A\nsame,B\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_universities", str(path), stdout=io.StringIO(), stderr=err)
    assert "row 3: name: 'same' appears more than once" in err.getvalue()
    assert University.objects.get().country == "A"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("data.txt", "x", "unsupported file type"),
        ("broken.json", "{not json", "cannot be read"),
        ("object.json", '{"name": "x"}', "must be a list"),
    ],
)
def test_unreadable_files_give_a_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(CommandError, match=message):
        run(str(path))
