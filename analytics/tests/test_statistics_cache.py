"""The dashboard's figures from the cache (analytics.cache): one computation at a time per tutor,
stale figures served while they are recomputed, writes marking exactly their tutors' figures stale."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection

from analytics import cache as statistics_cache
from analytics.tests.test_statistics import pay
from core.tests.helpers import run_together
from courses.tests.factories import CourseFactory, EnrollmentFactory
from learning.models import Review
from payments.models import Payment, PaymentStatus
from users.models import Role

pytestmark = pytest.mark.django_db(transaction=True)  # the figures go stale when writes commit

QUICK_URL = "/api/auth/tutors/me/quick_statistics/"


@pytest.fixture
def statistics_cache_on(settings, monkeypatch):
    """The cache on and empty; background recomputations run inline (in the request that starts
    them), so that a test sees their effect deterministically; returns how many started."""
    settings.TUTOR_STATISTICS_CACHE_SECONDS = 60
    cache.clear()
    started = []

    def inline(run):
        started.append(run)
        run()

    monkeypatch.setattr(statistics_cache, "background", inline)
    return started


class Counting:
    """A computation that counts its calls and takes ``seconds``."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls = 0
        self.seconds = seconds
        self.lock = threading.Lock()

    def __call__(self) -> dict:
        with self.lock:
            self.calls += 1
            n = self.calls
        time.sleep(self.seconds)
        return {"computed": n}


def test_the_first_figures_are_computed_once_whatever_the_crowd(statistics_cache_on, make_user):
    tutor = make_user(Role.TUTOR)
    compute = Counting(seconds=0.3)
    answers = run_together([lambda: statistics_cache.quick_statistics(tutor, compute)] * 8)
    assert compute.calls == 1, "one computation; the other requests waited for its result"
    assert answers == [{"computed": 1}] * 8


def test_stale_figures_are_served_at_once_and_recomputed_once(settings, make_user):
    """A write marks the figures stale: the crowd after it is served the previous figures
    without waiting, and one background computation replaces them."""
    settings.TUTOR_STATISTICS_CACHE_SECONDS = 60
    cache.clear()
    tutor = make_user(Role.TUTOR)
    compute = Counting(seconds=0.5)
    assert statistics_cache.quick_statistics(tutor, compute) == {"computed": 1}
    statistics_cache.tutors_changed([tutor.pk])  # committed at once: autocommit
    started = time.monotonic()
    answers = run_together([lambda: statistics_cache.quick_statistics(tutor, compute)] * 8)
    assert time.monotonic() - started < 0.4, "nobody waited for the recomputation"
    assert answers == [{"computed": 1}] * 8
    deadline = time.monotonic() + 5
    while statistics_cache.quick_statistics(tutor, compute) != {"computed": 2} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert statistics_cache.quick_statistics(tutor, compute) == {"computed": 2}
    assert compute.calls == 2, "exactly one recomputation for the whole crowd"


def test_a_tutor_whose_figures_keep_changing_costs_one_computation_per_interval(
    statistics_cache_on, make_user, settings
):
    settings.TUTOR_STATISTICS_REFRESH_SECONDS = 1
    tutor = make_user(Role.TUTOR)
    compute = Counting()
    statistics_cache.quick_statistics(tutor, compute)
    for _ in range(5):  # five changes within a second: one recomputation
        statistics_cache.tutors_changed([tutor.pk])
        statistics_cache.quick_statistics(tutor, compute)
    assert compute.calls == 2
    time.sleep(1.1)
    statistics_cache.tutors_changed([tutor.pk])
    assert statistics_cache.quick_statistics(tutor, compute) == {"computed": 2}, "stale, served at once"
    assert statistics_cache.quick_statistics(tutor, compute) == {"computed": 3}, "then recomputed"


def test_figures_older_than_the_lifetime_are_recomputed(statistics_cache_on, make_user, monkeypatch):
    tutor = make_user(Role.TUTOR)
    compute = Counting()
    now = time.time()
    monkeypatch.setattr(statistics_cache.time, "time", lambda: now)
    statistics_cache.quick_statistics(tutor, compute)
    now += 59
    assert statistics_cache.quick_statistics(tutor, compute) == {"computed": 1}
    now += 2  # 61 s: stale; served once more while the recomputation runs (inline here)
    assert statistics_cache.quick_statistics(tutor, compute) == {"computed": 1}
    assert statistics_cache.quick_statistics(tutor, compute) == {"computed": 2}
    assert len(statistics_cache_on) == 1


def delete_course(course, payment) -> None:
    order = payment.order
    payment.delete()
    order.delete()  # its items protect the course
    course.delete()


def versions(*users) -> list:
    return [cache.get(statistics_cache._keys(user.pk)[0], 0) for user in users]


@pytest.mark.parametrize(
    ("write", "stale"),
    [
        (lambda w: EnrollmentFactory(course=w.course), {"tutor"}),
        (lambda w: Review.objects.create(course=w.course, user=w.student, rating=4), {"tutor"}),
        (lambda w: Payment.objects.get(pk=w.payment.pk).save(), {"tutor"}),
        (lambda w: setattr(w.course, "is_published", False) or w.course.save(), {"tutor"}),
        (lambda w: w.course.tutors.add(w.co_tutor), {"tutor", "co_tutor"}),
        (lambda w: w.course.tutors.remove(w.tutor), {"tutor"}),
        (lambda w: w.course.tutors.clear(), {"tutor"}),
        (lambda w: w.co_tutor.taught_courses.add(w.course), {"tutor", "co_tutor"}),
        (lambda w: delete_course(w.course, w.payment), {"tutor"}),
    ],
    ids=[
        "enrolment",
        "review",
        "payment",
        "course",
        "tutor added",
        "tutor removed",
        "tutors cleared",
        "course added to a tutor",
        "course deleted",
    ],
)
def test_writes_mark_their_tutors_figures_stale_and_only_theirs(settings, make_user, write, stale):
    settings.TUTOR_STATISTICS_CACHE_SECONDS = 60
    cache.clear()
    people = {name: make_user(Role.TUTOR) for name in ("tutor", "co_tutor", "bystander")}
    student = make_user(Role.STUDENT)
    course = CourseFactory(tutors=[people["tutor"]], price=Decimal("10.00"))
    CourseFactory(tutors=[people["bystander"]])
    payment = pay(student, [(course, "10.00")], "10.00", status=PaymentStatus.COMPLETED)
    world = SimpleNamespace(course=course, student=student, payment=payment, **people)
    before = dict(zip(people, versions(*people.values()), strict=True))
    write(world)
    after = dict(zip(people, versions(*people.values()), strict=True))
    assert {name for name in people if after[name] != before[name]} == stale


def test_the_dashboard_shows_a_new_enrolment_after_one_recomputation(statistics_cache_on, make_user, client_for):
    tutor = make_user(Role.TUTOR)
    course = CourseFactory(tutors=[tutor])
    assert client_for(tutor).get(QUICK_URL).json()["total_students"] == 0
    EnrollmentFactory(course=course)
    client_for(tutor).get(QUICK_URL)  # starts the recomputation (inline here)
    assert client_for(tutor).get(QUICK_URL).json()["total_students"] == 1
    assert connection.vendor in ("sqlite", "postgresql")
