"""The authorisation table: for every API route and method, what each role gets.

``test_route_matrix.py`` enumerates the URL configuration (DRF routers and plain paths) and
requires one entry here for every route name and every method its view answers; a route or
method without an entry fails with the entry to add. Each entry is sent once per role (in a
savepoint of its own, against the world of ``world.py``) and must get exactly the status given.

How to read an entry::

    "course-detail": {                       # the route's name (as in reverse())
        "GET": [
            Call(expect(200)),               # everyone: 200 (the published course)
            Call(expect(404, owner=200, admin=200), kwargs={"slug": "draft.slug"}, label="draft"),
        ],
        "PATCH": Call(MANAGERS, body={"title": "New"}),
    },

- ``expect(default, role=status, ...)``: the status for every role, ``default`` for those not
  named. Roles: anonymous, user, student, enrolled (owns the student's objects), other_tutor,
  owner (teaches the course), admin; see ``world.py``.
- ``kwargs``: the URL's parameters, as attribute paths into the world (``"course.slug"``,
  ``"payment.pk"``) or functions of it; ``DEFAULT_KWARGS`` gives them per parameter name for
  routes that do not say. Several ``Call``s for one method test several objects (ownership:
  one's own, someone else's, a draft).
- ``body``: the JSON body (or a function of the world returning it); ``query``: the query
  string (or a function of the world); ``check(world, role, response)``: more than the status.

Conventions this table pins (see SECURITY.md): no credentials on a protected route → 401;
signed in without the right → 403; an object the caller may not see (a draft, someone else's
payment, certificate, review or invitation) → 404; an object named in a body the caller cannot
see → 400.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from eleven_tutors.tests.security.world import ROLES


def expect(default: int, **per_role: int) -> dict[str, int]:
    unknown = set(per_role) - set(ROLES)
    assert not unknown, f"unknown roles {sorted(unknown)}; roles are {ROLES}"
    return {role: per_role.get(role, default) for role in ROLES}


@dataclass(frozen=True)
class Call:
    expected: dict[str, int]
    kwargs: dict[str, str | Callable] = field(default_factory=dict)
    body: dict | Callable | None = None
    query: dict | Callable | None = None
    label: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a body sent as is (content type from headers)
    check: Callable | None = None  # check(world, role, response): what the body may show that role


# --- Shapes that recur --------------------------------------------------------------------
PUBLIC = expect(200)
SIGNED_IN = expect(200, anonymous=401)
ADMIN_ONLY = {code: expect(403, anonymous=401, admin=code) for code in (200, 201, 202, 204, 405)}
MANAGERS = {code: expect(403, anonymous=401, owner=code, admin=code) for code in (200, 201, 204)}
TUTORS = {code: expect(403, anonymous=401, other_tutor=code, owner=code, admin=code) for code in (200, 201)}
MANAGERS_OF_DRAFT = {code: expect(404, anonymous=401, owner=code, admin=code) for code in (200, 204)}
VISIBLE_TO_MANAGERS = expect(404, owner=200, admin=200)
NOT_OFFERED = expect(405, anonymous=401)  # the router binds PUT; the view offers PATCH only
OWN_ONLY = {code: expect(404, anonymous=401, enrolled=code) for code in (200, 204)}  # the enrolled student's
OWN_OR_ADMIN = {200: expect(404, anonymous=401, enrolled=200, admin=200)}
# May watch the paid lesson: its active student, its tutor, admins.
WATCHERS = expect(200, anonymous=401, user=403, student=403, other_tutor=403)
INVITEE_ONLY = expect(404, anonymous=401, other_tutor=200)  # someone else's invitation does not exist for you
# Community: members are the course's active students, its tutors and admins.
MEMBERS = {code: expect(403, anonymous=401, enrolled=code, owner=code, admin=code) for code in (200, 201)}
MODERATORS = expect(403, anonymous=401, owner=200, admin=200)
MODERATORS_CREATE = expect(403, anonymous=401, owner=201, admin=201)
AUTHOR_ONLY = expect(403, anonymous=401, enrolled=200)  # the enrolled student wrote the posts
AUTHOR_OR_MODERATOR = expect(403, anonymous=401, enrolled=204, owner=204, admin=204)


def playback_only_for_watchers(w, role: str, response) -> None:
    """The paid lesson's page: the video's secrets for those who may watch, to no one else."""
    data = response.json()
    may_watch = role in ("enrolled", "owner", "admin")
    assert data["locked"] is (not may_watch), f"{role}: locked={data['locked']}"
    assert (data["otp"] is not None) is may_watch, f"{role}: otp={'set' if data['otp'] else None}"
    assert (data["playbackInfo"] is not None) is may_watch, f"{role}: playbackInfo={data['playbackInfo']!r}"


def _answered(check: Callable) -> Callable:
    """A check of what a successful answer shows (refusals carry only their detail)."""

    def checked(w, role: str, response) -> None:
        if response.status_code < 300:
            check(w, role, response)

    checked.__name__ = check.__name__
    return checked


def _ids(response) -> set:
    data = response.json()
    rows = data["results"] if isinstance(data, dict) and "results" in data else data
    return {row["id"] for row in rows}


@_answered
def only_own_notifications(w, role: str, response) -> None:
    """The inbox is the caller's: the enrolled student's notification to them only, the owner's to the owner."""
    ids = _ids(response)
    assert (w.notification.pk in ids) is (role == "enrolled"), f"{role}: sees the enrolled student's: {ids}"
    assert (w.other_notification.pk in ids) is (role == "owner"), f"{role}: sees the owner's: {ids}"


