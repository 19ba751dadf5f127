from django.urls import path

from learning.api import views

review_list = views.ReviewViewSet.as_view({"get": "list", "post": "create"})
review_detail = views.ReviewViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})

urlpatterns = [
    path("lessons/<slug:slug>/progress/", views.LessonProgressView.as_view(), name="lesson-progress"),
    path("courses/<slug:slug>/progress/", views.CourseProgressView.as_view(), name="course-progress"),
    path("courses/<slug:course_slug>/reviews/", review_list, name="course-review-list"),
    path("courses/<slug:course_slug>/reviews/<uuid:pk>/", review_detail, name="course-review-detail"),
]
