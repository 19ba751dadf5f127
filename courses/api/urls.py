from django.urls import path
from rest_framework.routers import SimpleRouter

from courses.api import views

router = SimpleRouter()
router.register("categories", views.CategoryViewSet, basename="category")
router.register("courses", views.CourseViewSet, basename="course")
router.register("course-parts", views.PartViewSet, basename="course-part")
router.register("lessons", views.LessonViewSet, basename="lesson")
router.register("comments", views.CommentViewSet, basename="comment")
router.register("enrollments", views.EnrollmentViewSet, basename="enrollment")
router.register("tutor-invitations", views.TutorInvitationViewSet, basename="tutor-invitation")

urlpatterns = [
    # Not under courses/: a course slug could be "search".
    path("search/suggest/", views.SearchSuggestView.as_view(), name="search-suggest"),
    path("search/lessons/", views.LessonSearchView.as_view(), name="search-lessons"),
    *router.urls,
]
