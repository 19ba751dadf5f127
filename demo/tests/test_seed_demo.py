"""``manage.py seed_demo``: the demo catalog of the embedded default (ARCHITECTURE.md, Runtime)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from community.models import Announcement, Reply, Thread, Vote
from courses.models import Category, Comment, Course, CoursePart, Enrollment, Lesson
from learning.models import LessonProgress, LessonView, Review
from live.models import LiveSession, Registration
from payments.models import Order, OrderItem, Payment, PaymentStatus
from users.models import Role, User

pytestmark = pytest.mark.django_db

MODELS = (
    User,
    Category,
    Course,
    CoursePart,
    Lesson,
    Enrollment,
    Comment,
    Order,
    OrderItem,
    Payment,
    LessonProgress,
    LessonView,
    Review,
    Thread,
    Reply,
    Vote,
    Announcement,
    LiveSession,
    Registration,
)


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # pytest-django runs tests with DEBUG off; the command needs it on


@pytest.fixture
def seeded(debug) -> str:
    return seed()


def test_seed_demo_is_idempotent(debug):
    first_output = seed()
    first = counts()
    slugs = set(Course.objects.values_list("slug", flat=True))
    second_output = seed()
    assert counts() == first, f"a second run must add nothing: expected {first}, got {counts()}"
    assert set(Course.objects.values_list("slug", flat=True)) == slugs, "no course is re-created with a new slug"
    assert "Demo data ready" in first_output and "Demo data ready" in second_output


def test_seed_demo_builds_a_catalog(seeded):
    published = Course.objects.filter(is_published=True)
    assert published.count() >= 8, f"expected at least 8 published courses, got {published.count()}"
    for course in published:
        parts = course.parts.count()
        lessons = Lesson.objects.filter(part__course=course).count()
        assert parts >= 1 and lessons >= parts, f"{course.title}: expected parts with lessons, got {parts}/{lessons}"
        assert course.tutors.exists(), f"{course.title}: expected a tutor"
        assert course.category_id is not None, f"{course.title}: expected a category"
    assert published.filter(price=0).exists(), "expected at least one free course"
    assert published.filter(price__gt=0).exists(), "expected paid courses too"
    previews = Lesson.objects.filter(is_free_preview=True, part__course__is_published=True)
    assert previews.count() >= 1, "expected free preview lessons"
    assert previews.count() < Lesson.objects.count(), "previews are a sample, not every lesson"
    assert Category.objects.count() >= 3


def test_seed_demo_people(seeded):
    tutors = User.objects.filter(role=Role.TUTOR)
    assert tutors.count() == 3, f"expected 3 tutors, got {tutors.count()}"
    assert all(Course.objects.filter(tutors=tutor).exists() for tutor in tutors), "every tutor teaches a course"
    students = User.objects.filter(role=Role.STUDENT)
    assert students.count() >= 2, f"expected demo students, got {students.count()}"
    assert all(Enrollment.objects.filter(student=s, is_active=True).exists() for s in students), (
        "every student is enrolled somewhere"
    )
    assert Comment.objects.filter(user__role=Role.STUDENT).exists(), "expected students' comments"
    assert Comment.objects.filter(parent__isnull=False).exists(), "expected threaded replies"
    for comment in Comment.objects.select_related("lesson__part__course", "user"):
        course = comment.lesson.part.course
        entitled = (
            Enrollment.objects.filter(course=course, student=comment.user, is_active=True).exists()
            or course.tutors.filter(pk=comment.user.pk).exists()
        )
        assert entitled, f"{comment.user.email} commented on {course.title} without access"
    for enrollment in Enrollment.objects.select_related("course"):
        bought = Payment.objects.filter(
            user=enrollment.student, order__items__course=enrollment.course, status=PaymentStatus.COMPLETED
        ).exists()
        refunded = Payment.objects.filter(
            user=enrollment.student, order__items__course=enrollment.course, status=PaymentStatus.REFUNDED
        ).exists()
        expected = "free" if enrollment.course.price == 0 else ("payment" if bought or refunded else "admin")
        assert enrollment.source == expected, f"{enrollment}: expected source {expected!r}, got {enrollment.source!r}"
        assert enrollment.is_active == (not refunded or bought), f"{enrollment}: a refund revokes the access"


def test_seed_demo_admin_password_is_printed_and_works(debug, client_for):
    output = seed()
    match = re.search(r"admin@example\.com / (\S+)", output)
    assert match, f"expected the admin's e-mail and password in the output, got:\n{output}"
    password = match.group(1)
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_superuser and admin.is_staff and admin.role == Role.ADMIN and admin.is_email_verified
    assert admin.check_password(password)
    response = client_for(None).post(
        "/api/auth/token/", {"email": "admin@example.com", "password": password}, format="json"
    )
    assert response.status_code == 200, f"login with the printed password: expected 200, got {response.status_code}"
    assert {"access", "refresh"} <= response.json().keys()
    for email in ("tutor1@example.com", "student1@example.com"):
        assert email in output, f"expected {email} in the output"
        assert User.objects.get(email=email).check_password(password), f"{email}: the printed password must work"


def test_seed_demo_password_option_and_reset_on_rerun(debug):
    output = seed("--password", "another-demo-pass-9")
    assert "admin@example.com / another-demo-pass-9" in output
    assert User.objects.get(email="admin@example.com").check_password("another-demo-pass-9")
    before = counts()
    seed()  # default password again: accounts are reset, nothing is duplicated
    assert counts() == before
    assert User.objects.get(email="tutor2@example.com").check_password("demo-pass-11tutors")


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=false"):
        seed()
    assert counts() == dict.fromkeys(counts(), 0), "nothing may be written when refusing"


def test_seed_demo_runs_without_debug_when_forced(settings):
    settings.DEBUG = False
    output = seed("--force")
    assert "Demo data ready" in output
    assert Course.objects.filter(is_published=True).count() >= 8


def test_seeded_catalog_is_served_by_the_api(seeded, client_for):
    data = client_for(None).get("/api/courses/courses/").json()
    assert data["count"] >= 8
    free = [c for c in data["results"] if c["is_free"]]
    assert free, "the API lists a free course"
    detail = client_for(None).get(f"/api/courses/courses/{free[0]['slug']}/").json()
    assert detail["parts"] and detail["parts"][0]["lessons"], "the free course has content"
    assert detail["duration"] != "00:00:00"


def test_seeded_catalog_has_levels_for_the_discovery_filters(seeded, client_for):
    facets = client_for(None).get("/api/courses/courses/?facets=level").json()["facets"]["level"]
    counts = {row["value"]: row["count"] for row in facets}
    assert all(counts[level] > 0 for level in ("beginner", "intermediate", "advanced", "all")), counts
    found = client_for(None).get("/api/courses/courses/?search=pyton").json()["results"]
    assert {"Python for Absolute Beginners", "Statistics with Python"} <= {c["title"] for c in found}


def test_seed_demo_sales_progress_and_reviews(seeded):
    completed = Payment.objects.filter(status=PaymentStatus.COMPLETED)
    assert completed.count() >= 4, f"expected demo payments, got {completed.count()}"
    months = {(p.completed_at.year, p.completed_at.month) for p in completed}
    assert len(months) >= 3, f"expected payments across several months, got {sorted(months)}"
    assert Payment.objects.filter(status=PaymentStatus.REFUNDED, refunded_at__isnull=False).count() == 1
    assert any(order.items.count() == 2 for order in Order.objects.all()), "expected a two-course order"
    for payment in Payment.objects.select_related("order"):
        assert payment.amount == sum(item.price for item in payment.order.items.all()), "paid at the courses' prices"
    for row in LessonProgress.objects.select_related("lesson__part__course", "student"):
        course = row.lesson.part.course
        assert Enrollment.objects.filter(student=row.student, course=course, is_active=True).exists(), (
            f"{row.student.email} has progress on {course.title} without access"
        )
    for review in Review.objects.select_related("course"):
        assert Enrollment.objects.filter(student=review.user, course=review.course, is_active=True).exists()
        course = review.course
        assert course.reviews_count >= 1 and course.rating > 0, f"{course.title}: its stored rating follows reviews"


def test_seeded_demo_tutor_has_real_statistics(seeded, client_for):
    tutor = User.objects.get(email="tutor1@example.com")

    body = client_for(tutor).get("/api/auth/tutors/me/quick_statistics/").json()

    # 44.00 + (49.99 + 44.00) + 49.99 + 44.00: the refunded 49.99 does not count.
    assert body["total_earnings"] == 231.98, f"got {body['total_earnings']}"
    assert body["active_students"] >= 3 and body["total_students"] >= 3, body
    assert body["published_courses"] == 3 and body["recent_enrollments"] >= 1, body
    assert body["average_rating"] == 4.67 and body["total_reviews"] == 3, body
    earning_months = [m for m in body["monthly_earnings"] if m["earnings"] > 0]
    assert len(earning_months) >= 3, f"expected earnings in several months, got {body['monthly_earnings']}"
    assert body["course_performance"][0]["earnings"] > 0
    assert sum(c["earnings"] for c in body["course_performance"]) == pytest.approx(231.98)
    analytics = client_for(tutor).get("/api/auth/tutors/me/analytics/").json()
    assert analytics["totals"]["views"] > 0 and analytics["totals"]["earnings"] > 0, analytics["totals"]


def test_seed_demo_community(seeded, client_for):
    """A few threads with answers (one accepted, one question still unanswered), a discussion and
    an announcement, all by people who take part in the course, readable through the API."""
    assert Thread.objects.count() >= 3 and Reply.objects.count() >= 3
    assert Thread.objects.filter(accepted_reply__isnull=False).exists(), "expected an accepted answer"
    assert Thread.objects.filter(kind="question", accepted_reply__isnull=True).exists(), "expected an open question"
    assert Thread.objects.filter(kind="discussion").exists()
    assert Announcement.objects.exists()
    for thread in Thread.objects.select_related("course", "author"):
        course, author = thread.course, thread.author
        assert Enrollment.objects.filter(course=course, student=author, is_active=True).exists(), (
            f"{author.email} started a thread in {course.title} without taking part in it"
        )
    thread = Thread.objects.filter(accepted_reply__isnull=False).select_related("author").first()
    response = client_for(thread.author).get(f"/api/community/threads/?course={thread.course.slug}")
    assert response.status_code == 200 and response.json()["count"] >= 1
    announcement = Announcement.objects.select_related("course").first()
    response = client_for(announcement.course.tutors.first()).get(
        f"/api/community/announcements/?course={announcement.course.slug}"
    )
    assert [a["title"] for a in response.json()["results"]] == [announcement.title]


def test_seed_demo_live_session(seeded, client_for):
    """An upcoming live session of a published course, with registered active students, listed
    publicly as upcoming and joinable by its registrants once the window opens."""
    session = LiveSession.objects.select_related("course").get()
    assert session.status == "scheduled" and session.course.is_published
    registrations = Registration.objects.filter(session=session).select_related("student")
    assert registrations.count() >= 2
    for registration in registrations:
        assert Enrollment.objects.filter(course=session.course, student=registration.student, is_active=True).exists()
    response = client_for(None).get("/api/live/sessions/", {"course": session.course.slug, "upcoming": "true"})
    assert [row["title"] for row in response.json()["results"]] == [session.title]
    student = registrations.first().student
    body = client_for(student).get(f"/api/live/sessions/{session.pk}/").json()
    assert (body["is_registered"], body["registered_count"], body["provider"]) == (
        True,
        registrations.count(),
        "public_room",
    )


def test_seed_demo_money_the_ledger_and_coupons(seeded, client_for):
    from decimal import Decimal

    from payments.models import Coupon, EarningEntry

    assert set(Coupon.objects.values_list("code", flat=True)) == {"WELCOME10", "TUTOR1-5OFF"}
    for payment in Payment.objects.all():
        net = sum(EarningEntry.objects.filter(payment=payment).values_list("amount", flat=True), Decimal(0))
        if payment.status == PaymentStatus.REFUNDED:
            assert net == 0
        else:
            assert net == sum(
                EarningEntry.objects.filter(payment=payment, kind="sale").values_list("amount", flat=True), Decimal(0)
            )
            assert net > 0 or payment.amount == 0
    tutor = User.objects.get(email="tutor1@example.com")
    body = client_for(tutor).get("/api/auth/tutors/me/earnings/").json()
    assert body["currencies"] and Decimal(body["currencies"][0]["balance"]) > 0
    entries = EarningEntry.objects.count()
    seed()  # idempotent: no second credit
    assert EarningEntry.objects.count() == entries


def test_seed_demo_has_a_course_in_each_language_and_translated_categories(seeded, api_client, settings):
    published = Course.objects.filter(is_published=True)
    for code, _name in settings.LANGUAGES:
        assert published.filter(language=code).exists(), f"no demo course taught in {code}"
    response = api_client.get("/api/courses/categories/", HTTP_ACCEPT_LANGUAGE="ru")
    names = {item["slug"]: item["name"] for item in response.json()["results"]}
    assert names["programming"] == "Программирование"
    response = api_client.get("/api/courses/courses/", {"language": "uz"}, HTTP_ACCEPT_LANGUAGE="uz")
    [course] = response.json()["results"]
    assert course["language"] == "uz" and course["category"]["name"] == "Ma’lumotlar fani"  # noqa: RUF001


def test_seed_demo_fills_the_inboxes_once(debug, django_capture_on_commit_callbacks):
    from notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        seed()
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"thread_reply", "answer_accepted", "course_question", "course_announcement", "new_review"} <= kinds, kinds
    assert Notification.objects.filter(recipient__email="tutor1@example.com").exists()
    total = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    assert Notification.objects.count() == total, "a rerun notifies nobody again"
