"""Lesson comments (contract 2.5): threaded, newest first, only for those who may watch."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Comment
from courses.tests.contract import ok
from courses.tests.factories import CommentFactory, CourseFactory, EnrollmentFactory, LessonFactory, PartFactory
from courses.tests.urls import COMMENTS
from users.models import Role

pytestmark = pytest.mark.django_db

COMMENT_KEYS = {"id", "lesson", "text", "user", "parent", "replies_count", "created_at", "updated_at", "is_edited"}


@pytest.fixture
def lesson(student):
    """A paid lesson of a published course, in which ``student`` is enrolled."""
    lesson = LessonFactory(part=PartFactory(course=CourseFactory()))
    EnrollmentFactory(student=student, course=lesson.part.course)
    return lesson


def test_listing_comments_needs_a_lesson_for_non_admins(client_for, student, lesson):
    data = ok(client_for(student).get(COMMENTS), 400)

    assert "lesson" in data, f"expected an error on 'lesson', got {data!r}"


def test_admins_may_list_every_comment_without_a_lesson(client_for, admin_user, lesson):
    comments = CommentFactory.create_batch(2, lesson=lesson)

    data = ok(client_for(admin_user).get(COMMENTS), 200)

    assert {item["id"] for item in data["results"]} == {str(c.pk) for c in comments}


def test_comments_are_listed_newest_first_with_the_thread_shape(client_for, student, lesson):
    now = timezone.now()
    old, middle, new = (CommentFactory(lesson=lesson) for _ in range(3))
    for comment, age in ((old, 3), (middle, 2), (new, 1)):
        Comment.objects.filter(pk=comment.pk).update(created_at=now - timedelta(minutes=age))
    CommentFactory(lesson=LessonFactory(part=lesson.part))  # another lesson's comment stays out

    data = ok(client_for(student).get(COMMENTS, {"lesson": str(lesson.pk)}), 200)

    ids = [item["id"] for item in data["results"]]
    assert ids == [str(new.pk), str(middle.pk), str(old.pk)], f"expected newest first, got {ids}"
    item = data["results"][0]
    assert set(item) == COMMENT_KEYS, f"expected {sorted(COMMENT_KEYS)}, got {sorted(item)}"
    assert set(item["user"]) == {"id", "first_name", "last_name", "avatar"}, f"got {item['user']!r}"
    assert "email" not in item["user"]


def test_replies_point_to_their_parent_which_counts_them(client_for, student, lesson):
    client = client_for(student)
    parent = ok(client.post(COMMENTS, {"lesson": str(lesson.pk), "text": "Question?"}), 201)

    reply = ok(client.post(COMMENTS, {"lesson": str(lesson.pk), "text": "Answer.", "parent": parent["id"]}), 201)
    listed = ok(client.get(COMMENTS, {"lesson": str(lesson.pk)}), 200)["results"]

    assert reply["parent"] == parent["id"], f"expected parent {parent['id']}, got {reply['parent']!r}"
    counts = {item["id"]: (item["parent"], item["replies_count"]) for item in listed}
    assert counts == {parent["id"]: (None, 1), reply["id"]: (parent["id"], 0)}, f"got {counts}"
    top_level = ok(client.get(COMMENTS, {"lesson": str(lesson.pk), "parent": "null"}), 200)["results"]
    assert [item["id"] for item in top_level] == [parent["id"]], f"?parent=null: got {top_level!r}"


def test_the_author_is_the_caller_whatever_the_body_says(client_for, student, lesson, make_user):
    someone_else = make_user(Role.STUDENT)

    data = ok(
        client_for(student).post(
            COMMENTS,
            {"lesson": str(lesson.pk), "text": "Mine", "user": someone_else.pk, "is_edited": True, "replies_count": 9},
            format="json",
        ),
        201,
    )

    comment = Comment.objects.get(pk=data["id"])
    assert (comment.user_id, data["user"]["id"]) == (student.pk, student.pk), (
        f"expected author {student.pk}, got {comment.user_id} / {data['user']['id']}"
    )
    assert (comment.is_edited, data["is_edited"], data["replies_count"]) == (False, False, 0)


@pytest.mark.parametrize("text", ["", "x" * 5001], ids=["empty", "5001-chars"])
def test_comment_text_must_be_1_to_5000_characters(client_for, student, lesson, text):
    data = ok(client_for(student).post(COMMENTS, {"lesson": str(lesson.pk), "text": text}), 400)

    assert "text" in data, f"expected an error on 'text', got {data!r}"
    assert not Comment.objects.exists(), "nothing may be stored"


def test_a_comment_of_exactly_5000_characters_is_accepted(client_for, student, lesson):
    data = ok(client_for(student).post(COMMENTS, {"lesson": str(lesson.pk), "text": "y" * 5000}), 201)

    assert len(Comment.objects.get(pk=data["id"]).text) == 5000


def test_a_reply_must_belong_to_the_parents_lesson(client_for, student, lesson):
    other_lesson = LessonFactory(part=lesson.part, is_free_preview=True)
    parent = CommentFactory(lesson=other_lesson)

    data = ok(
        client_for(student).post(COMMENTS, {"lesson": str(lesson.pk), "text": "Reply", "parent": str(parent.pk)}), 400
    )

    assert "parent" in data, f"expected an error on 'parent', got {data!r}"
    assert not Comment.objects.filter(parent=parent).exists()


def test_anonymous_visitors_read_free_preview_comments_but_cannot_post(client_for):
    preview = LessonFactory(part=PartFactory(course=CourseFactory()), is_free_preview=True)
    comment = CommentFactory(lesson=preview)
    anonymous = client_for(None)

    listed = ok(anonymous.get(COMMENTS, {"lesson": str(preview.pk)}), 200)
    posted = anonymous.post(COMMENTS, {"lesson": str(preview.pk), "text": "Hello"})

    assert [item["id"] for item in listed["results"]] == [str(comment.pk)]
    ok(posted, 401)
    assert posted.has_header("WWW-Authenticate"), "a 401 must carry WWW-Authenticate"
    assert Comment.objects.count() == 1, "the anonymous post must not be stored"


def test_editing_a_comment_marks_it_edited(client_for, student, lesson):
    comment = CommentFactory(lesson=lesson, user=student, text="Frist")

    data = ok(client_for(student).patch(f"{COMMENTS}{comment.pk}/", {"text": "First"}), 200)

    comment.refresh_from_db()
    assert (data["text"], data["is_edited"]) == ("First", True), f"got {data!r}"
    assert (comment.text, comment.is_edited) == ("First", True)
    assert set(data) == COMMENT_KEYS


def test_editing_a_comment_still_validates_its_text(client_for, student, lesson):
    comment = CommentFactory(lesson=lesson, user=student, text="Kept")

    data = ok(client_for(student).patch(f"{COMMENTS}{comment.pk}/", {"text": ""}), 400)

    comment.refresh_from_db()
    assert "text" in data and (comment.text, comment.is_edited) == ("Kept", False), f"got {data!r}"


@pytest.mark.parametrize(
    "lesson_id",
    ["abc", "99999999999999999999999999999", "00000000-0000-0000-0000-000000000000", "1' OR '1'='1"],
    ids=["letters", "huge-number", "unknown-uuid", "injection"],
)
def test_malformed_or_unknown_lesson_ids_in_the_filter_are_400(client_for, student, lesson, lesson_id):
    data = ok(client_for(student).get(COMMENTS, {"lesson": lesson_id}), 400)

    assert "lesson" in data, f"expected an error on 'lesson', got {data!r}"


@pytest.mark.parametrize(
    "lesson_id",
    ["abc", 10**30, 12, "00000000-0000-0000-0000-000000000000", None, ["x"]],
    ids=["letters", "huge-number", "small-number", "unknown-uuid", "null", "list"],
)
def test_malformed_or_unknown_lesson_ids_in_the_body_are_400(client_for, student, lesson, lesson_id):
    data = ok(client_for(student).post(COMMENTS, {"lesson": lesson_id, "text": "Hi"}, format="json"), 400)

    assert "lesson" in data, f"expected an error on 'lesson', got {data!r}"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("parent", ["abc", "123", 10**30, "00000000-0000-0000-0000-000000000000"])
def test_malformed_or_unknown_parent_ids_in_the_body_are_400(client_for, student, lesson, parent):
    response = client_for(student).post(
        COMMENTS, {"lesson": str(lesson.pk), "text": "Hi", "parent": parent}, format="json"
    )

    data = ok(response, 400)
    assert "parent" in data, f"expected an error on 'parent', got {data!r}"
    assert not Comment.objects.exists()


@pytest.mark.parametrize(("parent", "expected"), [("abc", 400), ("123", 400), (str(uuid.UUID(int=0)), 200)])
def test_the_parent_filter_rejects_malformed_ids(client_for, student, lesson, parent, expected):
    CommentFactory(lesson=lesson)

    data = ok(client_for(student).get(COMMENTS, {"lesson": str(lesson.pk), "parent": parent}), expected)

    if expected == 200:
        assert data["results"] == [], f"an unknown parent has no replies, got {data['results']!r}"


def test_malformed_comment_ids_in_the_url_are_404(client_for, student, lesson):
    response = client_for(student).patch(f"{COMMENTS}not-a-uuid/", {"text": "x"})

    ok(response, 404)
