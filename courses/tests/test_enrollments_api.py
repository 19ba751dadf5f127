"""Enrolments (contract 2.6): free courses directly, paid ones through payments,
grants by the course's tutors and admins, and each caller's own list."""

from __future__ import annotations

import pytest

from courses.models import Enrollment, EnrollmentSource
from courses.tests.contract import COURSE_LIST_KEYS, ok
from courses.tests.factories import CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from courses.tests.urls import ENROLLMENTS
from users.models import Role

pytestmark = pytest.mark.django_db

ITEM_KEYS = {"id", "course", "enrolled_at", "progress"}
PROGRESS_KEYS = {"completed_lessons", "total_lessons", "percent", "last_lesson"}


@pytest.fixture
def free_course(tutor):
    return CourseFactory(tutors=[tutor], price="0.00")


@pytest.fixture
def paid_course(tutor):
    return CourseFactory(tutors=[tutor], price="49.99")


def test_enrolling_in_a_free_course_is_201_then_200_with_the_same_enrolment(client_for, student, free_course):
    client = client_for(student)

    first = ok(client.post(ENROLLMENTS, {"course": str(free_course.pk)}), 201)
    again = ok(client.post(ENROLLMENTS, {"course": str(free_course.pk)}), 200)

    assert first["id"] == again["id"], f"expected the same enrolment, got {first['id']} then {again['id']}"
    enrollment = Enrollment.objects.get(student=student, course=free_course)
    assert (str(enrollment.pk), enrollment.source, enrollment.is_active) == (first["id"], EnrollmentSource.FREE, True)
    assert first["course"]["id"] == str(free_course.pk) and first["course"]["is_enrolled"] is True


def test_enrolling_in_a_paid_course_is_402_pointing_to_payments(client_for, student, paid_course):
    data = ok(client_for(student).post(ENROLLMENTS, {"course": str(paid_course.pk)}), 402)

    assert "/api/payments/" in data.get("detail", ""), f"expected a hint to the payments endpoint, got {data!r}"
    assert not Enrollment.objects.exists(), "no enrolment without a payment"


def test_enrolling_in_a_draft_course_is_400_as_if_it_did_not_exist(client_for, student, tutor):
    draft = CourseFactory(tutors=[tutor], price="0.00", is_published=False)

    data = ok(client_for(student).post(ENROLLMENTS, {"course": str(draft.pk)}), 400)

    assert "course" in data, f"expected an error on 'course', got {data!r}"
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    "course",
    ["00000000-0000-0000-0000-000000000000", "abc", "", 123, 10**30, None, True, ["x"], {"id": 1}],
    ids=["unknown-uuid", "letters", "empty", "number", "huge-number", "null", "bool", "list", "object"],
)
def test_unknown_or_malformed_course_ids_are_400(client_for, student, free_course, course):
    data = ok(client_for(student).post(ENROLLMENTS, {"course": course}, format="json"), 400)

    assert "course" in data, f"expected an error on 'course', got {data!r}"
    assert not Enrollment.objects.exists()


def test_a_missing_course_is_400(client_for, student):
    data = ok(client_for(student).post(ENROLLMENTS, {}, format="json"), 400)

    assert "course" in data, f"expected an error on 'course', got {data!r}"


def test_the_list_shows_only_my_enrolments_in_the_contract_shape(client_for, student, make_user, tutor):
    course = CourseFactory(tutors=[tutor], price="0.00")
    part = PartFactory(course=course)
    LessonFactory.create_batch(3, part=part)
    mine = EnrollmentFactory(student=student, course=course)
    EnrollmentFactory(student=make_user(Role.STUDENT), course=course)  # someone else's
    EnrollmentFactory(student=student, course=CourseFactory(), is_active=False)  # revoked: no access

    data = ok(client_for(student).get(ENROLLMENTS), 200)

    assert set(data) == {"count", "next", "previous", "results"}
    assert [item["id"] for item in data["results"]] == [str(mine.pk)], f"expected only mine, got {data['results']!r}"
    item = data["results"][0]
    assert set(item) == ITEM_KEYS, f"expected {sorted(ITEM_KEYS)}, got {sorted(item)}"
    assert set(item["course"]) == COURSE_LIST_KEYS, (
        f"course: expected the list item shape, got {sorted(item['course'])}"
    )
    assert item["course"]["id"] == str(course.pk) and item["course"]["is_enrolled"] is True
    assert item["course"]["students_count"] == 2 and item["course"]["lessons_count"] == 3
    assert set(item["progress"]) == PROGRESS_KEYS, f"progress: got {sorted(item['progress'])}"
    assert item["progress"] == {"completed_lessons": 0, "total_lessons": 3, "percent": 0, "last_lesson": None}, (
        f"got {item['progress']!r}"
    )


