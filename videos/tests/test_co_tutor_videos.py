"""Co-tutors and other tutors' videos (issue 10, "another tutor's video can be attached via a
temporary co-tutor"): a video is attached only by the tutor who asked for its upload credentials
(or an admin); teaching the course, even as a co-tutor, is not enough. A lesson keeps its video
when the course's tutors change, and re-saving it unchanged is not refused. (The invitations
themselves: courses/tests/test_co_tutors.py.)
"""

from __future__ import annotations

import pytest

from courses.tests.co_tutoring import answer, pending, set_tutors, tutor_ids
from courses.tests.contract import ok
from courses.tests.urls import LESSONS
from users.models import Role
from users.tests.factories import person
from videos.models import VideoUpload
from videos.tests.fake_vdocipher import OTP, PLAYBACK_INFO
from videos.tests.urls import CREDENTIALS

pytestmark = pytest.mark.django_db


# --- Attaching another tutor's video ------------------------------------------------------------------


def test_the_temporary_co_tutor_attack_leaves_the_lesson_without_the_uploaders_video(
    b_course, vdo, client_for, django_capture_on_commit_callbacks
):
    a, b, course, lesson = b_course
    vdo.serve_upload("avideo000001")
    vdo.serve_video("avideo000001", status="ready", length=60)
    vdo.serve_otp()
    # A asks for upload credentials for a video of their own.
    ok(client_for(a).post(CREDENTIALS, {"title": "A's lecture"}, format="json"), 200)
    assert VideoUpload.objects.get(video_id="avideo000001").uploader == a

    # B adds A to B's course: an invitation, not a tutor. Even once A has accepted...
    ok(set_tutors(client_for(b), course, b, a), 200)
    assert tutor_ids(course) == {b.pk}, "an invitee does not teach before accepting"
    ok(answer(client_for(a), pending(course, a), "accept"), 200)
    assert tutor_ids(course) == {a.pk, b.pk}

    # ...B may not attach A's video, though A co-teaches the course at that moment.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(b).patch(f"{LESSONS}{lesson.slug}/", {"video_service_id": "avideo000001"}, format="json")
    data = ok(response, 400)
    assert set(data) == {"video_service_id"}, data
    assert "uploaded" in data["video_service_id"][0], data

    # B removes A again (immediate) and anonymous visitors get nothing of A's video.
    ok(set_tutors(client_for(b), course, b), 200)
    assert tutor_ids(course) == {b.pk}
    lesson.refresh_from_db()
    assert lesson.video_service_id is None
    player = ok(client_for(None).get(f"{LESSONS}{lesson.slug}/"), 200)
    assert (player["locked"], player["otp"], player["playbackInfo"]) == (False, None, None), player
    assert vdo.otp_requests() == [], "no playback of A's video was ever asked for"


def test_a_co_tutor_attaches_their_own_upload_in_the_course_they_co_teach(
    b_course, vdo, client_for, django_capture_on_commit_callbacks
):
    a, b, course, lesson = b_course
    course.tutors.add(a)
    VideoUpload.objects.create(video_id="avideo000002", uploader=a, title="A's", provider="vdocipher")
    VideoUpload.objects.create(video_id="bvideo000002", uploader=b, title="B's", provider="vdocipher")
    vdo.serve_video("avideo000002", status="ready", length=60)
    body = {"part": str(lesson.part_id), "title": "Created with a video"}

    refused = client_for(a).post(LESSONS, {**body, "video_service_id": "bvideo000002"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(a).post(LESSONS, {**body, "video_service_id": "avideo000002"}, format="json")

    assert set(ok(refused, 400)) == {"video_service_id"}, "the course's owner's video is not the co-tutor's"
    assert ok(created, 201)["video_service_id"] == "avideo000002"


def test_an_admin_attaches_a_video_of_a_tutor_who_does_not_teach_the_course(
    b_course, vdo, client_for, django_capture_on_commit_callbacks
):
    a, _, _, lesson = b_course
    VideoUpload.objects.create(video_id="avideo000003", uploader=a, title="A's", provider="vdocipher")
    vdo.serve_video("avideo000003")
    admin = person(Role.ADMIN, is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).patch(
            f"{LESSONS}{lesson.slug}/", {"video_service_id": "avideo000003"}, format="json"
        )

    assert ok(response, 200)["video_service_id"] == "avideo000003"


def test_a_lesson_keeps_its_video_when_the_uploader_leaves_the_course(
    b_course, vdo, client_for, django_capture_on_commit_callbacks
):
    a, b, course, lesson = b_course
    course.tutors.add(a)
    VideoUpload.objects.create(video_id="avideo000004", uploader=a, title="A's", provider="vdocipher")
    vdo.serve_video("avideo000004", status="ready", length=60)
    vdo.serve_otp()
    with django_capture_on_commit_callbacks(execute=True):
        ok(client_for(a).patch(f"{LESSONS}{lesson.slug}/", {"video_service_id": "avideo000004"}, format="json"), 200)

    ok(set_tutors(client_for(b), course, b), 200)  # A leaves
    # The editor re-sends the whole lesson form, video id unchanged: not refused, not re-checked.
    resaved = client_for(b).patch(
        f"{LESSONS}{lesson.slug}/", {"title": "Renamed", "video_service_id": "avideo000004"}, format="json"
    )

    assert ok(resaved, 200)["video_service_id"] == "avideo000004"
    lesson.refresh_from_db()
    assert (lesson.title, lesson.video_service_id) == ("Renamed", "avideo000004")
    player = ok(client_for(None).get(f"{LESSONS}{lesson.slug}/"), 200)
    assert (player["otp"], player["playbackInfo"]) == (OTP, PLAYBACK_INFO), "the free preview still plays"
    # Changing it to another of A's videos now needs A (or an admin).
    VideoUpload.objects.create(video_id="avideo000005", uploader=a, title="A's 2", provider="vdocipher")
    changed = client_for(b).patch(f"{LESSONS}{lesson.slug}/", {"video_service_id": "avideo000005"}, format="json")
    assert set(ok(changed, 400)) == {"video_service_id"}
