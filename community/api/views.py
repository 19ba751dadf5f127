"""Community API: thin views that authenticate, authorise and call a service or selector.

Every endpoint needs a login (401). Then, for the course a request is about: a course the
caller cannot see, or a draft (drafts have no community), is 404 (400 "Invalid id" when a
request body names it); a course they can see but do not take part in is 403; a hidden post
is 404 for everyone but the course's moderators (its tutors and admins).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from community import selectors, services
from community.api import serializers as s
from community.models import Announcement, Reply, Report, ReportStatus, Thread, ThreadKind
from community.permissions import (
    CanAcceptAnswer,
    IsCourseModerator,
    IsPostAuthor,
    IsPostAuthorOrModerator,
    TakesPartInCourse,
    moderates,
)
from core.api.permissions import check_object_permission
from core.api.shortcuts import or_404
from core.throttling import ThrottledDetailMixin, UserRateThrottle
from courses import selectors as course_selectors
from courses.models import Course
from users.permissions import IsTutorOrAdmin

ID_REGEX = r"[0-9]{1,18}"
COURSE_REQUIRED = _("This filter is required: the course's slug.")
NO_COMMUNITY = _("This course has no community (it is not published).")
NOT_FOUND = _("No such course, or it has no community (drafts have none).")
HIDDEN_OR_MISSING = _("Not found (hidden posts are shown to the course's tutors and administrators only).")
MEMBERS_ONLY = _("The caller does not take part in the course (an active student, its tutor or an admin).")


class CommunityPostThrottle(UserRateThrottle):
    """New threads and replies per user (``THROTTLE_COMMUNITY_POST``)."""

    scope = "community_post"


class CommunityView(ThrottledDetailMixin):
    """What every community view asks about the course, the thread and the reply of a request."""

    permission_classes = [IsAuthenticated]
    throttled_detail = _("Too many posts.")
    throttled_actions: tuple[str, ...] = ()

    def get_throttles(self):
        return [CommunityPostThrottle()] if getattr(self, "action", None) in self.throttled_actions else []

    def _take_part(self, obj) -> None:
        check_object_permission(self, self.request, TakesPartInCourse(), obj)

    def _community_course(self, slug: str | None) -> Course:
        """The course of ``?course=<slug>``: 400 without one, 404 when the caller cannot see it
        or it is a draft, 403 when they do not take part in it."""
        if not slug:
            raise ValidationError({"course": [COURSE_REQUIRED]})
        course = or_404(selectors.community_course_get(user=self.request.user, slug=slug))
        self._take_part(course)
        return course

    def _body_course(self, course: Course, *, field: str = "course") -> Course:
        """A course named in a body: 400 when the caller cannot see it or it has no community."""
        if not course_selectors.course_is_visible(user=self.request.user, course=course):
            raise ValidationError({field: [f'Invalid id "{course.pk}" - object does not exist.']})
        if not course.is_published:
            raise ValidationError({field: [NO_COMMUNITY]})
        return course

    def _thread(self, pk) -> tuple[Thread, bool]:
        """The thread and whether the caller moderates its course (404 / 403 as above)."""
        thread = or_404(selectors.thread_get(user=self.request.user, pk=pk))
        self._take_part(thread)
        moderator = moderates(self.request.user, thread)
        if thread.is_hidden and not moderator:
            raise Http404
        return thread, moderator

    def _reply(self, pk) -> tuple[Reply, bool]:
        reply = or_404(selectors.reply_get(user=self.request.user, pk=pk))
        self._take_part(reply)
        moderator = moderates(self.request.user, reply)
        visible = selectors.reply_is_visible(reply=reply, moderator=moderator)
        if not visible or (reply.thread.is_hidden and not moderator):
            raise Http404
        return reply, moderator

    def _thread_response(self, thread: Thread, moderator: bool, *, status_code: int = status.HTTP_200_OK) -> Response:
        thread = selectors.thread_detail(user=self.request.user, thread=thread, moderator=moderator)
        return Response(s.ThreadSerializer(thread, context=self.get_serializer_context()).data, status=status_code)

    def _reply_response(self, reply: Reply, *, status_code: int = status.HTTP_200_OK) -> Response:
        reply = selectors.reply_detail(user=self.request.user, reply=reply)
        return Response(s.ReplySerializer(reply, context=self.get_serializer_context()).data, status=status_code)

    def _report(self, post: Thread | Reply) -> Response:
        serializer = s.ReportCreateSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        report, created = services.report_create(reporter=self.request.user, post=post, **serializer.validated_data)
        report = Report.objects.select_related("course", "reporter", "thread__author", "reply__author").get(
            pk=report.pk
        )
        return Response(
            s.ReportSerializer(report, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _vote(self, post: Thread | Reply) -> Response:
        serializer = s.VoteSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        value = serializer.validated_data["value"]
        total = services.vote_cast(user=self.request.user, post=post, value=value)
        return Response({"id": post.pk, "votes": total, "my_vote": value})


# --- Threads ---------------------------------------------------------------------------------------


class ThreadFilter(filters.FilterSet):
    lesson = filters.CharFilter(field_name="lesson__slug", help_text="Only the threads of this lesson (its slug).")
    kind = filters.ChoiceFilter(choices=ThreadKind.choices)
    status = filters.ChoiceFilter(
        choices=[("unanswered", "Unanswered"), ("answered", "Answered")],
        method="filter_status",
        help_text="Questions without (`unanswered`) or with (`answered`) an accepted answer.",
    )
    search = filters.CharFilter(method="filter_search", help_text="Words of the title or the body.")
    ordering = filters.ChoiceFilter(
        choices=[(value, value) for value in ("-last_activity_at", "-votes", "created_at", "-created_at")],
        method="filter_ordering",
        help_text="Pinned threads first, then this order (default `-last_activity_at`).",
    )

    class Meta:
        model = Thread
        fields = ["lesson", "kind", "status", "search", "ordering"]

    def filter_status(self, queryset, name, value):
        return selectors.thread_filter_status(queryset, value)

    def filter_search(self, queryset, name, value):
        return selectors.thread_search(queryset, value)

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by("-is_pinned", value, "-id")


FLAG_ACTION = extend_schema(
    request=s.FlagSerializer, responses={200: s.ThreadSerializer}, description="Course tutors and admins only."
)
THREAD_404 = {404: HIDDEN_OR_MISSING}


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("course", str, required=True, description="The course's slug.")],
        description=(
            "A course's threads: pinned first, then by `ordering`. Hidden threads only for the course's "
            "tutors and admins. 404: no such course for the caller, or a draft; 403: not part of it."
        ),
    ),
    create=extend_schema(
        request=s.ThreadCreateSerializer,
        responses={201: s.ThreadSerializer},
        description="Start a thread in a course you take part in (`kind`: `question` or `discussion`).",
    ),
    retrieve=extend_schema(description="A thread."),
    partial_update=extend_schema(
        request=s.ThreadUpdateSerializer,
        responses={200: s.ThreadSerializer},
        description="The author edits the title or body within `COMMUNITY_EDIT_WINDOW_MINUTES` of posting.",
    ),
    destroy=extend_schema(description='Soft delete (the author, the course\'s tutors, admins): reads "[deleted]".'),
    accept=extend_schema(
        request=s.AcceptSerializer,
        responses={200: s.ThreadSerializer},
        description="The question's author or the course's tutors mark a reply as the accepted answer (`null`: none).",
    ),
    vote=extend_schema(
        request=s.VoteSerializer, responses={200: s.VoteResultSerializer}, description="1, -1 or 0 (clear)."
    ),
    pin=FLAG_ACTION,
    lock=FLAG_ACTION,
    hide=FLAG_ACTION,
    report=extend_schema(
        request=s.ReportCreateSerializer,
        responses={201: s.ReportSerializer, 200: s.ReportSerializer},
        description="Report the thread to the course's moderators (201; 200 with your open report on it).",
    ),
    unanswered_count=extend_schema(
        parameters=[OpenApiParameter("course", str, required=True, description="The course's slug.")],
        responses={200: s.UnansweredCountSerializer},
        description="Course tutors and admins: the course's questions without an accepted answer.",
    ),
)
@extend_schema(tags=["community"])
class ThreadViewSet(CommunityView, viewsets.GenericViewSet):
    """Course Q&A and discussions."""

    serializer_class = s.ThreadSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ThreadFilter
    lookup_value_regex = ID_REGEX
    throttled_actions = ("create",)
    schema_errors = {
        "retrieve": THREAD_404,
        "partial_update": {403: "Not the author, the post was deleted, or the edit window has passed."},
        "destroy": {403: "Not the author, the course's tutor or an admin."},
        "unanswered_count": {400: COURSE_REQUIRED, 404: NOT_FOUND},
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Thread.objects.none()
        course = self._community_course(self.request.query_params.get("course"))
        return selectors.thread_list(
            user=self.request.user, course=course, moderator=moderates(self.request.user, course)
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        serializer = s.ThreadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = self._body_course(data.pop("course"))
        self._take_part(course)
        thread = services.thread_create(author=request.user, course=course, **data)
        return self._thread_response(thread, moderates(request.user, course), status_code=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        thread, moderator = self._thread(pk)
        return self._thread_response(thread, moderator)

    def partial_update(self, request, pk=None):
        thread, moderator = self._thread(pk)
        check_object_permission(self, request, IsPostAuthor(), thread)
        serializer = s.ThreadUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        thread, _unused = services.thread_update(thread=thread, data=serializer.validated_data)
        return self._thread_response(thread, moderator)

    def destroy(self, request, pk=None):
        thread, _unused = self._thread(pk)
        check_object_permission(self, request, IsPostAuthorOrModerator(), thread)
        services.thread_delete(thread=thread)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        thread, moderator = self._thread(pk)
        check_object_permission(self, request, CanAcceptAnswer(), thread)
        serializer = s.AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reply = None
        if (reply_id := serializer.validated_data["reply_id"]) is not None:
            reply = Reply.objects.filter(pk=reply_id, thread=thread).first()
            if reply is None:
                raise ValidationError({"reply_id": [f'Invalid id "{reply_id}" - no such reply in this thread.']})
        thread = services.thread_accept(thread=thread, reply=reply)
        return self._thread_response(thread, moderator)

    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        thread, _unused = self._thread(pk)
        return self._vote(thread)

    def _flag(self, pk, flag: str) -> Response:
        thread, moderator = self._thread(pk)
        check_object_permission(self, self.request, IsCourseModerator(), thread)
        serializer = s.FlagSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        thread = services.thread_flag_set(thread=thread, flag=flag, value=serializer.validated_data["value"])
        return self._thread_response(thread, moderator)

    @action(detail=True, methods=["post"])
    def pin(self, request, pk=None):
        return self._flag(pk, "is_pinned")

    @action(detail=True, methods=["post"])
    def lock(self, request, pk=None):
        return self._flag(pk, "is_locked")

    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        return self._flag(pk, "is_hidden")

    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        thread, _unused = self._thread(pk)
        return self._report(thread)

    @action(detail=False, methods=["get"], url_path="unanswered-count", filter_backends=[], pagination_class=None)
    def unanswered_count(self, request):
        course = self._community_course(request.query_params.get("course"))
        check_object_permission(self, request, IsCourseModerator(), course)
        return Response(
            {
                "course": s.CourseRefSerializer(course).data,
                "unanswered_count": selectors.unanswered_count(course=course),
            }
        )


# --- Replies ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(description="A thread's replies, oldest first; `parent` nests them one level."),
    create=extend_schema(
        request=s.ReplyCreateSerializer,
        responses={201: s.ReplySerializer},
        description="Reply to the thread, or (`parent`) to one of its top-level replies. A locked thread: 403.",
    ),
)
@extend_schema(tags=["community"])
class ThreadReplyViewSet(CommunityView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ReplySerializer
    throttled_actions = ("create",)
    schema_errors = {
        "list": THREAD_404,
        "create": {403: "The thread is locked or deleted, or the caller does not take part in the course."},
    }

    def thread(self) -> tuple[Thread, bool]:
        if not hasattr(self, "_thread_and_role"):
            self._thread_and_role = self._thread(self.kwargs["thread_pk"])
        return self._thread_and_role

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Reply.objects.none()
        thread, moderator = self.thread()
        return selectors.reply_list(user=self.request.user, thread=thread, moderator=moderator)

    def create(self, request, *args, **kwargs):
        thread, moderator = self.thread()
        serializer = s.ReplyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = None
        if (parent_id := serializer.validated_data["parent"]) is not None:
            parent = Reply.objects.filter(pk=parent_id, thread=thread).select_related("parent").first()
            if parent is None or not selectors.reply_is_visible(reply=parent, moderator=moderator):
                raise ValidationError({"parent": [f'Invalid id "{parent_id}" - no such reply in this thread.']})
        reply = services.reply_create(
            author=request.user, thread=thread, body=serializer.validated_data["body"], parent=parent
        )
        return self._reply_response(reply, status_code=status.HTTP_201_CREATED)


@extend_schema_view(
    partial_update=extend_schema(
        request=s.ReplyUpdateSerializer,
        responses={200: s.ReplySerializer},
        description="The author edits the body within `COMMUNITY_EDIT_WINDOW_MINUTES` of posting.",
    ),
    destroy=extend_schema(description='Soft delete (the author, the course\'s tutors, admins): reads "[deleted]".'),
    vote=extend_schema(
        request=s.VoteSerializer, responses={200: s.VoteResultSerializer}, description="1, -1 or 0 (clear)."
    ),
    hide=extend_schema(
        request=s.FlagSerializer, responses={200: s.ReplySerializer}, description="Course tutors and admins only."
    ),
    report=extend_schema(
        request=s.ReportCreateSerializer,
        responses={201: s.ReportSerializer, 200: s.ReportSerializer},
        description="Report the reply to the course's moderators (201; 200 with your open report on it).",
    ),
)
@extend_schema(tags=["community"])
class ReplyViewSet(CommunityView, viewsets.GenericViewSet):
    serializer_class = s.ReplySerializer
    lookup_value_regex = ID_REGEX
    http_method_names = ["post", "patch", "delete", "options"]
    schema_errors = {
        "partial_update": {403: "Not the author, the post was deleted, or the edit window has passed."},
        "destroy": {403: "Not the author, the course's tutor or an admin."},
    }

    def get_queryset(self):
        return Reply.objects.none()  # replies are listed under their thread

    def partial_update(self, request, pk=None):
        reply, _unused = self._reply(pk)
        check_object_permission(self, request, IsPostAuthor(), reply)
        serializer = s.ReplyUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reply, _unused = services.reply_update(reply=reply, data=serializer.validated_data)
        return self._reply_response(reply)

    def destroy(self, request, pk=None):
        reply, _unused = self._reply(pk)
        check_object_permission(self, request, IsPostAuthorOrModerator(), reply)
        services.reply_delete(reply=reply)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        reply, _unused = self._reply(pk)
        return self._vote(reply)

    @action(detail=True, methods=["post"])
    def hide(self, request, pk=None):
        reply, _unused = self._reply(pk)
        check_object_permission(self, request, IsCourseModerator(), reply)
        serializer = s.FlagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reply = services.reply_hidden_set(reply=reply, value=serializer.validated_data["value"])
        return self._reply_response(reply)

    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        reply, _unused = self._reply(pk)
        return self._report(reply)


# --- Reports ------------------------------------------------------------------------------------------


class ReportFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=ReportStatus.choices, method="filter_status", help_text="Default `open`: the queue."
    )
    course = filters.CharFilter(field_name="course__slug", help_text="Only this course's reports (its slug).")

    class Meta:
        model = Report
        fields = ["status", "course"]

    def filter_status(self, queryset, name, value):
        return queryset  # applied by the view's selector


@extend_schema_view(
    list=extend_schema(
        description=(
            "The moderation queue: reports on posts of the courses you teach (admins: all), newest first; "
            "`?status=open` (default), `hidden` or `dismissed`."
        )
    ),
    resolve=extend_schema(
        request=s.ReportResolveSerializer,
        responses={200: s.ReportSerializer},
        description="`hide` hides the post and resolves every open report on it; `dismiss` resolves this one.",
    ),
)
@extend_schema(tags=["community"])
class ReportViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ReportSerializer
    permission_classes = [IsTutorOrAdmin]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ReportFilter
    lookup_value_regex = ID_REGEX
    schema_errors = {"resolve": {404: "No such report in your queue.", 409: "The report was already resolved."}}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Report.objects.none()
        wanted = self.request.query_params.get("status") or ReportStatus.OPEN
        status_ = wanted if wanted in s.REPORT_STATUSES else ReportStatus.OPEN  # bad values: the filter's 400
        return selectors.report_list(user=self.request.user, status=status_)

    @action(detail=True, methods=["post"], filter_backends=[])
    def resolve(self, request, pk=None):
        report = or_404(selectors.report_get(user=request.user, pk=pk))
        serializer = s.ReportResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_resolve(report=report, action=serializer.validated_data["action"], by=request.user)
        report = selectors.report_get(user=request.user, pk=report.pk)
        return Response(s.ReportSerializer(report, context=self.get_serializer_context()).data)


# --- Announcements ---------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("course", str, description="The course's slug; without it, every course you take part in.")
        ],
        description="Announcements, newest first.",
    ),
    create=extend_schema(
        request=s.AnnouncementCreateSerializer,
        responses={201: s.AnnouncementSerializer},
        description="Course tutors and admins. Every active student is e-mailed, in batches, by the task queue.",
    ),
    partial_update=extend_schema(
        request=s.AnnouncementUpdateSerializer,
        responses={200: s.AnnouncementSerializer},
        description="Course tutors and admins (not e-mailed again).",
    ),
    destroy=extend_schema(description="Course tutors and admins."),
)
@extend_schema(tags=["community"])
class AnnouncementViewSet(CommunityView, viewsets.GenericViewSet):
    serializer_class = s.AnnouncementSerializer
    lookup_value_regex = ID_REGEX
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    schema_errors = {"list": {403: MEMBERS_ONLY}}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Announcement.objects.none()
        slug = self.request.query_params.get("course")
        course = self._community_course(slug) if slug else None
        return selectors.announcement_list(user=self.request.user, course=course)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _announcement(self, pk) -> Announcement:
        announcement = or_404(selectors.announcement_get(user=self.request.user, pk=pk))
        self._take_part(announcement)
        return announcement

    def _response(self, announcement: Announcement, *, status_code: int = status.HTTP_200_OK) -> Response:
        announcement = selectors.announcement_detail(announcement=announcement)
        return Response(s.AnnouncementSerializer(announcement, context=self.get_serializer_context()).data, status_code)

    def create(self, request, *args, **kwargs):
        serializer = s.AnnouncementCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        course = self._body_course(data.pop("course"))
        check_object_permission(self, request, IsCourseModerator(), course)
        announcement = services.announcement_create(author=request.user, course=course, **data)
        return self._response(announcement, status_code=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return self._response(self._announcement(pk))

    def partial_update(self, request, pk=None):
        announcement = self._announcement(pk)
        check_object_permission(self, request, IsCourseModerator(), announcement)
        serializer = s.AnnouncementUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        announcement, _unused = services.announcement_update(announcement=announcement, data=serializer.validated_data)
        return self._response(announcement)

    def destroy(self, request, pk=None):
        announcement = self._announcement(pk)
        check_object_permission(self, request, IsCourseModerator(), announcement)
        services.announcement_delete(announcement=announcement)
        return Response(status=status.HTTP_204_NO_CONTENT)
