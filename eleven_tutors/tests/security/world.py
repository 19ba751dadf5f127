"""The one world every authorisation case runs against, and a client for each role.

A published paid course (a part, a free-preview lesson and a paid lesson with an uploaded
video), a draft course with a part and a lesson, a free course, another tutor's draft, and
around them everything a role can own: an enrolment paid by a completed payment, progress,
a certificate, a review, comments, a community thread with a reply, a report and an
announcement, an onboarding answer, a co-tutor invitation, a university; notifications and
push devices (the enrolled student's and the owner's), two live sessions of the course the
enrolled student registered for (one inside its join window, one days away) and one of the other
tutor's draft, a calendar feed token, a cart item (the student's), coupons (the owner's for the
course, the other tutor's tutor-wide one) and the owner's ledger line for the sale.

Roles (``ROLES``):

- ``anonymous``: no credentials;
- ``user``: signed in, role User, owns nothing;
- ``student``: a student enrolled in nothing;
- ``enrolled``: the student who owns the enrolment, payment, progress, certificate, review,
  comments, thread, reply, report, onboarding answer, a notification, a push device, the
  live-session registrations and the calendar feed;
- ``other_tutor``: a tutor with a draft of their own, invited to co-teach the course;
- ``owner``: the tutor of the course, the drafts, the free course, the video, the coupon and the
  earning; has a notification and a device of their own (someone else's, for the others);
- ``admin``: a superuser.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.utils import timezone

from community import services as community_services
from core.tests.factories import UniversityFactory
from courses.models import TutorInvitation
from courses.tests.factories import (
    CategoryFactory,
    CommentFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    PartFactory,
)
from learning import services as learning_services
from learning.models import LessonProgress
from live import services as live_services
from live.models import LiveSession, Provider, Registration
from notifications.models import Device, Notification, Platform
from payments.models import (
    CartItem,
    Coupon,
    CouponScope,
    EarningEntry,
    EntryKind,
    Order,
    OrderItem,
    Payment,
    PaymentStatus,
)
from users.models import Role
from users.tests.factories import OnboardingAnswerFactory, person
from videos.models import VideoUpload
from videos.providers import local
from videos.storage import video_storage

ROLES = ("anonymous", "user", "student", "enrolled", "other_tutor", "owner", "admin")
VIDEO_ID = "matrixvideo0000001"
VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 2036


def build_world() -> tuple[dict, dict]:
    """(users by role, objects by name): rows in the database, built once per test module."""
    users = {
        "anonymous": None,
        "user": person(Role.USER),
        "student": person(Role.STUDENT),
        "enrolled": person(Role.STUDENT),
        "other_tutor": person(Role.TUTOR),
        "owner": person(Role.TUTOR),
        "admin": person(Role.ADMIN, is_staff=True, is_superuser=True),
    }
    owner, enrolled, other_tutor = users["owner"], users["enrolled"], users["other_tutor"]
    o = {}
    o["category"] = category = CategoryFactory(name="Matrix maths")
    o["course"] = course = CourseFactory(title="Matrix course", tutors=[owner], category=category, price="49.99")
    o["part"] = part = PartFactory(course=course, title="Basics", order=0)
    o["free_lesson"] = free_lesson = LessonFactory(part=part, title="Free preview", order=0, is_free_preview=True)
    o["paid_lesson"] = paid_lesson = LessonFactory(part=part, title="Paid lesson", order=1)
    o["draft"] = draft = CourseFactory(title="Matrix draft", tutors=[owner], is_published=False)
    o["draft_part"] = draft_part = PartFactory(course=draft, title="Draft part", order=0)
    o["draft_lesson"] = LessonFactory(part=draft_part, title="Draft lesson", is_free_preview=True)
    o["free_course"] = CourseFactory(title="Matrix free course", tutors=[owner], price="0.00")
    o["other_draft"] = CourseFactory(title="Other tutor's draft", tutors=[other_tutor], is_published=False)

    # What the enrolled student bought, watched, wrote and earned.
    order = Order.objects.create(user=enrolled, total=Decimal("49.99"), currency="USD")
    OrderItem.objects.create(order=order, course=course, price=Decimal("49.99"))
    o["payment"] = Payment.objects.create(
        user=enrolled,
        order=order,
        amount=Decimal("49.99"),
        currency="USD",
        status=PaymentStatus.COMPLETED,
        completed_at=timezone.now(),
        stripe_payment_intent="pi_matrix_1",
        transaction_id="pi_matrix_1",
    )
    o["enrollment"] = EnrollmentFactory(student=enrolled, course=course)
    o["progress"] = LessonProgress.objects.create(student=enrolled, lesson=paid_lesson, position_seconds=30)
    o["certificate"] = learning_services.certificate_issue(student=enrolled, course=course)
    o["review"] = learning_services.review_create(user=enrolled, course=course, rating=5, text="Clear.")
    o["comment"] = CommentFactory(lesson=paid_lesson, user=enrolled, text="On the paid lesson")
    o["free_comment"] = CommentFactory(lesson=free_lesson, user=enrolled, text="On the preview")
    o["thread"] = thread = community_services.thread_create(
        author=enrolled, course=course, kind="question", title="Why?", body="Because I ask."
    )
    o["reply"] = reply = community_services.reply_create(author=enrolled, thread=thread, body="Because.")
    o["report"], _ = community_services.report_create(reporter=enrolled, post=reply, reason="Spam")
    o["announcement"] = community_services.announcement_create(
        author=owner, course=course, title="Welcome", body="Hello class."
    )
    o["onboarding"] = OnboardingAnswerFactory(user=enrolled)
    o["invitation"] = TutorInvitation.objects.create(course=course, invitee=other_tutor, invited_by=owner)
    o["university"] = UniversityFactory()

    # The owner's uploaded video, on the paid lesson (local provider: our own streaming).
    o["video"] = VideoUpload.objects.create(
        video_id=VIDEO_ID,
        uploader=owner,
        title="Matrix clip",
        provider="local",
        file_key=local.object_key(VIDEO_ID),
        content_type="video/mp4",
        size=len(VIDEO_BYTES),
        uploaded_at=timezone.now() - timedelta(minutes=1),
    )
    type(paid_lesson).objects.filter(pk=paid_lesson.pk).update(video_service_id=VIDEO_ID, video_status="ready")

    # Notifications and push devices: the enrolled student's, and someone else's (the owner's).
    for name, recipient in (("notification", enrolled), ("other_notification", owner)):
        o[name] = Notification.objects.create(
            recipient=recipient, kind="thread_reply", title="A reply", dedupe_key=f"matrix-{name}"
        )
    o["device"] = Device.objects.create(user=enrolled, platform=Platform.ANDROID, token="matrix-device-enrolled")
    o["other_device"] = Device.objects.create(user=owner, platform=Platform.WEB, token="matrix-device-owner")

    # Live sessions of the course (the meeting is an external URL: no meeting service to call),
    # the enrolled student registered for both: one inside its join window, one days away.
    now = timezone.now().replace(microsecond=0)
    for name, starts_in in (("live_session", timedelta(minutes=5)), ("later_session", timedelta(days=2))):
        o[name] = session = LiveSession.objects.create(
            course=course,
            title=f"Matrix {name}",
            starts_at=now + starts_in,
            duration_minutes=60,
            provider=Provider.EXTERNAL,
            external_url="https://meet.example.com/matrix",
            created_by=owner,
        )
        Registration.objects.create(session=session, student=enrolled)
    # A session of another tutor's draft: nobody's business but theirs (and admins').
    o["other_session"] = LiveSession.objects.create(
        course=o["other_draft"],
        title="Other tutor's session",
        starts_at=now + timedelta(days=3),
        duration_minutes=60,
        provider=Provider.EXTERNAL,
        external_url="https://meet.example.com/other",
        created_by=other_tutor,
    )

    # Money: the student (who owns nothing) has the course in their cart; the owner's coupon for
    # the course; the owner's ledger line for the enrolled student's payment.
    o["cart_item"] = CartItem.objects.create(user=users["student"], course=course)
    o["coupon"] = coupon = Coupon.objects.create(
        code="MATRIX10", percent_off=Decimal("10"), scope=CouponScope.COURSES, created_by=owner
    )
    coupon.courses.set([course])
    o["other_coupon"] = Coupon.objects.create(
        code="OTHER5", percent_off=Decimal("5"), scope=CouponScope.TUTOR, tutor=other_tutor, created_by=other_tutor
    )
    o["earning"] = EarningEntry.objects.create(
        tutor=owner,
        kind=EntryKind.SALE,
        amount=Decimal("34.99"),
        currency="USD",
        payment=o["payment"],
        order_item=order.items.get(),
        course=course,
    )
    return users, o


def world_namespace(users: dict, objects: dict, client_for) -> SimpleNamespace:
    """The world as tests see it: ``w.course``, ``w.users["owner"]``, ``w.client("owner")``, and
    a stream token for the paid lesson's video granted to the enrolled student. The video's file
    is written here, into this test's private video storage."""
    video_storage().save(local.object_key(VIDEO_ID), ContentFile(VIDEO_BYTES))
    token = local.stream_token(VIDEO_ID, viewer_id=str(users["enrolled"].pk), ttl=600)
    feed_token = live_services.feed_token_rotate(user=users["enrolled"])  # the enrolled student's calendar
    return SimpleNamespace(
        users=users,
        client=lambda role: client_for(users[role]),
        stream_token=token,
        video_id=VIDEO_ID,
        feed_token=feed_token,
        **objects,
    )
