"""Progress and reviews API: thin views over learning.services."""

from __future__ import annotations

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import selectors as course_selectors
from courses.api.views import deny
from courses.models import Course, Enrollment
from learning import services
from learning.api import serializers as s
from learning.models import Review


def _visible_course(request, slug: str) -> Course:
    course = Course.objects.filter(course_selectors.course_visible_filter(request.user), slug=slug).first()
    if course is None:
        raise Http404
    return course


@extend_schema(tags=["learning"], request=s.ProgressInputSerializer, responses={200: s.ProgressResponseSerializer})
class LessonProgressView(APIView):
    """Record the player position; 90 % of the duration (or `completed: true`) completes the lesson."""

    permission_classes = [IsAuthenticated]

    def post(self, request, slug: str):
        lesson = course_selectors.lesson_visible(user=request.user).filter(slug=slug).first()
        if lesson is None:
            raise Http404
        if not course_selectors.user_may_watch(request.user, lesson):
            deny(request, "Only people who may watch this lesson can record progress on it.")
        serializer = s.ProgressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        progress = services.lesson_progress_record(student=request.user, lesson=lesson, **serializer.validated_data)
        course_progress = services.course_progress(student=request.user, course=lesson.part.course)
        return Response({"lesson": s.LessonProgressSerializer(progress).data, "course": course_progress})


@extend_schema(tags=["learning"], responses={200: s.CourseProgressSerializer})
class CourseProgressView(APIView):
    """The caller's progress in a course (enrolled students; the course's tutors and admins)."""

    permission_classes = [IsAuthenticated]

    def get(self, request, slug: str):
        course = _visible_course(request, slug)
        if not course_selectors.user_has_progress_in(request.user, course):
            deny(request, "Only enrolled students have progress in this course.")
        return Response(s.CourseProgressSerializer(services.course_progress(student=request.user, course=course)).data)


class ReviewFilter(filters.FilterSet):
    rating = filters.NumberFilter(field_name="rating", min_value=1, max_value=5)

    class Meta:
        model = Review
        fields = ["rating"]


@extend_schema(tags=["learning"])
class ReviewViewSet(viewsets.ModelViewSet):
    """Reviews of a course: anyone reads; enrolled students write one each; admins may delete any."""

    schema_errors = {"create": {409: "You have already reviewed this course."}}
    serializer_class = s.ReviewSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ReviewFilter

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def course(self) -> Course:
        if not hasattr(self, "_course"):
            self._course = _visible_course(self.request, self.kwargs["course_slug"])
        return self._course

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        return Review.objects.filter(course=self.course()).select_related("user").order_by("-created_at")

    def perform_create(self, serializer):
        course = self.course()
        if not Enrollment.objects.filter(student=self.request.user, course=course, is_active=True).exists():
            raise PermissionDenied("Only students enrolled in this course can review it.")
        serializer.instance = services.review_create(user=self.request.user, course=course, **serializer.validated_data)

    def perform_update(self, serializer):
        if serializer.instance.user_id != self.request.user.pk:
            raise PermissionDenied("Only the author may edit a review.")
        serializer.instance = services.review_update(review=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance):
        if instance.user_id != self.request.user.pk and not self.request.user.is_admin:
            raise PermissionDenied("Only the author and administrators may delete a review.")
        services.review_delete(review=instance)
