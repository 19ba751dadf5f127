"""Certificate API: your certificates, and the public verification of a code."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated

from core.api.shortcuts import or_404
from learning import selectors
from learning.api import certificate_serializers as s


@extend_schema_view(
    list=extend_schema(summary="Your certificates (admins: everyone's), newest first"),
    retrieve=extend_schema(
        summary="One of your certificates",
        responses={200: s.CertificateSerializer, 404: OpenApiResponse(description="No such certificate of yours.")},
    ),
)
@extend_schema(tags=["certificates"])
class CertificateViewSet(viewsets.ReadOnlyModelViewSet):
    """Certificates of completion, issued when a student completes 100 % of a course.
    Another user's certificate does not exist for you (404)."""

    serializer_class = s.CertificateSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        return selectors.certificate_list(user=self.request.user)


@extend_schema(
    tags=["certificates"],
    summary="Verify a certificate (public)",
    parameters=[OpenApiParameter("verification_code", str, OpenApiParameter.PATH)],
    responses={200: s.CertificateVerifySerializer, 404: OpenApiResponse(description="No certificate has this code.")},
)
class CertificateVerifyView(generics.RetrieveAPIView):
    """Confirms that a certificate is authentic: the student's name, the course and the date.
    No authentication at all (a stale Bearer header does not matter); never shows an e-mail."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = s.CertificateVerifySerializer

    def get_object(self):
        return or_404(selectors.certificate_by_code(code=self.kwargs["verification_code"]))