@_answered
def only_own_devices(w, role: str, response) -> None:
    ids = _ids(response)
    assert (w.device.pk in ids) is (role == "enrolled"), f"{role}: sees the enrolled student's device: {ids}"
    assert (w.other_device.pk in ids) is (role == "owner"), f"{role}: sees the owner's device: {ids}"


@_answered
def external_url_for_managers(w, role: str, response) -> None:
    """The session's external URL is the course's tutors' and admins' (students get it from join/)."""
    shown = response.json()["external_url"]
    assert (shown is not None) is (role in ("owner", "admin")), f"{role}: external_url={shown!r}"


@_answered
def sessions_of_ones_courses(w, role: str, response) -> None:
    """The list: the sessions of the courses one takes part in, the external URL only to their managers."""
    rows = response.json()["results"]
    seen = {row["id"] for row in rows}
    ours = {w.live_session.pk, w.later_session.pk}
    expected = {
        "enrolled": ours,
        "owner": ours,
        "other_tutor": {w.other_session.pk},
        "admin": ours | {w.other_session.pk},
    }.get(role, set())
    assert seen == expected, f"{role}: sees sessions {seen}, expected {expected}"
    for row in rows:
        manages = role == "admin" or (role, row["course"]["id"]) in {
            ("owner", str(w.course.pk)),
            ("other_tutor", str(w.other_draft.pk)),
        }
        assert "join_url" not in row, f"{role}: a join URL in the list"
        assert (row["external_url"] is not None) is manages, f"{role}: external_url={row['external_url']!r}"


@_answered
def feed_of_the_enrolled(w, role: str, response) -> None:
    """The feed token is the key: whoever sends it gets the enrolled student's sessions, no one else's."""
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and w.live_session.title in body, body[:200]
    assert w.other_session.title not in body, f"{role}: another tutor's session in the feed"


@_answered
def no_drafts_suggested(w, role: str, response) -> None:
    labels = [row["label"] for row in response.json()["results"]]
    assert w.course.title in labels, f"{role}: {labels}"
    assert w.draft.title not in labels and w.other_draft.title not in labels, f"{role}: a draft suggested: {labels}"


@_answered
def no_draft_lessons(w, role: str, response) -> None:
    slugs = [row["lesson"]["slug"] for row in response.json()["results"]]
    assert w.paid_lesson.slug in slugs, f"{role}: {slugs}"
    assert w.draft_lesson.slug not in slugs, f"{role}: a draft's lesson found: {slugs}"


@_answered
def own_cart(w, role: str, response) -> None:
    courses = [item["course"]["id"] for item in response.json()["items"]]
    assert courses == ([str(w.course.pk)] if role == "student" else []), f"{role}: cart {courses}"


@_answered
def managed_coupons(w, role: str, response) -> None:
    ids = _ids(response)
    assert (w.coupon.pk in ids) is (role in ("owner", "admin")), f"{role}: the owner's coupon: {ids}"
    assert (w.other_coupon.pk in ids) is (role in ("other_tutor", "admin")), f"{role}: the other's coupon: {ids}"


@_answered
def own_earnings(w, role: str, response) -> None:
    balances = {row["currency"]: row["balance"] for row in response.json()["currencies"]}
    assert balances == ({"USD": "34.99"} if role == "owner" else {}), f"{role}: {balances}"


@_answered
def own_ledger(w, role: str, response) -> None:
    ids = _ids(response)
    assert ids == ({w.earning.pk} if role == "owner" else set()), f"{role}: ledger {ids}"


# URL parameters by name, for routes whose entry does not give them.
DEFAULT_KWARGS: dict[str, str | Callable] = {
    "course_slug": "course.slug",
    "verification_code": "certificate.verification_code",
    "video_id": "video_id",
    "token": "stream_token",
    "thread_pk": "thread.pk",
}

