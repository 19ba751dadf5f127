"""Live-session API: thin views that authenticate, authorise and call a service or selector.

Who sees what (``live.selectors``): a session exists (else 404) for its course's tutors and
admins, and for the course's active students when the course is published; anonymous callers
get 401, except on the public upcoming list of a published course
(``GET sessions/?course=<slug>&upcoming=true``) and on the calendar feed, which authenticates
with its own token. The session object never carries a join URL: ``join/`` gives it, inside the
window, to registered students and (as moderators) to the course's tutors and admins;
``external_url`` is shown to the course's tutors and admins only.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import check_object_permission
from core.api.shortcuts import or_404
from courses import selectors as course_selectors
from courses.models import Course
from live import calendar, selectors, services
from live.api import serializers as s
from live.models import LiveSession
from live.permissions import IsActiveStudent, ManagesCourse

ID_REGEX = r"[0-9]{1,18}"
NOT_REGISTERED = _("Register for the session first: joining is for registered students and the course's tutors.")
ICS = "text/calendar"


class ListQuerySerializer(serializers.Serializer):
    course = serializers.CharField(required=False, max_length=200, help_text="The course's slug: only its sessions.")
    upcoming = serializers.BooleanField(
        required=False, default=False, help_text="Only sessions that are not cancelled and have not ended."
    )
    registered = serializers.BooleanField(
        required=False, default=False, help_text="Only the sessions you registered for."
    )


def _managed(user):
    """A predicate on course ids: whether the user manages that course (one query for a list)."""
    if course_selectors.is_admin(user):
        return lambda course_id: True
    if not (user and user.is_authenticated):
        return lambda course_id: False
    taught = set(course_selectors.taught_course_ids(user).values_list("course_id", flat=True))
    return lambda course_id: course_id in taught


def _ics(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=f"{ICS}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response


@extend_schema_view(
    list=extend_schema(
        parameters=[ListQuerySerializer],
        description=(
            "Sessions of the courses you take part in (active student, tutor, admin), by start time. "
            "`?course=<slug>&upcoming=true` of a published course is public (no login): its upcoming "
            "sessions, as on the course page; the object never carries a join URL."
        ),
    ),
    create=extend_schema(
        request=s.SessionCreateSerializer,
        responses={201: s.SessionSerializer},
        description=(
            "The course's tutors and admins schedule a session. `provider` defaults to the configured one "
            "(`external` when only `external_url` is given)."
        ),
    ),
    retrieve=extend_schema(description="A session (its course's active students, tutors and admins)."),
    partial_update=extend_schema(
        request=s.SessionUpdateSerializer,
        responses={200: s.SessionSerializer},
        description=(
            "The course's tutors and admins edit a session. A new `starts_at` or `duration_minutes` is a "
            "reschedule: registrants are e-mailed and the calendar event's SEQUENCE goes up."
        ),
    ),
    destroy=extend_schema(
        description="Cancel (the session stays, `status: cancelled`; registrants are e-mailed). Idempotent."
    ),
    register=[
        extend_schema(
            methods=["POST"],
            request=None,
            responses={201: s.SessionSerializer, 200: s.SessionSerializer},
            description="An active student takes a place (201; 200 when already registered); 409 when full.",
        ),
        extend_schema(methods=["DELETE"], request=None, responses={204: None}, description="Give the place back."),
    ],
    join=extend_schema(
        responses={200: s.JoinSerializer},
        description=(
            "The meeting URL, from `join_available_from` until the end: for registered students, and for "
            "the course's tutors and admins as moderators. The first join is recorded (attendance)."
        ),
    ),
    attendance=extend_schema(
        responses={200: s.AttendanceSerializer(many=True)},
        description="Who joined and when first: the course's tutors and admins.",
    ),
    ics=extend_schema(
        responses={(200, ICS): OpenApiResponse(OpenApiTypes.BINARY, description="One VEVENT (RFC 5545).")},
        description="The session as an iCalendar file.",
    ),
)
@extend_schema(tags=["live"])
class SessionViewSet(viewsets.GenericViewSet):
    """Scheduled live classes of a course."""

    serializer_class = s.SessionSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX
    schema_errors = {
        "create": {400: "Invalid input, or a course you cannot see (`Invalid id`)."},
        "partial_update": {409: "The session was cancelled."},
        "post": {409: "The session is full, cancelled or has ended."},
        "join": {
            403: "Not registered, or outside the join window (the detail says when it opens).",
            502: "The meeting service answered wrongly.",
            503: "The meeting service cannot be reached.",
        },
    }

    def _public_listing(self) -> bool:
        params = getattr(self.request, "query_params", {}) if self.request is not None else {}
        return bool(params.get("course")) and str(params.get("upcoming", "")).lower() in ("true", "1")

    def get_permissions(self):
        if getattr(self, "action", None) == "list" and self._public_listing():
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_queryset(self):
        return LiveSession.objects.none()

    def _session(self, pk) -> LiveSession:
        return or_404(selectors.session_get(user=self.request.user, pk=pk))

    def _response(self, session: LiveSession, *, status_code: int = status.HTTP_200_OK) -> Response:
        session = selectors.session_get(user=self.request.user, pk=session.pk)
        context = {**self.get_serializer_context(), "manages": _managed(self.request.user)}
        return Response(s.SessionSerializer(session, context=context).data, status=status_code)

    def list(self, request):
        query = ListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        user = request.user
        course = None
        if slug := params.get("course"):
            course = Course.objects.filter(slug=slug).first()
            if course is None or not course_selectors.course_is_visible(user=user, course=course):
                raise Http404
        if params["registered"] and not user.is_authenticated:
            raise Http404
        public = (
            course is not None
            and params["upcoming"]
            and course.is_published
            and not params["registered"]
            and not (user.is_authenticated and _takes_part(user, course))
        )
        if public:
            queryset = selectors.public_upcoming_list(course=course)
        elif course is not None and params["upcoming"] and not user.is_authenticated:
            raise Http404  # a draft's sessions are nobody's business but its tutors'
        else:
            queryset = selectors.session_list(
                user=user, course=course, upcoming=params["upcoming"], registered=params["registered"]
            )
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "manages": _managed(user)}
        return self.get_paginated_response(s.SessionSerializer(page, many=True, context=context).data)

    def create(self, request):
        serializer = s.SessionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        course = data.pop("course")
        if not course_selectors.course_is_visible(user=request.user, course=course):
            raise ValidationError({"course": [_('Invalid id "%(id)s" - object does not exist.') % {"id": course.pk}]})
        check_object_permission(self, request, ManagesCourse(), course)
        session = services.session_create(by=request.user, course=course, **data)
        return self._response(session, status_code=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return self._response(self._session(pk))

    def partial_update(self, request, pk=None):
        session = self._session(pk)
        check_object_permission(self, request, ManagesCourse(), session)
        serializer = s.SessionUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        session, _ = services.session_update(session=session, data=serializer.validated_data)
        return self._response(session)

    def destroy(self, request, pk=None):
        session = self._session(pk)
        check_object_permission(self, request, ManagesCourse(), session)
        services.session_cancel(session=session)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post", "delete"])
    def register(self, request, pk=None):
        session = self._session(pk)
        if request.method == "DELETE":
            services.registration_delete(session=session, student=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        check_object_permission(self, request, IsActiveStudent(), session)
        _, created = services.registration_create(session=session, student=request.user)
        return self._response(session, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["get"])
    def join(self, request, pk=None):
        session = self._session(pk)
        moderator = selectors.user_manages_session(request.user, session)
        if not moderator and not (
            selectors.user_is_active_student(request.user, session) and selectors.is_registered(request.user, session)
        ):
            return Response({"detail": NOT_REGISTERED}, status=status.HTTP_403_FORBIDDEN)
        url = services.join(session=session, user=request.user, moderator=moderator)
        return Response({"join_url": url, "moderator": moderator})

    @action(detail=True, methods=["get"])
    def attendance(self, request, pk=None):
        session = self._session(pk)
        check_object_permission(self, request, ManagesCourse(), session)
        page = self.paginate_queryset(selectors.attendance_list(session=session))
        return self.get_paginated_response(s.AttendanceSerializer(page, many=True).data)

    @action(detail=True, methods=["get"])
    def ics(self, request, pk=None):
        session = self._session(pk)
        return _ics(calendar.calendar([session], name=session.title), f"live-session-{session.pk}.ics")


def _takes_part(user, course: Course) -> bool:
    return course_selectors.user_manages_course(user, course) or (
        course.is_published and course_selectors.user_is_enrolled(user, course)
    )


@extend_schema(
    tags=["live"],
    parameters=[OpenApiParameter("token", str, required=True, description="Your calendar feed token.")],
    responses={(200, ICS): OpenApiResponse(OpenApiTypes.BINARY, description="Your live sessions (RFC 5545).")},
    description=(
        "Your calendar feed, for calendar apps (no login: the token is the key; rotate it with "
        "`POST calendar-token/`): the sessions you registered for and those of the courses you teach, "
        "cancelled ones as `STATUS:CANCELLED`."
    ),
)
class CalendarFeedView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema_errors = {"get": {404: "No such feed token (it may have been rotated)."}}

    def get(self, request):
        user = selectors.feed_owner(token=str(request.query_params.get("token", ""))[:200])
        if user is None:
            return Response({"detail": _("No such feed token (it may have been rotated).")}, status=404)
        sessions = selectors.feed_sessions(user=user)
        return _ics(calendar.calendar(sessions, name="11Tutors live sessions"), "11tutors-live.ics")


@extend_schema(
    tags=["live"],
    request=None,
    responses={200: s.FeedTokenSerializer},
    description="A new calendar feed token and its absolute URL; the previous one stops working.",
)
class CalendarTokenView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        token = services.feed_token_rotate(user=request.user)
        url = request.build_absolute_uri(reverse("live-calendar-feed")) + f"?token={token}"
        return Response({"token": token, "url": url})
