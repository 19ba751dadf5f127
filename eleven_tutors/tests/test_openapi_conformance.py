"""Every operation answers what the OpenAPI schema says it answers (schemathesis).

The project's own schema, generated in-process, drives schemathesis against the WSGI app:
for each operation derandomized cases, valid and invalid, are sent as each role: anonymous,
a plain user, the enrolled student, the course's tutor and an admin (``CALLERS``), with Stripe
configured against the local fake; each answer must be no server error, and its status code,
content type and body must be documented. CI sends ``EXAMPLES`` cases per operation, caller
and mode (5 callers x 2 modes x 4 = 40 per operation); ``make fuzz`` sends many more, with a
random seed (``CONFORMANCE_EXAMPLES``, ``CONFORMANCE_RANDOM``). The database holds a little catalog (a published course with a part,
a lesson, a comment, a review, a community thread with a reply, a report and an announcement, a live session with a registration,
its tutor, an enrolled student with a notification, a push device, a completed payment and a
second course in their cart, the tutor's coupon); about half of the cases
of an operation with path parameters address those objects instead of random ids, so that
real pages and refusals are checked, not only 404s.

Each test has its own database state (rolled back after it), so a case that deletes an
object, even the caller, cannot affect another operation's test.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from community import services as community_services
from core.tests.factories import UniversityFactory
from courses.tests.factories import (
    CategoryFactory,
    CommentFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    PartFactory,
)
from learning import services as learning_services
from live import services as live_services
from notifications.models import Device, Notification, Platform
from payments.models import CartItem, Coupon, CouponScope, Order, OrderItem, Payment, PaymentStatus
from payments.tests.conftest import fake_stripe  # noqa: F401  (pytest fixture: Stripe's API, faked locally)
from users.models import Role

# Per operation, caller and generation mode (valid, then invalid input). CI: 4 (about 2 minutes
# more than anonymous + admin alone, on each database); `make fuzz`: 60, random seed.
EXAMPLES = int(os.environ.get("CONFORMANCE_EXAMPLES", "4"))
DERANDOMIZE = os.environ.get("CONFORMANCE_RANDOM", "") != "1"
CALLERS = ("anonymous", "user", "student", "tutor", "admin")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture
def catalog(db, make_user) -> dict:
    tutor, student = make_user(Role.TUTOR), make_user(Role.STUDENT)
    category = CategoryFactory()
    course = CourseFactory(tutors=[tutor], category=category)
    part = PartFactory(course=course)
    lesson = LessonFactory(part=part)
    enrollment = EnrollmentFactory(student=student, course=course)
    comment = CommentFactory(lesson=lesson, user=student)
    review = learning_services.review_create(user=student, course=course, rating=5, text="Clear.")
    thread = community_services.thread_create(author=student, course=course, kind="question", title="Why?", body="b")
    reply = community_services.reply_create(author=student, thread=thread, body="Because.")
    report, _ = community_services.report_create(reporter=student, post=reply, reason="Spam")
    announcement = community_services.announcement_create(author=tutor, course=course, title="Hello", body="b")
    live_session = live_services.session_create(
        by=tutor, course=course, title="Office hours", starts_at=timezone.now() + timedelta(days=1), duration_minutes=30
    )
    live_services.registration_create(session=live_session, student=student)
    university = UniversityFactory()
    notification = Notification.objects.create(
        recipient=student, kind="thread_reply", title="A reply", dedupe_key="conformance"
    )
    device = Device.objects.create(user=student, platform=Platform.ANDROID, token="conformance-device")
    # What the student paid for the course; a second course of the tutor in their cart; the tutor's coupon.
    order = Order.objects.create(user=student, total=course.price, currency=course.currency)
    OrderItem.objects.create(order=order, course=course, price=course.price)
    payment = Payment.objects.create(
        user=student,
        order=order,
        amount=course.price,
        currency=course.currency,
        status=PaymentStatus.COMPLETED,
        completed_at=timezone.now(),
        stripe_payment_intent="pi_conformance_1",
        transaction_id="pi_conformance_1",
    )
    cart_course = CourseFactory(tutors=[tutor], category=category, price="19.00")
    CartItem.objects.create(user=student, course=cart_course)
    coupon = Coupon.objects.create(code="CONFORM10", percent_off=10, scope=CouponScope.COURSES, created_by=tutor)
    coupon.courses.set([course, cart_course])
    return {
        "tutor": tutor,
        "category": category,
        "course": course,
        "part": part,
        "lesson": lesson,
        "enrollment": enrollment,
        "comment": comment,
        "review": review,
        "thread": thread,
        "reply": reply,
        "report": report,
        "announcement": announcement,
        "live_session": live_session,
        "university": university,
        "student": student,
        "notification": notification,
        "device": device,
        "payment": payment,
        "cart_course": cart_course,
        "coupon": coupon,
    }


# The object each path parameter names, by the path's collection ("courses/{slug}" is a course).
_COLLECTION_OBJECTS = {
    "users": ("student", "pk"),
    "universities": ("university", "pk"),
    "categories": ("category", "slug"),
    "comments": ("comment", "pk"),
    "course-parts": ("part", "slug"),
    "courses": ("course", "slug"),
    "reviews": ("review", "pk"),
    "enrollments": ("enrollment", "pk"),
    "lessons": ("lesson", "slug"),
    "threads": ("thread", "pk"),
    "replies": ("reply", "pk"),
    "reports": ("report", "pk"),
    "announcements": ("announcement", "pk"),
    "sessions": ("live_session", "pk"),
    "notifications": ("notification", "pk"),
    "devices": ("device", "pk"),
    "payments": ("payment", "pk"),
    "items": ("cart_course", "pk"),  # payments/cart/items/{course_id}
    "coupons": ("coupon", "pk"),
}


def known_path_parameters(operation, catalog: dict) -> dict[str, str] | None:
    """Real objects for every path parameter of ``operation``, or None if some has none."""
    segments = operation.path.strip("/").split("/")
    values = {}
    for index, segment in enumerate(segments):
        if not segment.startswith("{"):
            continue
        known = _COLLECTION_OBJECTS.get(segments[index - 1])
        if known is None:
            return None
        name, attribute = known
        values[segment.strip("{}")] = str(getattr(catalog[name], attribute))
    return values or None


def _label(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, keeping the test's database connection open.

    At the start and end of every request Django closes a connection whose autocommit is off,
    as it is inside the test's transaction; Django's test client suspends that, and so do we.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Operations that would delete the caller's own account, excluded for that caller: the account
# addressed by the known path parameters of /api/auth/users/{id}/ is the enrolled student's, so
# the "student" caller would delete itself on the first valid case and every later case would be
# answered 401, proving nothing about the role. (Other callers run it: an admin deletes that
# student, the others are refused.)
DELETES_OWN_IDENTITY = {("student", "DELETE", "/api/auth/users/{id}/")}


def _cases() -> list:
    return [
        pytest.param(operation, caller, id=f"{_label(operation)}-{caller}")
        for operation in OPERATIONS
        for caller in CALLERS
        if (caller, operation.method.upper(), operation.path) not in DELETES_OWN_IDENTITY
    ]


def _identity(caller: str, catalog: dict, admin_user, make_user):
    return {
        "anonymous": None,
        "user": lambda: make_user(Role.USER),
        "student": lambda: catalog["student"],  # enrolled in the course; author of its posts
        "tutor": lambda: catalog["tutor"],  # the course's tutor
        "admin": lambda: admin_user,
    }[caller]


def test_every_operation_runs_for_every_caller_but_the_declared_exclusions():
    ran = {(caller, op.method.upper(), op.path) for op in OPERATIONS for caller in CALLERS}
    cases = {(p.values[1], p.values[0].method.upper(), p.values[0].path) for p in _cases()}
    assert ran - cases == DELETES_OWN_IDENTITY
    assert ran >= DELETES_OWN_IDENTITY, "an exclusion names an operation the schema no longer has"


@pytest.mark.parametrize(("operation", "caller"), _cases())
def test_operation_answers_as_documented(operation, caller, catalog, admin_user, make_user, wsgi_app, fake_stripe):  # noqa: F811
    # Stripe is configured against the local fake for every caller: a checkout that gets that far talks to it.
    headers = {}
    identity = _identity(caller, catalog, admin_user, make_user)
    if identity is not None:
        headers["Authorization"] = f"Bearer {RefreshToken.for_user(identity()).access_token}"
    known = known_path_parameters(operation, catalog)

    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
        cases = operation.as_strategy(generation_mode=mode)
        if known is not None:
            cases = st.one_of(cases, operation.as_strategy(generation_mode=mode, path_parameters=known))

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES,
            derandomize=DERANDOMIZE,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def answers_as_documented(case):
            response = case.call(app=wsgi_app, headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            answers_as_documented()
        except Unsatisfiable:
            # Nothing can be made invalid: the operation takes no parameters and no body.
            assert mode == schemathesis.GenerationMode.NEGATIVE


def _response(method: str, path: str, status: str) -> dict | None:
    return SCHEMA.raw_schema["paths"][path][method]["responses"].get(status)


def _schema_ref(response: dict) -> str:
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def test_error_responses_are_derived_from_each_view():
    # Input validated by a serializer: a message or a field map, even where the view declared `{detail}`.
    assert _schema_ref(_response("post", "/api/auth/users/", "400")) == "ValidationError"
    assert _schema_ref(_response("patch", "/api/courses/courses/{slug}/", "400")) == "ValidationError"
    assert _schema_ref(_response("get", "/api/courses/enrollments/", "400")) == "ValidationError"  # a filter set
    assert _response("get", "/api/courses/categories/", "400") is None  # nothing to validate
    # Authentication and refusals: public reads can meet a bad token, but refuse no one.
    assert _schema_ref(_response("get", "/api/courses/courses/", "401")) == "ErrorDetail"
    assert _response("get", "/api/courses/courses/", "403") is None
    assert _response("get", "/api/auth/users/", "403") is not None  # admins only
    assert _response("get", "/api/core/health/", "401") is None  # no authentication at all
    # Missing objects, pages past the end, throttles, body size.
    assert _response("get", "/api/courses/lessons/{slug}/", "404") is not None
    assert _response("get", "/api/courses/courses/", "404") is not None
    assert _response("post", "/api/auth/token/", "429") is not None
    assert _response("post", "/api/courses/courses/", "413") is not None
    assert _response("get", "/api/courses/courses/", "413") is None
    assert _response("post", "/api/courses/courses/", "415") is not None
    assert _response("post", "/api/payments/stripe/webhook/", "415") is None  # reads the raw body
    # What only the view's code knows, declared with `schema_errors`.
    assert _schema_ref(_response("delete", "/api/courses/courses/{slug}/", "409")) == "ErrorDetail"
    assert _response("get", "/api/courses/comments/", "403") is not None


def test_a_validation_error_of_no_field_is_a_non_field_errors_map(client_for, admin_user):
    response = client_for(admin_user).get("/api/courses/comments/", {"parent": "not-a-uuid"})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Enter a valid UUID."]}
