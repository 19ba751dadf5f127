"""Progress and reviews API: thin views over learning.services."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.shortcuts import or_404
from courses import selectors as course_selectors
from courses.models import Course
from learning import selectors, services
from learning.api import serializers as s
from learning.models import Review
from learning.permissions import CanRecordLessonProgress, HasCourseProgress, IsReviewAuthor, IsReviewAuthorOrAdmin


def _visible_course(request, slug: str) -> Course:
    return or_404(course_selectors.course_visible_get(user=request.user, slug=slug))


@extend_schema(tags=["learning"], request=s.ProgressInputSerializer, responses={200: s.ProgressResponseSerializer})
class LessonProgressView(APIView):
    """Record the player position; 90 % of the duration (or `completed: true`) completes the lesson."""

    permission_classes = [IsAuthenticated, CanRecordLessonProgress]

    def post(self, request, slug: str):
        lesson = or_404(course_selectors.lesson_visible_get(user=request.user, slug=slug))
        self.check_object_permissions(request, lesson)
        serializer = s.ProgressInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        progress = services.lesson_progress_record(student=request.user, lesson=lesson, **serializer.validated_data)
        course_progress = services.course_progress(student=request.user, course=lesson.part.course)
        return Response({"lesson": s.LessonProgressSerializer(progress).data, "course": course_progress})


@extend_schema(tags=["learning"], responses={200: s.CourseProgressSerializer})
class CourseProgressView(APIView):
    """The caller's progress in a course (enrolled students; the course's tutors and admins)."""

    permission_classes = [IsAuthenticated, HasCourseProgress]

    def get(self, request, slug: str):
        course = _visible_course(request, slug)
        self.check_object_permissions(request, course)
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

    # Beyond a login for writes: whose review may be changed (checked before the body is read).
    object_permissions = {"update": IsReviewAuthor, "partial_update": IsReviewAuthor, "destroy": IsReviewAuthorOrAdmin}

    def get_permissions(self):
        rule = self.object_permissions.get(self.action)
        return [IsAuthenticatedOrReadOnly(), *([rule()] if rule else [])]

    def course(self) -> Course:
        if not hasattr(self, "_course"):
            self._course = _visible_course(self.request, self.kwargs["course_slug"])
        return self._course

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        return selectors.review_list(course=self.course())

    def perform_create(self, serializer):
        serializer.instance = services.review_create(
            user=self.request.user, course=self.course(), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.review_update(review=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance):
        services.review_delete(review=instance)