def test_someone_elses_enrolment_detail_is_404(client_for, student, make_user):
    other = EnrollmentFactory(student=make_user(Role.STUDENT))
    mine = EnrollmentFactory(student=student)
    client = client_for(student)

    ok(client.get(f"{ENROLLMENTS}{other.pk}/"), 404)
    assert ok(client.get(f"{ENROLLMENTS}{mine.pk}/"), 200)["id"] == str(mine.pk)
    ok(client.get(f"{ENROLLMENTS}not-a-uuid/"), 404)


def test_admins_see_every_enrolment_and_filter_by_student_and_course(client_for, admin_user, make_user):
    alice, bob = make_user(Role.STUDENT), make_user(Role.STUDENT)
    maths, physics = CourseFactory(), CourseFactory()
    a_maths = EnrollmentFactory(student=alice, course=maths)
    a_physics = EnrollmentFactory(student=alice, course=physics)
    b_maths = EnrollmentFactory(student=bob, course=maths)
    client = client_for(admin_user)

    def ids(params=None) -> set[str]:
        return {item["id"] for item in ok(client.get(ENROLLMENTS, params or {}), 200)["results"]}

    assert ids() == {str(a_maths.pk), str(a_physics.pk), str(b_maths.pk)}, "admins see all"
    assert ids({"student": alice.pk}) == {str(a_maths.pk), str(a_physics.pk)}, "?student= filters"
    assert ids({"course": str(maths.pk)}) == {str(a_maths.pk), str(b_maths.pk)}, "?course= filters"
    assert ids({"student": bob.pk, "course": str(physics.pk)}) == set(), "filters combine"


def test_the_course_filter_rejects_malformed_ids(client_for, admin_user):
    data = ok(client_for(admin_user).get(ENROLLMENTS, {"course": "abc"}), 400)

    assert "course" in data, f"expected an error on 'course', got {data!r}"


def test_the_owner_tutor_grants_access_to_their_paid_course(client_for, tutor, student, paid_course):
    data = ok(client_for(tutor).post(ENROLLMENTS, {"course": str(paid_course.pk), "student": student.pk}), 201)

    enrollment = Enrollment.objects.get(student=student, course=paid_course)
    assert (str(enrollment.pk), enrollment.source) == (data["id"], EnrollmentSource.TUTOR), (
        f"expected a tutor grant, got source {enrollment.source!r}"
    )
    assert data["course"]["is_enrolled"] is True, "is_enrolled is the student's, not the tutor's"
    listed = ok(client_for(student).get(ENROLLMENTS), 200)["results"]
    assert [item["id"] for item in listed] == [data["id"]], "the student now sees the course in their list"


def test_an_admin_grants_access_to_any_course(client_for, admin_user, student, paid_course):
    ok(client_for(admin_user).post(ENROLLMENTS, {"course": str(paid_course.pk), "student": student.pk}), 201)

    assert Enrollment.objects.get(student=student, course=paid_course).source == EnrollmentSource.ADMIN


def test_another_tutor_cannot_grant_access_to_a_course_they_do_not_teach(client_for, make_user, student, paid_course):
    other_tutor = make_user(Role.TUTOR)

    data = ok(client_for(other_tutor).post(ENROLLMENTS, {"course": str(paid_course.pk), "student": student.pk}), 403)

    assert "detail" in data
    assert not Enrollment.objects.exists(), "no enrolment may be created"


def test_a_student_cannot_enrol_someone_else(client_for, student, make_user, free_course):
    friend = make_user(Role.STUDENT)

    ok(client_for(student).post(ENROLLMENTS, {"course": str(free_course.pk), "student": friend.pk}), 403)

    assert not Enrollment.objects.exists(), "no enrolment may be created, for the friend or the caller"


def test_naming_oneself_as_student_is_an_ordinary_enrolment(client_for, student, free_course, paid_course):
    client = client_for(student)

    ok(client.post(ENROLLMENTS, {"course": str(free_course.pk), "student": student.pk}), 201)
    ok(client.post(ENROLLMENTS, {"course": str(paid_course.pk), "student": student.pk}), 402)

    assert list(Enrollment.objects.values_list("course_id", flat=True)) == [free_course.pk]


def test_enrolments_need_credentials(client_for, free_course):
    anonymous = client_for(None)

    listed = anonymous.get(ENROLLMENTS)
    posted = anonymous.post(ENROLLMENTS, {"course": str(free_course.pk)})

    for response in (listed, posted):
        ok(response, 401)
        assert response.has_header("WWW-Authenticate")
    assert not Enrollment.objects.exists()


def test_an_already_enrolled_student_posting_a_paid_course_gets_the_existing_enrolment(
    client_for, student, paid_course
):
    existing = EnrollmentFactory(student=student, course=paid_course, source=EnrollmentSource.PAYMENT)
    response = client_for(student).post(ENROLLMENTS, {"course": str(paid_course.pk)}, format="json")
    assert response.status_code == 200, f"expected 200 with the existing enrolment, got {response.status_code}"
    assert response.json()["id"] == str(existing.pk)
