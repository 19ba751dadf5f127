"""URLconf for tests of unexpected failures: the real routes plus views that crash."""

import json

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from eleven_tutors.urls import urlpatterns as real_urlpatterns


class CrashingApiView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internal detail")


def crashing_plain_view(request):
    raise RuntimeError("secret internal detail")


class RawJsonApiView(APIView):
    """Parses its raw body itself, as the Stripe webhook does."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []

    def post(self, request):
        return Response({"keys": len(json.loads(request.body))})


def raw_json_plain_view(request):
    return JsonResponse({"keys": len(json.loads(request.body))})


class SuspiciousApiView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise SuspiciousOperation("secret internal detail")


def suspicious_plain_view(request):
    raise SuspiciousOperation("secret internal detail")


class EndlessRecursionApiView(APIView):
    """A RecursionError of our own (not from parsing a body) is still a bug: 500."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        def down(n):
            return down(n + 1) + 1

        return Response({"depth": down(0)})


urlpatterns = [
    path("api/test/crash-drf/", CrashingApiView.as_view()),
    path("api/test/crash-plain/", crashing_plain_view),
    path("api/test/raw-json-drf/", RawJsonApiView.as_view()),
    path("api/test/raw-json-plain/", raw_json_plain_view),
    path("api/test/suspicious-drf/", SuspiciousApiView.as_view()),
    path("api/test/suspicious-plain/", suspicious_plain_view),
    path("api/test/recursion-drf/", EndlessRecursionApiView.as_view()),
    *real_urlpatterns,
]