# Routes not in the table, with the reason. Everything under these prefixes is skipped.
SKIPPED_PREFIXES: dict[str, str] = {
    "admin/": "the Django admin: staff sessions, CSRF forms (tests: */tests/test_admin.py and the browser test)",
    "media/": "static file serving of the embedded default's public media (no API, no authorisation)",
}

ROUTES: dict[str, dict[str, Call | list[Call]]] = {
    # --- Accounts (users/) ------------------------------------------------------------------
    "token-obtain": {
        "POST": Call(expect(401), body=lambda w: {"email": w.users["owner"].email, "password": "wrong-pass-1"})
    },
    "token-refresh": {"POST": Call(expect(401), body={"refresh": "not-a-token"})},
    "token-verify": {"POST": Call(expect(401), body={"token": "not-a-token"})},
    "logout": {"POST": Call(expect(400, anonymous=401), body={"refresh": "not-a-token"})},
    "user-list": {
        "GET": Call(ADMIN_ONLY[200]),
        "POST": Call(
            expect(201),  # registration is open to anyone; the new account is a plain user
            body={
                "email": "new-matrix@example.com",
                "password": "analytical-engine-1843",
                "first_name": "N",
                "last_name": "M",
            },
        ),
    },
    "user-me": {
        "GET": Call(SIGNED_IN),
        "PATCH": Call(SIGNED_IN, body={"first_name": "Ada"}),
    },
    "user-password": {
        "POST": Call(
            expect(400, anonymous=401),  # wrong old password
            body={"old_password": "wrong-pass-1", "new_password": "analytical-engine-1843"},
        )
    },
    "user-detail": {
        # Someone else's account does not exist for you (404); your own and admins: yes.
        "GET": Call(expect(404, anonymous=401, enrolled=200, admin=200), kwargs={"pk": "users.enrolled.pk"}),
        "PATCH": Call(
            expect(404, anonymous=401, enrolled=200, admin=200),
            kwargs={"pk": "users.enrolled.pk"},
            body={"first_name": "A"},
        ),
        "DELETE": Call(expect(404, anonymous=401, student=204, admin=204), kwargs={"pk": "users.student.pk"}),
    },
    "tutor-list": {
        "GET": Call(PUBLIC),
        "POST": Call(
            expect(201),  # tutor sign-up is open; the account waits for e-mail verification
            body={
                "email": "new-tutor@example.com",
                "password": "analytical-engine-1843",
                "first_name": "N",
                "last_name": "T",
            },
        ),
    },
    "tutor-me": {"GET": Call(TUTORS[200]), "PATCH": Call(TUTORS[200], body={"bio": "Teaches."})},
    "email-verify": {"POST": Call(expect(400), body={"token": "not-a-token"})},
    "email-resend": {"POST": Call(SIGNED_IN, body={"email": "nobody@example.com"})},
    "password-reset": {
        "POST": Call(
            expect(204),  # the same answer whether the address exists or not
            body={"email": "nobody@example.com"},
        )
    },
    "password-reset-confirm": {
        "POST": Call(expect(400), body={"uid": "x", "token": "y", "new_password": "analytical-engine-1843"})
    },
    "onboarding-answer-list": {
        "GET": Call(SIGNED_IN),  # one's own answers only
        "POST": Call(expect(201, anonymous=401), body={"degree": "BSc", "graduation_year": 2027, "interests": "maths"}),
    },
    "onboarding-answer-detail": {
        "GET": Call(OWN_ONLY[200], kwargs={"pk": "onboarding.pk"}),
        "PUT": Call(  # not offered (PATCH is)
            expect(405, anonymous=401), kwargs={"pk": "onboarding.pk"}, body={"degree": "MSc", "graduation_year": 2028}
        ),
        "PATCH": Call(OWN_ONLY[200], kwargs={"pk": "onboarding.pk"}, body={"degree": "MSc"}),
        "DELETE": Call(OWN_ONLY[204], kwargs={"pk": "onboarding.pk"}),
    },
    # --- Finding courses (courses/ search) ---------------------------------------------------------
    # Public; drafts never appear, whoever asks (their tutor and admins included).
    "search-suggest": {
        "GET": [
            Call(PUBLIC, query={"q": "Matrix"}, check=no_drafts_suggested),
            Call(PUBLIC, query={"q": ""}, label="blank"),
            Call(expect(400), query={"q": "x" * 201}, label="too long"),
        ]
    },
    "search-lessons": {
        "GET": [
            Call(PUBLIC, query={"q": "lesson"}, check=no_draft_lessons),
            Call(expect(400), query={"q": "x" * 201}, label="too long"),
        ]
    },
    # --- Tutor figures (analytics/) ---------------------------------------------------------------
    "tutor-quick-statistics": {"GET": Call(TUTORS[200])},
    "tutor-courses": {"GET": Call(TUTORS[200])},
    "tutor-analytics": {"GET": Call(TUTORS[200])},
    "course-statistics": {
        "GET": [
            Call(MANAGERS[200], kwargs={"slug": "course.slug"}),
            Call(MANAGERS_OF_DRAFT[200], kwargs={"slug": "draft.slug"}, label="draft"),
        ]
    },
    # --- Learning (learning/) ----------------------------------------------------------------------
    "lesson-progress": {
        "POST": Call(WATCHERS, kwargs={"slug": "paid_lesson.slug"}, body={"position_seconds": 42}),
    },
    "course-progress": {"GET": Call(WATCHERS, kwargs={"slug": "course.slug"})},
    "course-review-list": {
        "GET": Call(PUBLIC),
        # Only active students review; the enrolled student has reviewed already (one each).
        "POST": Call(expect(403, anonymous=401, enrolled=409), body={"rating": 4, "text": "Good."}),
    },
    "course-review-detail": {
        "GET": Call(PUBLIC, kwargs={"pk": "review.pk"}),
        "PATCH": Call(expect(403, anonymous=401, enrolled=200), kwargs={"pk": "review.pk"}, body={"rating": 3}),
        "DELETE": Call(expect(403, anonymous=401, enrolled=204, admin=204), kwargs={"pk": "review.pk"}),
    },
    "certificate-verify": {"GET": Call(PUBLIC)},  # anyone may check a code
    "certificate-list": {"GET": Call(SIGNED_IN)},  # one's own
    "certificate-detail": {"GET": Call(OWN_OR_ADMIN[200], kwargs={"pk": "certificate.pk"})},
    # --- Catalog (courses/) ----------------------------------------------------------------------
    "category-list": {"GET": Call(PUBLIC), "POST": Call(ADMIN_ONLY[201], body={"name": "Brand new"})},
    "category-detail": {
        "GET": Call(PUBLIC, kwargs={"id_or_slug": "category.slug"}),
        "PUT": Call(ADMIN_ONLY[405], kwargs={"id_or_slug": "category.slug"}, body={"name": "Renamed"}),
        "PATCH": Call(ADMIN_ONLY[200], kwargs={"id_or_slug": "category.slug"}, body={"name": "Renamed"}),
        "DELETE": Call(ADMIN_ONLY[204], kwargs={"id_or_slug": "category.slug"}),
    },
    "course-list": {
        "GET": Call(PUBLIC),
        "POST": Call(TUTORS[201], body={"title": "Matrix new course", "price": "10.00"}),
    },
    "course-detail": {
        "GET": [
            Call(PUBLIC, kwargs={"slug": "course.slug"}),
            Call(VISIBLE_TO_MANAGERS, kwargs={"slug": "draft.slug"}, label="draft"),
        ],
        "PUT": Call(
            NOT_OFFERED, kwargs={"slug": "course.slug"}, body={"title": "T", "description": "d", "price": "5.00"}
        ),
        "PATCH": [
            Call(MANAGERS[200], kwargs={"slug": "course.slug"}, body={"title": "New title"}),
            Call(MANAGERS_OF_DRAFT[200], kwargs={"slug": "draft.slug"}, body={"title": "New title"}, label="draft"),
        ],
        "DELETE": [
            # Enrolled students: tutors unpublish instead; bought: payment records are kept (admins too).
            Call(expect(403, anonymous=401, owner=409, admin=409), kwargs={"slug": "course.slug"}, label="sold"),
            Call(MANAGERS_OF_DRAFT[204], kwargs={"slug": "draft.slug"}, label="draft"),
        ],
    },
    "course-part-list": {
        "GET": Call(TUTORS[200]),  # a tutor's own parts
        "POST": [
            Call(MANAGERS[201], body=lambda w: {"course": str(w.course.pk), "title": "Matrix part", "order": 1}),
            Call(  # a draft named in the body: "Invalid id" for those who cannot see it
                expect(400, anonymous=401, owner=201, admin=201),
                body=lambda w: {"course": str(w.draft.pk), "title": "Matrix part", "order": 1},
                label="draft",
            ),
        ],
    },
    "course-part-detail": {
        "GET": [
            Call(PUBLIC, kwargs={"slug": "part.slug"}),
            Call(VISIBLE_TO_MANAGERS, kwargs={"slug": "draft_part.slug"}, label="draft"),
        ],
        "PUT": Call(
            NOT_OFFERED, kwargs={"slug": "part.slug"}, body=lambda w: {"course": str(w.course.pk), "title": "P"}
        ),
        "PATCH": Call(MANAGERS[200], kwargs={"slug": "part.slug"}, body={"title": "Renamed part"}),
        "DELETE": Call(MANAGERS[204], kwargs={"slug": "part.slug"}),
    },
    "lesson-list": {
        "GET": Call(TUTORS[200]),  # a tutor's own lessons
        "POST": Call(MANAGERS[201], body=lambda w: {"part": str(w.part.pk), "title": "Matrix lesson", "duration": 60}),
    },
    "lesson-detail": {
        "GET": [
            Call(PUBLIC, kwargs={"slug": "free_lesson.slug"}, label="free preview"),
            # The page is public; the video's secrets only for those who may watch (checked).
            Call(PUBLIC, kwargs={"slug": "paid_lesson.slug"}, label="paid", check=playback_only_for_watchers),
            Call(VISIBLE_TO_MANAGERS, kwargs={"slug": "draft_lesson.slug"}, label="draft"),
        ],
        "PUT": Call(
            NOT_OFFERED, kwargs={"slug": "paid_lesson.slug"}, body=lambda w: {"part": str(w.part.pk), "title": "L"}
        ),
        "PATCH": Call(MANAGERS[200], kwargs={"slug": "paid_lesson.slug"}, body={"title": "Renamed lesson"}),
        "DELETE": Call(MANAGERS[204], kwargs={"slug": "paid_lesson.slug"}),
    },
    "comment-list": {
        # A paid lesson's comments: those who may watch it.
        "GET": Call(WATCHERS, query=lambda w: {"lesson": str(w.paid_lesson.pk)}),
        "POST": Call(
            expect(403, anonymous=401, enrolled=201, owner=201, admin=201),
            body=lambda w: {"lesson": str(w.paid_lesson.pk), "text": "A question."},
        ),
    },
    "comment-detail": {
        "GET": Call(expect(404, enrolled=200, owner=200, admin=200), kwargs={"pk": "comment.pk"}),
        "PUT": Call(
            NOT_OFFERED, kwargs={"pk": "comment.pk"}, body=lambda w: {"lesson": str(w.paid_lesson.pk), "text": "E"}
        ),
        # Authors edit their words; authors, the course's tutors and admins delete.
        "PATCH": Call(
            expect(404, anonymous=401, enrolled=200, owner=403, admin=403),
            kwargs={"pk": "comment.pk"},
            body={"text": "E."},
        ),
        "DELETE": Call(expect(404, anonymous=401, enrolled=204, owner=204, admin=204), kwargs={"pk": "comment.pk"}),
    },
    "enrollment-list": {
        "GET": Call(SIGNED_IN),  # one's own
        "POST": [
            Call(expect(201, anonymous=401), body=lambda w: {"course": str(w.free_course.pk)}, label="free course"),
            # Paid: through checkout (402); already enrolled: the enrolment (200).
            Call(expect(402, anonymous=401, enrolled=200), body=lambda w: {"course": str(w.course.pk)}, label="paid"),
        ],
    },
    "enrollment-detail": {"GET": Call(OWN_OR_ADMIN[200], kwargs={"pk": "enrollment.pk"})},
    "tutor-invitation-list": {"GET": Call(SIGNED_IN)},  # one's own
    "tutor-invitation-accept": {"POST": Call(INVITEE_ONLY, kwargs={"pk": "invitation.pk"})},
    "tutor-invitation-decline": {"POST": Call(INVITEE_ONLY, kwargs={"pk": "invitation.pk"})},
    # --- Video (videos/) -----------------------------------------------------------------------------
    "video-upload-credentials": {"POST": Call(TUTORS[200], body={"title": "My clip"})},
    "video-otp": {"GET": Call(expect(404, enrolled=200, owner=200, admin=200))},  # the paid lesson's video
    # Authorised by the signed policy of upload-credentials, not by a Bearer: none here (415: no form).
    "video-local-upload": {"POST": Call(expect(415), body={})},
    # A stream token is bound to its viewer: another signed-in user is refused; a <video> element
    # sends no Authorization header, so an unidentified request with the token plays.
    "video-local-stream": {"GET": Call(expect(403, anonymous=200, enrolled=200))},
    # --- Payments (payments/) ----------------------------------------------------------------------
    "stripe-webhook": {
        "POST": Call(
            expect(400),  # no Stripe signature, whoever sends it
            raw=b"{}",
            headers={"content-type": "application/json"},
        )
    },
    "stripe-webhook-alias": {"POST": Call(expect(400), raw=b"{}", headers={"content-type": "application/json"})},
    "payment-list": {
        "GET": Call(SIGNED_IN),  # one's own
        # A checkout (against the fake Stripe); already enrolled: 409 with no new payment.
        "POST": Call(expect(200, anonymous=401, enrolled=409), body=lambda w: {"course_id": str(w.course.pk)}),
    },
    "payment-detail": {"GET": Call(OWN_OR_ADMIN[200], kwargs={"pk": "payment.pk"})},
    "payment-refund": {
        "POST": [
            Call(ADMIN_ONLY[202], kwargs={"pk": "payment.pk"}),
            Call(ADMIN_ONLY[202], kwargs={"pk": "payment.pk"}, body=lambda w: {"course_ids": [str(w.course.pk)]}),
            Call(  # a course the order does not hold
                expect(403, anonymous=401, admin=400),
                kwargs={"pk": "payment.pk"},
                body=lambda w: {"course_ids": [str(w.free_course.pk)]},
                label="not in the order",
            ),
        ]
    },
    # Cart (every role has a cart of its own; the student's holds the course).
    "cart": {"GET": Call(SIGNED_IN, check=own_cart)},
    "cart-items": {
        "POST": [
            # 200: already there; 409: owned already; 400: taught by the caller.
            Call(
                expect(201, anonymous=401, student=200, enrolled=409, owner=400),
                body=lambda w: {"course_id": str(w.course.pk)},
            ),
            Call(expect(404, anonymous=401), body=lambda w: {"course_id": str(w.draft.pk)}, label="draft"),
        ]
    },
    "cart-item": {"DELETE": Call(expect(404, anonymous=401, student=204), kwargs={"course_id": "course.pk"})},
    # Only the student's cart has something to buy (against the fake Stripe); an empty cart is a 400.
    "cart-checkout": {"POST": Call(expect(400, anonymous=401, student=200), body={})},
    "quote": {
        "POST": [
            Call(SIGNED_IN, body=lambda w: {"course_ids": [str(w.course.pk)]}),
            Call(expect(400, anonymous=401), body=lambda w: {"course_ids": [str(w.draft.pk)]}, label="draft"),
        ]
    },
    # Coupons: tutors manage those of their courses (and their own tutor-wide ones), admins all.
    "coupon-list": {
        "GET": Call(TUTORS[200], check=managed_coupons),
        # A tutor creates coupons for the courses they teach only (403 for another's course).
        "POST": Call(
            expect(403, anonymous=401, owner=201, admin=201),
            body=lambda w: {"code": "MATRIXNEW", "percent_off": "15", "courses": [str(w.course.pk)]},
        ),
    },
    "coupon-detail": {
        "GET": [
            Call(expect(403, anonymous=401, other_tutor=404, owner=200, admin=200), kwargs={"pk": "coupon.pk"}),
            Call(
                expect(403, anonymous=401, other_tutor=200, owner=404, admin=200),
                kwargs={"pk": "other_coupon.pk"},
                label="another tutor's",
            ),
        ],
        "PUT": Call(  # not offered (PATCH is); tutors get past the permission to the 405
            expect(403, anonymous=401, other_tutor=405, owner=405, admin=405),
            kwargs={"pk": "coupon.pk"},
            body={"code": "X", "percent_off": "5"},
        ),
        "PATCH": Call(
            expect(403, anonymous=401, other_tutor=404, owner=200, admin=200),
            kwargs={"pk": "coupon.pk"},
            body={"max_redemptions": 5},
        ),
        "DELETE": Call(expect(403, anonymous=401, other_tutor=404, owner=204, admin=204), kwargs={"pk": "coupon.pk"}),
    },
    # A tutor's own earnings (tutors and admins; others 403).
    "tutor-earnings": {"GET": Call(TUTORS[200], check=own_earnings)},
    "tutor-earning-entries": {"GET": Call(TUTORS[200], check=own_ledger)},
    # --- Community (community/) ---------------------------------------------------------------------
    "community-thread-replies": {"GET": Call(MEMBERS[200]), "POST": Call(MEMBERS[201], body={"body": "Me too."})},
    "community-thread-list": {
        "GET": Call(MEMBERS[200], query=lambda w: {"course": w.course.slug}),
        "POST": Call(MEMBERS[201], body=lambda w: {"course": str(w.course.pk), "title": "How is it?", "body": "b"}),
    },
    "community-thread-unanswered-count": {"GET": Call(MANAGERS[200], query=lambda w: {"course": w.course.slug})},
    "community-thread-detail": {
        "GET": Call(MEMBERS[200], kwargs={"pk": "thread.pk"}),
        "PATCH": Call(AUTHOR_ONLY, kwargs={"pk": "thread.pk"}, body={"title": "Edited"}),
        "DELETE": Call(AUTHOR_OR_MODERATOR, kwargs={"pk": "thread.pk"}),
    },
    # The thread's author, the course's tutors and admins accept an answer.
    "community-thread-accept": {
        "POST": Call(
            expect(403, anonymous=401, enrolled=200, owner=200, admin=200),
            kwargs={"pk": "thread.pk"},
            body=lambda w: {"reply_id": w.reply.pk},
        )
    },
    "community-thread-hide": {"POST": Call(MODERATORS, kwargs={"pk": "thread.pk"}, body={"value": True})},
    "community-thread-lock": {"POST": Call(MODERATORS, kwargs={"pk": "thread.pk"}, body={"value": True})},
    "community-thread-pin": {"POST": Call(MODERATORS, kwargs={"pk": "thread.pk"}, body={"value": True})},
    "community-thread-report": {"POST": Call(MEMBERS[201], kwargs={"pk": "thread.pk"}, body={"reason": "Off topic"})},
    "community-thread-vote": {"POST": Call(MEMBERS[200], kwargs={"pk": "thread.pk"}, body={"value": 1})},
    "community-reply-detail": {
        "PATCH": Call(AUTHOR_ONLY, kwargs={"pk": "reply.pk"}, body={"body": "Edited."}),
        "DELETE": Call(AUTHOR_OR_MODERATOR, kwargs={"pk": "reply.pk"}),
    },
    "community-reply-hide": {"POST": Call(MODERATORS, kwargs={"pk": "reply.pk"}, body={"value": True})},
    # The enrolled student reported this reply already: their open report (200, one row).
    "community-reply-report": {
        "POST": Call(
            expect(403, anonymous=401, enrolled=200, owner=201, admin=201),
            kwargs={"pk": "reply.pk"},
            body={"reason": "Off topic"},
        )
    },
    "community-reply-vote": {"POST": Call(MEMBERS[200], kwargs={"pk": "reply.pk"}, body={"value": 1})},
    "community-report-list": {"GET": Call(TUTORS[200], query=lambda w: {"course": w.course.slug})},
    # A report of another tutor's course does not exist for a tutor (404); moderators resolve.
    "community-report-resolve": {
        "POST": Call(
            expect(403, anonymous=401, other_tutor=404, owner=200, admin=200),
            kwargs={"pk": "report.pk"},
            body={"action": "dismiss"},
        )
    },
    "community-announcement-list": {
        "GET": Call(MEMBERS[200], query=lambda w: {"course": w.course.slug}),
        "POST": Call(
            MODERATORS_CREATE, body=lambda w: {"course": str(w.course.pk), "title": "News today", "body": "b"}
        ),
    },
    "community-announcement-detail": {
        "GET": Call(MEMBERS[200], kwargs={"pk": "announcement.pk"}),
        "PATCH": Call(MANAGERS[200], kwargs={"pk": "announcement.pk"}, body={"title": "Edited"}),
        "DELETE": Call(MANAGERS[204], kwargs={"pk": "announcement.pk"}),
    },
    # --- Live sessions (live/) ----------------------------------------------------------------------
    # A session exists for its course's tutors and admins, and for its active students (published
    # course); the invited (not yet co-teaching) tutor and the others: 404. Managing is the course's
    # tutors' and admins' (the enrolled student, who sees it: 403).
    "live-session-list": {
        "GET": [
            Call(SIGNED_IN, check=sessions_of_ones_courses),
            # A published course's upcoming sessions are public (the course page).
            Call(PUBLIC, query=lambda w: {"course": w.course.slug, "upcoming": "true"}, label="public upcoming"),
            # A draft's sessions: its tutor's and admins'; anonymous too: 404.
            Call(
                expect(404, other_tutor=200, admin=200),
                query=lambda w: {"course": w.other_draft.slug, "upcoming": "true"},
                label="draft upcoming",
            ),
        ],
        "POST": [
            Call(
                MANAGERS[201],
                body=lambda w: {
                    "course": str(w.course.pk),
                    "title": "Matrix new",
                    "starts_at": (timezone.now() + timedelta(days=30)).isoformat(),
                    "duration_minutes": 60,
                    "external_url": "https://meet.example.com/new",
                },
            ),
            Call(  # a course the caller cannot see is an invalid id in the body
                expect(400, anonymous=401, other_tutor=201, admin=201),
                body=lambda w: {
                    "course": str(w.other_draft.pk),
                    "title": "Matrix new",
                    "starts_at": (timezone.now() + timedelta(days=30)).isoformat(),
                    "duration_minutes": 60,
                    "external_url": "https://meet.example.com/new",
                },
                label="draft",
            ),
        ],
    },
    "live-session-detail": {
        "GET": [
            Call(
                expect(404, anonymous=401, enrolled=200, owner=200, admin=200),
                kwargs={"pk": "live_session.pk"},
                check=external_url_for_managers,
            ),
            Call(
                expect(404, anonymous=401, other_tutor=200, admin=200),
                kwargs={"pk": "other_session.pk"},
                label="another tutor's draft",
            ),
        ],
        "PATCH": Call(
            expect(404, anonymous=401, enrolled=403, owner=200, admin=200),
            kwargs={"pk": "live_session.pk"},
            body={"title": "Renamed"},
        ),
        "DELETE": Call(
            expect(404, anonymous=401, enrolled=403, owner=204, admin=204), kwargs={"pk": "live_session.pk"}
        ),
    },
    "live-session-attendance": {
        "GET": Call(expect(404, anonymous=401, enrolled=403, owner=200, admin=200), kwargs={"pk": "live_session.pk"})
    },
    "live-session-ics": {
        "GET": Call(expect(404, anonymous=401, enrolled=200, owner=200, admin=200), kwargs={"pk": "live_session.pk"})
    },
    # Inside the window: the registered student, and the course's tutors and admins (moderators).
    "live-session-join": {
        "GET": [
            Call(expect(404, anonymous=401, enrolled=200, owner=200, admin=200), kwargs={"pk": "live_session.pk"}),
            Call(
                expect(404, anonymous=401, enrolled=403, owner=403, admin=403),
                kwargs={"pk": "later_session.pk"},
                label="before the window",
            ),
        ]
    },
    "live-session-register": {
        # Only active students register (the enrolled student is already: 200); tutors and admins 403.
        "POST": Call(expect(404, anonymous=401, enrolled=200, owner=403, admin=403), kwargs={"pk": "live_session.pk"}),
        # Giving the place back is idempotent: 204 for whoever sees the session, registered or not.
        "DELETE": Call(
            expect(404, anonymous=401, enrolled=204, owner=204, admin=204), kwargs={"pk": "live_session.pk"}
        ),
    },
    "live-calendar-token": {"POST": Call(SIGNED_IN)},
    # No login: the token is the key (whoever holds it gets that feed); an unknown token is a 404.
    "live-calendar-feed": {
        "GET": [
            Call(PUBLIC, query=lambda w: {"token": w.feed_token}, check=feed_of_the_enrolled),
            Call(expect(404), query={"token": "not-a-token"}, label="unknown token"),
        ]
    },
    # --- Notifications (notifications/) -------------------------------------------------------------
    # One's own inbox, preferences and devices; someone else's notification or device: 404 (admins too).
    "notification-list": {"GET": Call(SIGNED_IN, check=only_own_notifications)},
    "notification-unread-count": {"GET": Call(SIGNED_IN)},
    "notification-read-all": {"POST": Call(SIGNED_IN)},
    "notification-read": {
        "POST": [
            Call(OWN_ONLY[200], kwargs={"notification_id": "notification.pk"}),
            Call(
                expect(404, anonymous=401, owner=200),
                kwargs={"notification_id": "other_notification.pk"},
                label="the owner's",
            ),
        ]
    },
    "notification-detail": {
        "DELETE": [
            Call(OWN_ONLY[204], kwargs={"notification_id": "notification.pk"}),
            Call(
                expect(404, anonymous=401, owner=204),
                kwargs={"notification_id": "other_notification.pk"},
                label="the owner's",
            ),
        ]
    },
    "notification-preferences": {
        "GET": Call(SIGNED_IN),
        "PATCH": Call(SIGNED_IN, body={"thread_reply": {"push": False}}),
    },
    "notification-device-list": {
        "GET": Call(SIGNED_IN, check=only_own_devices),
        "POST": Call(expect(201, anonymous=401), body={"platform": "android", "token": "matrix-new-device"}),
    },
    "notification-device": {
        "DELETE": [
            Call(OWN_ONLY[204], kwargs={"device_id": "device.pk"}),
            Call(expect(404, anonymous=401, owner=204), kwargs={"device_id": "other_device.pk"}, label="the owner's"),
        ]
    },
    # --- Platform (core/, docs, metrics) ----------------------------------------------------------
    "health": {"GET": Call(PUBLIC)},
    "ready": {"GET": Call(PUBLIC)},
    "university-list": {"GET": Call(PUBLIC)},
    "university-detail": {"GET": Call(PUBLIC, kwargs={"pk": "university.pk"})},
    "prometheus-metrics": {"GET": Call(expect(403))},  # token or allowed IP only (core.observability)
    "schema": {"GET": Call(PUBLIC)},
    "swagger-ui": {"GET": Call(PUBLIC)},
    "redoc": {"GET": Call(PUBLIC)},
}
