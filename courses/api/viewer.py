"""What one signed-in viewer adds to a shared public body of the catalog.

A catalog page's public body (``courses.cache.public_body``) says ``is_enrolled: false`` and
``progress: null`` everywhere, as an anonymous visitor sees it. For a signed-in viewer these
functions lay the viewer's own fields over it, from the viewer's enrolments and progress
(cached per viewer under tokens that their writes replace: ``core.cache``). The result is never
stored; a body the viewer adds nothing to is passed through unchanged (same bytes, same tag).
"""

from __future__ import annotations

import hashlib

import orjson
from rest_framework.fields import DateTimeField

from core.api.renderers import dumps
from courses import hooks, selectors
from courses.cache import Body
from courses.models import Course


def _personal(public: Body, content: bytes, personal: bytes) -> Body:
    """``content`` (the public body with the viewer's fields); its tag extends the public tag
    with a digest of ``personal`` (the viewer's fields), so it changes with either."""
    digest = hashlib.blake2b(personal, digest_size=8).hexdigest()
    return Body(content, f'{public.etag[:-1]}-{digest}"')


_TIME = DateTimeField(allow_null=True)
NOT_ENROLLED, ENROLLED = b'"is_enrolled":false', b'"is_enrolled":true'


def list_body(data: dict) -> Body:
    """The public body of a course list page, with the place of each course's ``is_enrolled``.
    Inside a JSON string a quote is escaped, so the unescaped key/value pair can only be the
    field itself: the n-th occurrence belongs to the n-th course."""
    content = dumps(data)
    slots, offset = [], 0
    for course in data["results"]:
        offset = content.index(NOT_ENROLLED, offset)
        slots.append((str(course["id"]), offset))
        offset += len(NOT_ENROLLED)
    return Body.of(content, tuple(slots))


def catalog_page(public: Body, *, user) -> Body:
    """A course list (``{count, next, previous, results}``) with the viewer's ``is_enrolled``,
    set in place (the shared body is not parsed again)."""
    enrolled = selectors.enrolled_course_ids(user=user, course_ids=[course_id for course_id, _ in public.slots])
    if not enrolled:
        return public
    pieces, start = [], 0
    for course_id, offset in public.slots:
        if course_id in enrolled:
            pieces += [public.content[start:offset], ENROLLED]
            start = offset + len(NOT_ENROLLED)
    pieces.append(public.content[start:])
    return _personal(public, b"".join(pieces), " ".join(sorted(enrolled)).encode())


def course_page(public: Body, *, user) -> Body:
    """A published course's page with the viewer's ``is_enrolled`` and, for those who follow
    the course (its active students, its tutors, admins), their ``progress``."""
    data = orjson.loads(public.content)
    is_enrolled = bool(selectors.enrolled_course_ids(user=user, course_ids=[data["id"]]))
    teaches = any(str(tutor["id"]) == str(user.pk) for tutor in data["tutors"])
    if not (is_enrolled or teaches or user.is_admin):
        return public
    progress = hooks.course_progress(student=user, course=Course(pk=data["id"]), total_lessons=data["lessons_count"])
    if progress is not None and progress["last_lesson"]:
        # The title as the outline has it now (the progress may come from a cache).
        titles = {lesson["slug"]: lesson["title"] for part in data["parts"] for lesson in part["lessons"]}
        last = progress["last_lesson"]
        progress = {**progress, "last_lesson": {**last, "title": titles.get(last["slug"], last["title"])}}
    data["is_enrolled"] = is_enrolled
    if progress is not None:  # CourseProgressSerializer's shape, without building a serializer per request
        progress = {**progress, "completed_at": _TIME.to_representation(progress["completed_at"])}
    data["progress"] = progress
    return _personal(public, dumps(data), dumps([is_enrolled, data["progress"]]))
