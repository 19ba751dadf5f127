from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.filters import SearchFilter
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import selectors
from core.api.serializers import HealthSerializer, UniversitySerializer
from core.health import readiness


@extend_schema(
    tags=["core"],
    parameters=[OpenApiParameter("country", str, description="Exact country name, case-insensitive.")],
)
class UniversityViewSet(viewsets.ReadOnlyModelViewSet):
    """Universities for the onboarding picker, ordered by global rank then name."""

    serializer_class = UniversitySerializer
    permission_classes = [AllowAny]
    filter_backends = [filters.DjangoFilterBackend, SearchFilter]
    search_fields = ["name", "city", "country"]
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        return selectors.university_list(country=self.request.query_params.get("country"))


@extend_schema(tags=["core"], responses={200: HealthSerializer})
class HealthView(APIView):
    """Liveness: the process is up. No database access."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"status": "ok"})


@extend_schema(tags=["core"], responses={200: HealthSerializer, 503: HealthSerializer})
class ReadyView(APIView):
    """Readiness: the database, the cache and (with a worker setup) the task broker answer;
    503 when one does not."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        checks = readiness()
        ready = all(result == "ok" for result in checks.values())
        return Response(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
        )
