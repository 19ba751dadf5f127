"""URLconf for tests of unexpected failures: the real routes plus views that crash."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from eleven_tutors.urls import urlpatterns as real_urlpatterns


class CrashingApiView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internal detail")


def crashing_plain_view(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [
    path("api/test/crash-drf/", CrashingApiView.as_view()),
    path("api/test/crash-plain/", crashing_plain_view),
    *real_urlpatterns,
]
