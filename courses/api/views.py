"""Catalog API: thin views that authenticate, authorise and call a service or selector."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import check_object_permission
from core.api.renderers import dumps
from core.api.shortcuts import conditional_json
from courses import cache as catalog_cache
from courses import hooks, search, selectors, services
from courses.api import facets, viewer
from courses.api import serializers as s
from courses.api.filters import (
    CommentFilter,
    CourseFilter,
    EnrollmentFilter,
    LessonFilter,
    PartFilter,
    TutorInvitationFilter,
)
from courses.api.pagination import CoursePagination
from courses.models import Category, Comment, Course, Lesson, TutorInvitation
from courses.permissions import (
    CanWatchLesson,
    IsCommentAuthor,
    IsCommentAuthorOrCourseManager,
    IsCourseManager,
    IsCourseManagerOrReadOnly,
)
from users.permissions import IsAdmin, IsTutorOrAdmin

WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


def _visible_course(request, course: Course, *, field: str) -> Course:
    """A course named in a body must be one the caller can see; others do not exist for them."""
    if not selectors.course_is_visible(user=request.user, course=course):
        raise ValidationError({field: [f'Invalid id "{course.pk}" - object does not exist.']})
    return course


# --- Categories --------------------------------------------------------------------------------


@extend_schema(tags=["catalog"])
class CategoryViewSet(viewsets.ModelViewSet):
    """Course categories: anyone reads; admins write. Detail by id or by slug."""

    serializer_class = s.CategorySerializer
    http_method_names = WRITE_METHODS
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    lookup_url_kwarg = "id_or_slug"

    def get_permissions(self):
        return [AllowAny()] if self.request.method in SAFE_METHODS else [IsAdmin()]

    def get_queryset(self):
        return selectors.category_list()

    def get_object(self):
        key = self.kwargs["id_or_slug"]
        lookup = {"pk": int(key)} if key.isdigit() and len(key) <= 18 else {"slug": key}
        try:
            return self.get_queryset().get(**lookup)
        except Category.DoesNotExist:
            raise Http404 from None

    def perform_create(self, serializer):
        serializer.instance = services.category_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.category_update(category=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance):
        services.category_delete(category=instance)


# --- Courses ----------------------------------------------------------------------------------


class CourseOrdering(OrderingFilter):
    """``ordering=`` of the course list, plus ``relevance`` (best first; the default while
    searching, ignored without a search)."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        searching = bool(search.clean(request.query_params.get("search")))
        terms = [term for term in ordering if term.lstrip("-") != "relevance"]
        if searching and len(terms) < len(ordering):
            terms.insert([t.lstrip("-") for t in ordering].index("relevance"), "-relevance")
        return terms or None


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("mine", bool, description="Tutors: your own courses, drafts included."),
            OpenApiParameter(
                "facets",
                str,
                description=(
                    "Comma-separated facets to count (`category`, `level`, `price`, `rating`): adds `facets` "
                    "to the envelope, each counted for the current search and the other filters."
                ),
            ),
        ]
    ),
    create=extend_schema(
        request=s.CourseWriteSerializer,
        responses={201: s.CourseDetailSerializer},
        description="The creator becomes a tutor at once; other `tutors` are invited (they join when they accept).",
    ),
    partial_update=extend_schema(
        request=s.CourseWriteSerializer,
        responses={200: s.CourseDetailSerializer},
        description=(
            "Change any subset of the fields. `tutors` is the wanted list: current tutors left out are "
            "removed at once, new ones are invited by e-mail and appear in `tutors` only once they accept "
            "(`POST /api/courses/tutor-invitations/{id}/accept/`). The course keeps at least one current "
            "tutor (400 on `tutors` otherwise)."
        ),
    ),
)
@extend_schema(tags=["catalog"])
class CourseViewSet(viewsets.ModelViewSet):
    """Courses. Lists show published courses (plus your drafts with `?mine=true`)."""

    schema_errors = {"destroy": {409: "The course has enrolled students: unpublish it instead."}}
    conditional_actions = ("list", "retrieve")  # ETag and 304 (core.api.schema)
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    http_method_names = WRITE_METHODS
    filter_backends = [filters.DjangoFilterBackend, CourseOrdering]
    filterset_class = CourseFilter
    pagination_class = CoursePagination
    ordering_fields = ["created_at", "updated_at", "price", "title", "rating", "students_count", "relevance"]
    permission_classes = [IsAuthenticatedOrReadOnly, IsCourseManagerOrReadOnly]

    def get_permissions(self):
        if self.action == "create":
            return [IsTutorOrAdmin()]
        return super().get_permissions()

    def get_serializer_class(self):
        return s.CourseListSerializer if self.action == "list" else s.CourseDetailSerializer

    def _mine(self) -> bool:
        """``?mine=true`` from a signed-in user: their own courses, drafts included (never shared)."""
        mine = self.request.query_params.get("mine", "").lower() in ("true", "1")
        return mine and self.request.user.is_authenticated

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "list":
            context["search"] = search.clean(self.request.query_params.get("search"))
        return context

    def _list_data(self, request) -> dict:
        """The page, with ``facets`` when asked for (checked first: an unknown facet is a 400)."""
        names = facets.requested(request.query_params)
        data = super().list(request).data
        if names:
            data["facets"] = facets.compute(
                names,
                base=selectors.course_facet_base(user=request.user, mine=self._mine()),
                query_params=request.query_params,
                request=request,
            )
        return data

    def list(self, request, *args, **kwargs):
        """Published courses: one shared public body per URL, plus the viewer's ``is_enrolled``."""
        if self._mine():
            return Response(self._list_data(request))
        body = catalog_cache.public_body(request, lambda: viewer.list_body(self._list_data(request)))
        if request.user.is_authenticated:
            body = viewer.catalog_page(body, user=request.user)
        return conditional_json(request, body.content, body.etag)

    def get_queryset(self):
        if self.action == "list":
            # The shared public list is built without a viewer (``is_enrolled`` comes per viewer).
            return (
                selectors.course_list(user=self.request.user, mine=True)
                if self._mine()
                else selectors.course_list(user=None)
            )
        return selectors.course_detail_queryset(user=self.request.user)

    def _detail_response(self, course: Course, *, status_code: int = status.HTTP_200_OK) -> Response:
        """After a write: the course as the detail selector loads it."""
        course = selectors.course_detail_queryset(user=self.request.user).get(pk=course.pk)
        return self._render_detail(course, status_code=status_code)

    def _render_detail(self, course: Course, *, status_code: int = status.HTTP_200_OK) -> Response:
        """``course`` comes from the detail selector: its annotations and prefetched tutors answer
        "does this viewer follow the course?" without another query."""
        user = self.request.user
        context = self.get_serializer_context()
        follows = user.is_authenticated and (
            user.is_admin
            or any(tutor.pk == user.pk for tutor in course.tutors.all())
            or (course.is_published and course.is_enrolled)
        )
        if follows:
            context["progress"] = hooks.course_progress(student=user, course=course, total_lessons=course.lessons_count)
        return Response(s.CourseDetailSerializer(course, context=context).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        """A published course: the shared public page plus the viewer's fields. A draft: built
        for its tutors and admins (404 for everyone else)."""
        body = catalog_cache.public_body(request, self._public_page)
        if body is None:
            if not request.user.is_authenticated:
                raise Http404
            return self._render_detail(self.get_object())
        if request.user.is_authenticated:
            body = viewer.course_page(body, user=request.user)
        return conditional_json(request, body.content, body.etag)

    def _public_page(self) -> catalog_cache.Body | None:
        """The course page as an anonymous visitor sees it, or None when it is not public."""
        course = selectors.course_detail_queryset(user=None).filter(slug=self.kwargs["slug"]).first()
        if course is None:
            return None
        return catalog_cache.Body.of(
            dumps(s.CourseDetailSerializer(course, context=self.get_serializer_context()).data)
        )

    def create(self, request, *args, **kwargs):
        serializer = s.CourseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = services.course_create(creator=request.user, **serializer.validated_data)
        return self._detail_response(course, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        course = self._managed_course()
        serializer = s.CourseWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        course, _unused = services.course_update(course=course, data=serializer.validated_data, by=request.user)
        return self._detail_response(course)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        services.course_delete(course=self._managed_course(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _managed_course(self) -> Course:
        """The course of a write, loaded without the detail's annotations; 404 when the caller
        cannot see it, 403 when they may not manage it."""
        try:
            course = selectors.course_for_update(user=self.request.user, slug=self.kwargs["slug"])
        except Course.DoesNotExist:
            raise Http404 from None
        self.check_object_permissions(self.request, course)
        return course


# --- Parts and lessons ------------------------------------------------------------------------


class CourseContentViewSet(viewsets.ModelViewSet):
    """Parts and lessons, by slug: lists show the content of the caller's own courses (tutors and
    admins); details follow the course's visibility; writes need the right to manage the course
    (checked in ``get_object()``, before the body)."""

    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    http_method_names = WRITE_METHODS
    filter_backends = [filters.DjangoFilterBackend]
    permission_classes = [IsAuthenticatedOrReadOnly, IsCourseManagerOrReadOnly]
    list_selector = visible_selector = None  # staticmethods of the selectors module

    def get_permissions(self):
        if self.action == "list":
            return [IsTutorOrAdmin()]
        return super().get_permissions()

    def get_queryset(self):
        selector = self.list_selector if self.action == "list" else self.visible_selector
        return selector(user=self.request.user)


@extend_schema(tags=["catalog"])
class PartViewSet(CourseContentViewSet):
    """Course parts (sections). Lists: your own courses' parts. Detail: as the course's visibility."""

    serializer_class = s.PartSerializer
    filterset_class = PartFilter
    list_selector = staticmethod(selectors.part_list)
    visible_selector = staticmethod(selectors.part_visible)

    def perform_create(self, serializer):
        course = _visible_course(self.request, serializer.validated_data.pop("course"), field="course")
        check_object_permission(self, self.request, IsCourseManager(), course)
        serializer.instance = services.part_create(course=course, **serializer.validated_data)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k != "course"}
        serializer.instance, _unused = services.part_update(part=serializer.instance, data=data)

    def perform_destroy(self, instance):
        services.part_delete(part=instance)


# --- Lessons ------------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(responses={200: s.LessonPlayerSerializer}),
)
@extend_schema(tags=["catalog"])
class LessonViewSet(CourseContentViewSet):
    """Lessons. Detail is the player page: anyone may call it; secrets only for those who may watch."""

    serializer_class = s.LessonWriteSerializer
    filterset_class = LessonFilter
    list_selector = staticmethod(selectors.lesson_list)
    visible_selector = staticmethod(selectors.lesson_visible)

    def retrieve(self, request, *args, **kwargs):
        """A lesson of a published course: its outline comes from the shared catalog cache and
        only the viewer's entitlement, playback and view are worked out per request. Lessons of
        drafts are loaded for their course's tutors and admins (404 for everyone else)."""
        slug = self.kwargs["slug"]
        public = catalog_cache.remembered(f"lesson:{slug}", lambda: self._public_lesson(slug))
        if public is None:
            lesson = self.get_object()
            may_watch = selectors.user_may_watch(request.user, lesson)
            return Response(self._player(self._outline(lesson), lesson, may_watch=may_watch))
        user = request.user
        may_watch = selectors.may_watch(
            user,
            published=True,  # only lessons of published courses are kept
            free_preview=public["is_free_preview"],
            manages=lambda: user.is_admin or str(user.pk) in public["tutor_ids"],
            enrolled=lambda: bool(selectors.enrolled_course_ids(user=user, course_ids=[public["course_id"]])),
        )
        # The hooks read only the lesson's id and video.
        lesson = Lesson(pk=public["outline"]["id"], video_service_id=public["video_service_id"])
        return Response(self._player(dict(public["outline"]), lesson, may_watch=may_watch))

    def _public_lesson(self, slug: str) -> dict | None:
        """What every viewer of a lesson of a published course sees, and what decides who may
        watch it; None when the lesson is not public."""
        lesson = selectors.lesson_visible(user=None).filter(slug=slug).first()
        if lesson is None:
            return None
        course = lesson.part.course
        return {
            "outline": self._outline(lesson),
            "course_id": str(course.pk),
            "tutor_ids": selectors.course_tutor_ids(course=course),
            "is_free_preview": lesson.is_free_preview,
            "video_service_id": lesson.video_service_id,
        }

    def _outline(self, lesson: Lesson) -> dict:
        """The player page without the viewer's part (filled in by ``_player``)."""
        lesson.otp = lesson.playbackInfo = lesson.video_error = None
        lesson.locked = True
        return dict(s.LessonPlayerSerializer(lesson, context=self.get_serializer_context()).data)

    def _player(self, outline: dict, lesson: Lesson, *, may_watch: bool) -> dict:
        """The outline plus the viewer's part: playable secrets only for those who may watch (a
        failing provider leaves the outline), and the view recorded when secrets were issued."""
        playback = error = None
        if may_watch:
            playback, error = hooks.lesson_playback(lesson=lesson, viewer=self.request.user, request=self.request)
            if playback:
                hooks.lesson_played(lesson=lesson, viewer=self.request.user)
        outline["otp"] = playback["otp"] if playback else None
        outline["playbackInfo"] = playback["playbackInfo"] if playback else None
        outline["locked"] = not may_watch
        outline["video_error"] = error
        return outline

    def perform_create(self, serializer):
        part = serializer.validated_data.pop("part")
        _visible_course(self.request, part.course, field="part")
        check_object_permission(self, self.request, IsCourseManager(), part)
        title = serializer.validated_data.pop("title")
        serializer.instance = services.lesson_create(
            part=part, title=title, by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance, _unused = services.lesson_update(
            lesson=serializer.instance, data=serializer.validated_data, by=self.request.user
        )

    def perform_destroy(self, instance):
        services.lesson_delete(lesson=instance)


# --- Comments --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("lesson", str, description="Lesson id (required except for admins).")]
    ),
    partial_update=extend_schema(request=s.CommentUpdateSerializer),
)
@extend_schema(tags=["catalog"])
class CommentViewSet(viewsets.ModelViewSet):
    """Lesson comments, threaded by `parent`, newest first; only for those who may watch the lesson."""

    schema_errors = {"list": {403: "The caller may not watch this lesson."}}
    serializer_class = s.CommentSerializer
    http_method_names = WRITE_METHODS
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CommentFilter
    # Beyond a login for writes: who may change an existing comment.
    object_permissions = {
        "update": IsCommentAuthor,
        "partial_update": IsCommentAuthor,
        "destroy": IsCommentAuthorOrCourseManager,
    }

    def get_permissions(self):
        rule = self.object_permissions.get(self.action)
        return [IsAuthenticatedOrReadOnly(), *([rule()] if rule else [])]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Comment.objects.none()
        if self.action != "list":
            return selectors.comment_visible(user=self.request.user)
        lesson_id = self.request.query_params.get("lesson")
        if not lesson_id:
            if selectors.is_admin(self.request.user):
                return selectors.comment_list(lesson=None)
            raise ValidationError({"lesson": [_("This filter is required.")]})
        lesson = self._watchable_lesson(lesson_id, field="lesson")
        return selectors.comment_list(lesson=lesson)

    def _watchable_lesson(self, lesson_id, *, field: str) -> Lesson:
        field_ = s.CommentSerializer().fields["lesson"]
        try:
            lesson = field_.to_internal_value(lesson_id)
        except ValidationError as exc:
            raise ValidationError({field: exc.detail}) from None
        if not selectors.lesson_is_visible(user=self.request.user, lesson=lesson):
            raise ValidationError({field: [f'Invalid id "{lesson_id}" - object does not exist.']})
        check_object_permission(self, self.request, CanWatchLesson(), lesson)
        return lesson

    def perform_create(self, serializer):
        lesson = self._watchable_lesson(str(serializer.validated_data["lesson"].pk), field="lesson")
        serializer.instance = services.comment_create(
            user=self.request.user,
            lesson=lesson,
            text=serializer.validated_data["text"],
            parent=serializer.validated_data.get("parent"),
        )

    def partial_update(self, request, *args, **kwargs):
        comment = self.get_object()
        serializer = s.CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "text" in serializer.validated_data:
            services.comment_update(comment=comment, text=serializer.validated_data["text"])
        comment = selectors.comment_list(lesson=None).get(pk=comment.pk)
        return Response(s.CommentSerializer(comment, context=self.get_serializer_context()).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def perform_destroy(self, instance: Comment):
        services.comment_delete(comment=instance)

    def check_object_permissions(self, request, obj: Comment) -> None:
        """The comments of a lesson the caller may not watch do not exist for them (404), before
        any rule about the comment itself (403)."""
        if not selectors.user_may_watch(request.user, obj.lesson):
            raise Http404
        super().check_object_permissions(request, obj)


# --- Co-tutor invitations -------------------------------------------------------------------------------

ALREADY_ANSWERED = _("The invitation was already answered (or withdrawn).")
NOT_YOURS = _("No such invitation addressed to you (someone else's invitations do not exist for you).")


@extend_schema_view(
    accept=extend_schema(
        request=None,
        responses={200: s.TutorInvitationSerializer},
        description="Join the course's tutors. Concurrent accepts have one effect (the others get 409).",
    ),
    decline=extend_schema(
        request=None, responses={200: s.TutorInvitationSerializer}, description="Refuse to co-teach the course."
    ),
)
@extend_schema(tags=["catalog"])
class TutorInvitationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Invitations to co-teach a course addressed to you (`?status=pending` for the open ones),
    newest first. A course manager creates them by adding you to the course's `tutors`."""

    serializer_class = s.TutorInvitationSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = TutorInvitationFilter
    schema_errors = {
        "accept": {400: "Your account is no longer a tutor or admin account.", 404: NOT_YOURS, 409: ALREADY_ANSWERED},
        "decline": {404: NOT_YOURS, 409: ALREADY_ANSWERED},
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return TutorInvitation.objects.none()
        return selectors.tutor_invitation_list(user=self.request.user)

    def get_object(self) -> TutorInvitation:
        # Someone else's invitation, or a malformed id: 404 (not filtered by the query string).
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (TutorInvitation.DoesNotExist, ValueError, DjangoValidationError):
            raise Http404 from None

    def _answered(self, invitation: TutorInvitation) -> Response:
        invitation = self.get_queryset().get(pk=invitation.pk)
        return Response(s.TutorInvitationSerializer(invitation, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        invitation = services.tutor_invitation_accept(invitation=self.get_object(), user=request.user)
        return self._answered(invitation)

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        invitation = services.tutor_invitation_decline(invitation=self.get_object())
        return self._answered(invitation)


# --- Enrolments ------------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=s.EnrollmentCreateSerializer,
        responses={200: s.EnrollmentSerializer, 201: s.EnrollmentSerializer},
        description=(
            "Enrol yourself in a free published course (201; 200 with the existing enrolment). "
            "Paid courses answer 402: use the payments endpoint. A course's tutors and admins may "
            "grant access to a `student`."
        ),
    )
)
@extend_schema(tags=["catalog"])
class EnrollmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Your enrolments (admins: everyone's, with `?student=` and `?course=`)."""

    schema_errors = {"create": {402: "The course is paid: buy it through the payments endpoint."}}
    serializer_class = s.EnrollmentSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EnrollmentFilter

    def get_queryset(self):
        return selectors.enrollment_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = s.EnrollmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = _visible_course(request, serializer.validated_data["course"], field="course")
        student = serializer.validated_data.get("student")
        if student is not None and student.pk != request.user.pk:
            check_object_permission(self, request, IsCourseManager(), course)
            enrollment, created = services.enrollment_grant(course=course, student=student, by=request.user)
        else:
            enrollment, created = services.enrollment_create_free(student=request.user, course=course)
        enrollment = selectors.enrollment_list(user=enrollment.student).get(pk=enrollment.pk)
        return Response(
            s.EnrollmentSerializer(enrollment, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Search ----------------------------------------------------------------------------------------------------


def _typed(request) -> str:
    query = s.SearchQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return search.clean(query.validated_data["q"])


@extend_schema(tags=["catalog"], parameters=[s.SearchQuerySerializer], responses={200: s.SuggestionsSerializer})
class SearchSuggestView(APIView):
    """Up to 10 suggestions for a search box (`{results: [{type, label, slug}]}`): published
    courses, categories with a published course, tutors teaching one (`slug`: their id). Prefix
    matches first, then words starting with the text, then close spellings. Kept in the catalog
    cache per text until the next catalog write."""

    permission_classes = [AllowAny]

    def get(self, request):
        text = _typed(request)
        results = catalog_cache.remembered(
            f"suggest:{translation.get_language()}:{text.lower()}", lambda: search.suggestions(text)
        )
        return Response({"results": results or []})


@extend_schema(tags=["catalog"], parameters=[s.SearchQuerySerializer])
class LessonSearchView(generics.ListAPIView):
    """Lessons of published courses whose title or description match `q` (full-text, ranked
    title over description, on PostgreSQL; every word as a substring on SQLite), with their
    course, the free-preview flag and a highlighted `headline`. Drafts never appear."""

    permission_classes = [AllowAny]
    serializer_class = s.LessonSearchResultSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Lesson.objects.none()
        return search.lesson_search(_typed(self.request))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["search"] = search.clean(self.request.query_params.get("q"))
        return context
