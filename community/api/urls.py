from django.urls import re_path
from rest_framework.routers import SimpleRouter

from community.api import views

router = SimpleRouter()
router.register("threads", views.ThreadViewSet, basename="community-thread")
router.register("replies", views.ReplyViewSet, basename="community-reply")
router.register("reports", views.ReportViewSet, basename="community-report")
router.register("announcements", views.AnnouncementViewSet, basename="community-announcement")

thread_replies = views.ThreadReplyViewSet.as_view({"get": "list", "post": "create"})

urlpatterns = [
    re_path(rf"^threads/(?P<thread_pk>{views.ID_REGEX})/replies/$", thread_replies, name="community-thread-replies"),
    *router.urls,
]
