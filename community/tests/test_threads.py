"""Threads and replies as their members see them: soft delete, moderation, accepted answers,
the edit window, locks, nesting, filters, search, ordering, the posting throttle and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Reply, Thread, ThreadKind
from community.tests.factories import (
    THREADS,
    enrolled_student,
    make_reply,
    make_thread,
    reply_url,
    thread_url,
)
from courses.tests.factories import CourseFactory, LessonFactory, PartFactory
from users.models import Role
from users.tests.factories import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return CourseFactory(tutors=[person(Role.TUTOR, first_name="Tina")])


@pytest.fixture
def tutor(course):
    return course.tutors.get()


@pytest.fixture
def alice(course):
    return enrolled_student(course, first_name="Alice")


@pytest.fixture
def bob(course):
    return enrolled_student(course, first_name="Bob")


def listing(client, course, **query) -> list[dict]:
    response = client.get(THREADS, {"course": course.slug, **query})
    assert response.status_code == 200, (
        f"GET threads/ {query}: expected 200, got {response.status_code}: {response.data}"
    )
    return response.json()["results"]


def titles(client, course, **query) -> list[str]:
    return [item["title"] for item in listing(client, course, **query)]


def replies(client, thread) -> list[dict]:
    response = client.get(thread_url(thread, "replies/"))
    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data}"
    return response.json()["results"]


# --- Shapes ---------------------------------------------------------------------------------------


def test_a_new_thread_has_the_documented_shape(client_for, course, alice):
    lesson = LessonFactory(part=PartFactory(course=course))
    response = client_for(alice).post(
        THREADS,
        {"course": str(course.pk), "lesson": str(lesson.pk), "kind": "question", "title": "Why?", "body": "*Because*"},
        format="json",
    )
    assert response.status_code == 201, response.data
    data = response.json()
    assert set(data) >= {
        "id", "course", "lesson", "title", "body", "kind", "author", "is_pinned", "is_locked", "is_hidden",
        "accepted_reply_id", "replies_count", "votes", "my_vote", "last_activity_at", "created_at", "edited_at",
    }  # fmt: skip
    assert data["course"] == {"id": str(course.pk), "slug": course.slug, "title": course.title}
    assert data["lesson"] == {"id": str(lesson.pk), "slug": lesson.slug, "title": lesson.title}
    assert data["author"] == {
        "id": alice.pk,
        "first_name": "Alice",
        "last_name": alice.last_name,
        "avatar": None,
        "role": Role.STUDENT,
        "is_course_tutor": False,
    }
    assert (data["body"], data["body_html"]) == ("*Because*", "<p><em>Because</em></p>")
    assert (data["replies_count"], data["votes"], data["my_vote"], data["edited_at"]) == (0, 0, 0, None)


def test_a_tutors_posts_say_so(client_for, course, tutor, alice):
    thread = make_thread(course, alice)
    make_reply(thread, tutor)
    (reply,) = replies(client_for(alice), thread)
    assert reply["author"]["is_course_tutor"] is True
    assert listing(client_for(alice), course)[0]["author"]["is_course_tutor"] is False


def test_a_lesson_of_another_course_is_refused(client_for, course, alice):
    other_lesson = LessonFactory()
    response = client_for(alice).post(
        THREADS,
        {"course": str(course.pk), "lesson": str(other_lesson.pk), "kind": "question", "title": "Why?", "body": "b"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"lesson": ["The lesson is not part of this course."]}


# --- Soft delete --------------------------------------------------------------------------------------


def test_a_deleted_thread_reads_deleted_and_keeps_its_replies(client_for, course, alice, bob):
    thread = make_thread(course, alice, title="Secret title", body="Secret body")
    make_reply(thread, bob, body="An answer")
    assert client_for(alice).delete(thread_url(thread)).status_code == 204
    assert client_for(alice).delete(thread_url(thread)).status_code == 204  # idempotent

    data = client_for(bob).get(thread_url(thread)).json()
    assert (data["title"], data["body"], data["body_html"], data["author"]) == (
        "[deleted]",
        "[deleted]",
        "<p>[deleted]</p>",
        None,
    )
    assert data["is_deleted"] is True
    assert [r["body"] for r in replies(client_for(bob), thread)] == ["An answer"]
    assert Thread.objects.get(pk=thread.pk).body == "Secret body", "the text is kept for the record"
    # A deleted post takes no edit, no vote and no reply.
    assert client_for(alice).patch(thread_url(thread), {"body": "again"}, format="json").status_code == 403
    assert client_for(bob).post(thread_url(thread, "vote/"), {"value": 1}, format="json").status_code == 403
    assert client_for(bob).post(thread_url(thread, "replies/"), {"body": "x"}, format="json").status_code == 403
    # Search does not find it by its old words.
    assert titles(client_for(bob), course, search="Secret") == []


def test_a_deleted_reply_reads_deleted_and_is_no_longer_the_answer(client_for, course, alice, bob):
    thread = make_thread(course, alice)
    reply = make_reply(thread, bob, body="Rude answer")
    assert (
        client_for(alice).post(thread_url(thread, "accept/"), {"reply_id": reply.pk}, format="json").status_code == 200
    )
    assert client_for(bob).delete(reply_url(reply)).status_code == 204

    (data,) = replies(client_for(alice), thread)
    assert (data["body"], data["author"], data["is_deleted"], data["is_accepted"]) == ("[deleted]", None, True, False)
    assert client_for(alice).get(thread_url(thread)).json()["accepted_reply_id"] is None


def test_a_tutor_deletes_any_post_a_student_only_their_own(client_for, course, tutor, alice, bob):
    thread = make_thread(course, alice)
    reply = make_reply(thread, alice)
    assert client_for(bob).delete(reply_url(reply)).status_code == 403
    assert client_for(tutor).delete(reply_url(reply)).status_code == 204
    assert client_for(tutor).delete(thread_url(thread)).status_code == 204


# --- Moderation: hidden posts --------------------------------------------------------------------------


def test_a_hidden_thread_disappears_for_members_and_stays_for_moderators(client_for, course, tutor, alice, bob):
    thread = make_thread(course, alice, title="Spam")
    make_thread(course, bob, title="Fine")
    response = client_for(tutor).post(thread_url(thread, "hide/"), {"value": True}, format="json")
    assert response.status_code == 200 and response.json()["is_hidden"] is True

    for member in (alice, bob):  # its author too
        assert titles(client_for(member), course) == ["Fine"]
        assert client_for(member).get(thread_url(thread)).status_code == 404
        assert client_for(member).get(thread_url(thread, "replies/")).status_code == 404
        assert client_for(member).post(thread_url(thread, "vote/"), {"value": 1}, format="json").status_code == 404
    assert sorted(titles(client_for(tutor), course)) == ["Fine", "Spam"]
    assert client_for(tutor).get(thread_url(thread)).json()["is_hidden"] is True

    client_for(tutor).post(thread_url(thread, "hide/"), {"value": False}, format="json")
    assert sorted(titles(client_for(alice), course)) == ["Fine", "Spam"]


def test_a_hidden_reply_and_its_answers_disappear_for_members(client_for, course, tutor, alice, bob):
    thread = make_thread(course, alice)
    hidden = make_reply(thread, bob, body="Spam")
    make_reply(thread, alice, body="Under spam", parent=hidden)
    make_reply(thread, alice, body="Fine")
    assert client_for(tutor).post(reply_url(hidden, "hide/"), {"value": True}, format="json").status_code == 200

    assert [r["body"] for r in replies(client_for(bob), thread)] == ["Fine"]
    assert client_for(bob).get(thread_url(thread)).json()["replies_count"] == 1
    assert client_for(bob).patch(reply_url(hidden), {"body": "edit"}, format="json").status_code == 404
    moderated = replies(client_for(tutor), thread)
    assert [(r["body"], r["is_hidden"]) for r in moderated] == [("Spam", True), ("Under spam", False), ("Fine", False)]
    # Members cannot answer what they cannot see.
    response = client_for(alice).post(thread_url(thread, "replies/"), {"body": "x", "parent": hidden.pk}, format="json")
    assert response.status_code == 400 and "parent" in response.json()


def test_pin_and_lock(client_for, course, tutor, alice, bob):
    old = make_thread(course, alice, title="Old")
    make_thread(course, bob, title="New")
    client_for(tutor).post(thread_url(old, "pin/"), {"value": True}, format="json")
    assert titles(client_for(bob), course) == ["Old", "New"], "pinned threads come first"
    assert titles(client_for(bob), course, ordering="created_at") == ["Old", "New"]

    response = client_for(tutor).post(thread_url(old, "lock/"), {"value": True}, format="json")
    assert response.json()["is_locked"] is True
    for caller in (bob, alice, tutor):
        response = client_for(caller).post(thread_url(old, "replies/"), {"body": "Late"}, format="json")
        assert response.status_code == 403, f"expected 403 on a locked thread, got {response.status_code}"
        assert response.json() == {"detail": "This thread is locked: it takes no replies."}
    assert not Reply.objects.filter(thread=old).exists()
    client_for(tutor).post(thread_url(old, "lock/"), {"value": False}, format="json")
    assert client_for(bob).post(thread_url(old, "replies/"), {"body": "Now"}, format="json").status_code == 201


# --- Accepted answers ---------------------------------------------------------------------------------


def test_the_author_accepts_changes_and_clears_the_answer(client_for, course, alice, bob):
    thread = make_thread(course, alice)
    first, second = make_reply(thread, bob, body="One"), make_reply(thread, bob, body="Two")
    url = thread_url(thread, "accept/")
    assert client_for(alice).post(url, {"reply_id": first.pk}, format="json").json()["accepted_reply_id"] == first.pk
    assert client_for(alice).post(url, {"reply_id": second.pk}, format="json").json()["accepted_reply_id"] == second.pk
    assert [r["is_accepted"] for r in replies(client_for(bob), thread)] == [False, True]
    assert client_for(alice).post(url, {"reply_id": None}, format="json").json()["accepted_reply_id"] is None


def test_a_course_tutor_may_accept_another_student_may_not(client_for, course, tutor, alice, bob):
    thread = make_thread(course, alice)
    reply = make_reply(thread, bob)
    url = thread_url(thread, "accept/")
    assert client_for(bob).post(url, {"reply_id": reply.pk}, format="json").status_code == 403
    assert client_for(tutor).post(url, {"reply_id": reply.pk}, format="json").status_code == 200


def test_what_cannot_be_accepted(client_for, course, alice, bob):
    question, discussion = make_thread(course, alice), make_thread(course, alice, kind=ThreadKind.DISCUSSION)
    elsewhere = make_reply(make_thread(course, bob), bob)
    deleted = make_reply(question, bob)
    deleted.deleted_at = timezone.now()
    deleted.save()
    on_discussion = make_reply(discussion, bob)
    cases = [
        (question, {"reply_id": elsewhere.pk}, "reply_id"),  # another thread's reply
        (question, {"reply_id": 999_999}, "reply_id"),
        (question, {"reply_id": deleted.pk}, "reply_id"),
        (discussion, {"reply_id": on_discussion.pk}, "reply_id"),  # discussions have no answer
        (question, {}, "reply_id"),
        (question, {"reply_id": "x"}, "reply_id"),
    ]
    for thread, body, field in cases:
        response = client_for(alice).post(thread_url(thread, "accept/"), body, format="json")
        assert response.status_code == 400, f"{body} on {thread.kind}: expected 400, got {response.status_code}"
        assert field in response.json(), response.json()
    question.refresh_from_db()
    assert question.accepted_reply_id is None


def test_status_filter_and_the_unanswered_count(client_for, course, tutor, alice, bob):
    answered = make_thread(course, alice, title="Answered")
    make_thread(course, alice, title="Open question")
    make_thread(course, alice, title="Chat", kind=ThreadKind.DISCUSSION)
    hidden = make_thread(course, bob, title="Hidden question")
    hidden.is_hidden = True
    hidden.save()
    client_for(alice).post(thread_url(answered, "accept/"), {"reply_id": make_reply(answered, tutor).pk}, format="json")

    assert titles(client_for(bob), course, status="answered") == ["Answered"]
    assert titles(client_for(bob), course, status="unanswered") == ["Open question"]
    response = client_for(tutor).get(f"{THREADS}unanswered-count/", {"course": course.slug})
    assert response.json() == {
        "course": {"id": str(course.pk), "slug": course.slug, "title": course.title},
        "unanswered_count": 1,
    }
    assert client_for(bob).get(f"{THREADS}unanswered-count/", {"course": course.slug}).status_code == 403


# --- Edit window ----------------------------------------------------------------------------------------


def test_authors_edit_within_the_window(client_for, course, alice, settings):
    settings.COMMUNITY_EDIT_WINDOW_MINUTES = 15
    thread = make_thread(course, alice)
    reply = make_reply(thread, alice)

    unchanged = client_for(alice).patch(thread_url(thread), {"title": thread.title}, format="json")
    assert unchanged.json()["edited_at"] is None, "an edit that changes nothing leaves no mark"
    edited = client_for(alice).patch(thread_url(thread), {"body": "**New**"}, format="json").json()
    assert (edited["body_html"], edited["edited_at"] is not None) == ("<p><strong>New</strong></p>", True)

    Thread.objects.filter(pk=thread.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    Reply.objects.filter(pk=reply.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    for url, body in ((thread_url(thread), {"title": "Too late"}), (reply_url(reply), {"body": "Too late"})):
        response = client_for(alice).patch(url, body, format="json")
        assert response.status_code == 403, f"PATCH {url} after the window: expected 403, got {response.status_code}"
        assert response.json() == {"detail": "The time to edit this post has passed (15 minutes after posting)."}


# --- Replies: nesting, activity --------------------------------------------------------------------------


def test_replies_nest_one_level(client_for, course, alice, bob):
    thread = make_thread(course, alice)
    top = make_reply(thread, bob)
    response = client_for(alice).post(
        thread_url(thread, "replies/"), {"body": "Child", "parent": top.pk}, format="json"
    )
    assert response.status_code == 201 and response.json()["parent"] == top.pk
    child = response.json()["id"]
    response = client_for(bob).post(
        thread_url(thread, "replies/"), {"body": "Grandchild", "parent": child}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"parent": ["Replies nest one level only: answer the top-level reply."]}
    other = make_reply(make_thread(course, bob), bob)
    response = client_for(bob).post(thread_url(thread, "replies/"), {"body": "x", "parent": other.pk}, format="json")
    assert response.status_code == 400


def test_a_reply_moves_the_thread_up(client_for, course, alice, bob):
    first, second = make_thread(course, alice, title="First"), make_thread(course, alice, title="Second")
    Thread.objects.filter(pk=first.pk).update(last_activity_at=timezone.now() - timedelta(hours=2))
    Thread.objects.filter(pk=second.pk).update(last_activity_at=timezone.now() - timedelta(hours=1))
    assert titles(client_for(bob), course) == ["Second", "First"]
    client_for(bob).post(thread_url(first, "replies/"), {"body": "Bump"}, format="json")
    assert titles(client_for(bob), course) == ["First", "Second"]
    assert listing(client_for(bob), course)[0]["replies_count"] == 1


# --- Filters, search, ordering ------------------------------------------------------------------------


def test_filters_search_and_ordering(client_for, course, alice, bob):
    lesson = LessonFactory(part=PartFactory(course=course))
    a = make_thread(course, alice, title="Derivatives of sine", body="chain rule", lesson=lesson)
    b = make_thread(course, alice, title="Integrals", body="by parts", kind=ThreadKind.DISCUSSION)
    c = make_thread(course, bob, title="Limits", body="epsilon delta proofs")
    make_thread(CourseFactory(), person(Role.TUTOR), title="Derivatives elsewhere")  # another course
    for thread, minutes in ((a, 30), (b, 20), (c, 10)):
        Thread.objects.filter(pk=thread.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))
    Thread.objects.filter(pk=b.pk).update(votes=5)
    client = client_for(bob)

    assert titles(client, course, lesson=lesson.slug) == ["Derivatives of sine"]
    assert titles(client, course, kind="discussion") == ["Integrals"]
    assert titles(client, course, search="derivatives") == ["Derivatives of sine"]
    assert titles(client, course, search="epsilon") == ["Limits"]
    assert titles(client, course, ordering="-votes")[0] == "Integrals"
    assert titles(client, course, ordering="created_at") == ["Derivatives of sine", "Integrals", "Limits"]
    assert titles(client, course, ordering="-created_at") == ["Limits", "Integrals", "Derivatives of sine"]


@pytest.mark.parametrize(
    "query",
    [{"kind": "poll"}, {"status": "maybe"}, {"ordering": "password"}, {"page": "0"}],
    ids=lambda q: next(iter(q)),
)
def test_bad_list_queries_are_4xx(client_for, course, alice, query):
    response = client_for(alice).get(THREADS, {"course": course.slug, **query})
    assert response.status_code in (400, 404), f"{query}: expected a 4xx, got {response.status_code}"
    assert response.json()


@pytest.mark.parametrize("slug", ["ab\x00c", "a" * 300, "no such course", "%"])
def test_a_course_slug_that_names_nothing_is_404(client_for, alice, slug):
    for url in (THREADS, f"{THREADS}unanswered-count/", "/api/community/announcements/"):
        response = client_for(alice).get(url, {"course": slug})
        assert response.status_code == 404, f"{url}?course={slug!r:.20}: expected 404, got {response.status_code}"


def test_nul_bytes_in_filters_are_400(client_for, course, alice):
    for query in ({"search": "a\x00b"}, {"lesson": "a\x00b"}):
        response = client_for(alice).get(THREADS, {"course": course.slug, **query})
        assert response.status_code == 400, f"{query!r}: expected 400, got {response.status_code}"


def test_the_course_is_required(client_for, alice):
    response = client_for(alice).get(THREADS)
    assert response.status_code == 400
    assert response.json() == {"course": ["This filter is required: the course's slug."]}


# --- Bad input -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"kind": "question", "title": "Hi there", "body": "b"},  # no course
        {"course": "not-a-uuid", "kind": "question", "title": "Hi there", "body": "b"},
        {"course": "5b1f8f0e-3c2a-4d7e-9a61-0c9d2b7e4f10", "kind": "question", "title": "Hi there", "body": "b"},
        {"course": 12, "kind": "question", "title": "Hi there", "body": "b"},
        {"course": "COURSE", "kind": "poll", "title": "Hi there", "body": "b"},
        {"course": "COURSE", "kind": "question", "title": "Hi", "body": "b"},  # title too short
        {"course": "COURSE", "kind": "question", "title": "x" * 201, "body": "b"},
        {"course": "COURSE", "kind": "question", "title": "Hi there", "body": ""},
        {"course": "COURSE", "kind": "question", "title": "Hi there", "body": "x" * 20_001},
        {"course": "COURSE", "kind": "question", "title": 12345, "body": "b"},
        {"course": "COURSE", "kind": "question", "title": "Hi there", "body": "b", "lesson": "ab\x00c"},
    ],
)
def test_bad_thread_bodies_are_400(client_for, course, alice, body):
    body = {k: (str(course.pk) if v == "COURSE" else v) for k, v in body.items()}
    response = client_for(alice).post(THREADS, body, format="json")
    assert response.status_code == 400, f"{body!r:.200}: expected 400, got {response.status_code}"
    assert response.json()
    assert not Thread.objects.exists()


@pytest.mark.parametrize("value", [2, -2, "+1", True, None, "up", 0.5])
def test_bad_votes_are_400(client_for, course, alice, value):
    thread = make_thread(course, alice)
    response = client_for(alice).post(thread_url(thread, "vote/"), {"value": value}, format="json")
    assert response.status_code == 400, f"vote {value!r}: expected 400, got {response.status_code}"


@pytest.mark.parametrize("value", [None, "yes", 1, "true"])
def test_bad_flags_are_400(client_for, course, tutor, alice, value):
    thread = make_thread(course, alice)
    response = client_for(tutor).post(thread_url(thread, "pin/"), {"value": value}, format="json")
    assert response.status_code == 400, f"pin {value!r}: expected 400, got {response.status_code}"


@pytest.mark.parametrize("path", ["abc", "99999999999999999999999", "0", "-1"])
def test_bad_path_ids_are_json_404(client_for, alice, path):
    for url in (f"{THREADS}{path}/", f"{THREADS}{path}/replies/", f"/api/community/replies/{path}/vote/"):
        response = client_for(alice).get(url) if "vote" not in url else client_for(alice).post(url, {"value": 1})
        assert response.status_code == 404, f"{url}: expected 404, got {response.status_code}"
        assert response["Content-Type"].startswith("application/json")


# --- Throttle ---------------------------------------------------------------------------------------------


def test_posting_is_throttled_per_user(client_for, course, alice, bob, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "community_post": "3/min"}
    thread = make_thread(course, bob)
    url = thread_url(thread, "replies/")
    statuses = [client_for(alice).post(url, {"body": f"Reply {n}"}, format="json").status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429], statuses
    response = client_for(alice).post(
        THREADS, {"course": str(course.pk), "kind": "question", "title": "Throttled?", "body": "b"}, format="json"
    )
    assert response.status_code == 429 and "Too many posts" in response.json()["detail"]
    assert response.has_header("Retry-After")
    # Another user, and reading, are not affected.
    assert client_for(bob).post(url, {"body": "Mine"}, format="json").status_code == 201
    assert client_for(alice).get(url).status_code == 200
