"""The whole purchase, as the web client and Stripe drive it, over real HTTP to the fake Stripe."""

import base64
import json

import pytest
from django.core.files.base import ContentFile

from courses.tests.factories import CourseFactory, LessonFactory, PartFactory
from payments.models import Payment, PaymentStatus
from payments.tests.conftest import event
from payments.tests.urls import PAYMENTS
from videos.models import VideoUpload
from videos.storage import video_storage

pytestmark = pytest.mark.django_db


VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 4


def test_checkout_webhook_access_refund_revocation(fake_stripe, client_for, student, admin_user, deliver, settings):
    settings.VIDEO_PROVIDER = "local"
    course = CourseFactory(price="19.99")
    tutor = course.tutors.get()
    key = video_storage().save("videos/flow/video.mp4", ContentFile(VIDEO_BYTES))
    VideoUpload.objects.create(video_id="flow-video", uploader=tutor, title="Flow", provider="local", file_key=key)
    lesson = LessonFactory(part=PartFactory(course=course), is_free_preview=False, video_service_id="flow-video")
    client = client_for(student)
    lesson_url = f"/api/courses/lessons/{lesson.slug}/"

    before = client.get(lesson_url).json()
    assert (before["locked"], before["otp"], before["playbackInfo"]) == (True, None, None)

    checkout = client.post(PAYMENTS, {"course_id": str(course.pk)}).json()
    session = fake_stripe.pay(checkout["checkout_session_id"], payment_intent="pi_flow")
    assert deliver(event("checkout.session.completed", session)).status_code == 200

    player = client.get(lesson_url).json()
    assert player["locked"] is False
    assert player["otp"], "an enrolled student gets a playback token"
    stream_url = json.loads(base64.b64decode(player["playbackInfo"]))["url"]
    streamed = client.get(stream_url, HTTP_RANGE="bytes=0-15")
    assert streamed.status_code == 206
    assert b"".join(streamed.streaming_content) == VIDEO_BYTES[:16]
    enrolments = client.get("/api/courses/enrollments/").json()["results"]
    assert [e["course"]["slug"] for e in enrolments] == [course.slug]
    assert enrolments[0]["course"]["is_enrolled"] is True
    assert client.get(PAYMENTS).json()["results"][0]["status"] == PaymentStatus.COMPLETED

    payment = Payment.objects.get()
    assert client_for(admin_user).post(f"{PAYMENTS}{payment.pk}/refund/").status_code == 202
    charge = {"id": "ch_flow", "object": "charge", "payment_intent": "pi_flow", "refunded": True}
    assert deliver(event("charge.refunded", charge)).status_code == 200

    after = client.get(lesson_url).json()
    assert (after["locked"], after["otp"], after["playbackInfo"]) == (True, None, None)
    assert client.get(stream_url, HTTP_RANGE="bytes=0-15").status_code == 403, "the issued link stops too"
    assert client.get("/api/courses/enrollments/").json()["count"] == 0
    assert Payment.objects.get().status == PaymentStatus.REFUNDED


def test_deleting_a_user_keeps_their_payments(fake_stripe, client_for, student):
    course = CourseFactory()
    client = client_for(student)
    client.post(PAYMENTS, {"course_id": str(course.pk)})
    assert client.delete(f"/api/auth/users/{student.pk}/").status_code == 204
    payment = Payment.objects.get()
    assert payment.user is None
    assert payment.amount == course.price
