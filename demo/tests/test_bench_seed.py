"""The benchmark's data set: the sizes asked for, reproducible from the seed, consistent figures."""

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Avg, Count

from courses.models import Category, Course, Enrollment, Lesson
from learning.models import Review
from payments.models import Order, Payment
from users.models import Role, User
from videos.models import VideoUpload

pytestmark = pytest.mark.django_db


def seed(tmp_path, **sizes) -> dict:
    manifest = tmp_path / "manifest.json"
    args = [f"--{name}={value}" for name, value in sizes.items()]
    call_command("bench_seed", *args, f"--manifest={manifest}", stdout=io.StringIO())
    return json.loads(manifest.read_text())


def test_sizes_and_consistency(tmp_path):
    manifest = seed(tmp_path, courses=6, parts=2, lessons=3, tutors=2, students=20, enrolments=3)
    assert Course.objects.filter(is_published=True).count() == 6
    assert Lesson.objects.count() == 6 * 2 * 3
    assert User.objects.filter(role=Role.TUTOR).count() >= 2
    assert User.objects.filter(role=Role.STUDENT).count() >= 20
    assert Enrollment.objects.filter(is_active=True).count() >= 20 * 3
    # The stored rating is the reviews' own average.
    for course in Course.objects.annotate(avg=Avg("reviews__rating"), n=Count("reviews")):
        assert course.reviews_count == course.n
        assert float(course.rating) == pytest.approx(float(course.avg or 0), abs=0.01)
    assert manifest, "the driver's manifest is written"


def test_same_seed_same_data(tmp_path):
    seed(tmp_path, courses=3, parts=1, lessons=2, tutors=1, students=5, enrolments=2)
    first = sorted(Course.objects.values_list("title", "price"))
    first_reviews = sorted(Review.objects.values_list("rating", flat=True))
    Payment.objects.all().delete()
    Order.objects.all().delete()
    Course.objects.all().delete()
    Category.objects.all().delete()
    VideoUpload.objects.all().delete()
    User.objects.all().delete()
    seed(tmp_path, courses=3, parts=1, lessons=2, tutors=1, students=5, enrolments=2)
    assert sorted(Course.objects.values_list("title", "price")) == first
    assert sorted(Review.objects.values_list("rating", flat=True)) == first_reviews
