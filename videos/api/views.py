"""Video endpoints (contract section 3): thin views over the provider and the video services."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.throttling import UserRateThrottle
from users.authentication import JWTAuthentication
from users.permissions import IsTutorOrAdmin
from videos import selectors as video_selectors
from videos import services, streaming
from videos.api import serializers as s
from videos.providers import get_provider, local
from videos.storage import video_storage

PROVIDER_ERRORS = {
    502: OpenApiResponse(s.Detail, description="The video service failed or answered wrongly."),
    503: OpenApiResponse(s.Detail, description="The video service is unavailable or did not answer in time."),
}


class VideoUploadThrottle(UserRateThrottle):
    scope = "video_upload"


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """Media players send all sorts of ``Accept`` headers: ignore them (errors are JSON)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(
    tags=["video"],
    request=s.UploadCredentialsInputSerializer,
    responses={
        200: s.UploadCredentialsSerializer,
        400: OpenApiResponse(description="Invalid title or folder id."),
        401: s.Detail,
        403: s.Detail,
        429: s.Detail,
        **PROVIDER_ERRORS,
    },
)
class UploadCredentialsView(APIView):
    """Credentials to upload one video straight to the video service (tutors and admins).

    The caller becomes the video's uploader: only they (and admins) may attach the returned
    `videoId` to lessons, whoever else teaches those lessons' courses."""

    permission_classes = [IsTutorOrAdmin]
    throttle_classes = [VideoUploadThrottle]

    def post(self, request):
        serializer = s.UploadCredentialsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payload = services.video_upload_credentials(
            uploader=request.user,
            title=serializer.validated_data["title"],
            folder_id=serializer.validated_data.get("folderId"),
            provider=get_provider(request=request),
        )
        return Response(payload)


@extend_schema(
    tags=["video"],
    responses={200: s.PlaybackSerializer, 404: s.Detail, **PROVIDER_ERRORS},
)
class VideoOtpView(APIView):
    """Playback credentials for a video, for someone who may watch a lesson using it (else 404)."""

    permission_classes = [AllowAny]

    def get(self, request, video_id: str):
        if video_selectors.video_watchable_lesson(user=request.user, video_id=video_id) is None:
            raise Http404
        return Response(get_provider(request=request).playback(video_id, viewer=request.user))


@extend_schema(
    tags=["video"],
    request={"multipart/form-data": s.LocalUploadRequest},
    responses={
        201: s.LocalUploadSerializer,
        400: OpenApiResponse(description="A missing field, an empty or non-video file."),
        403: OpenApiResponse(s.Detail, description="A forged or expired upload policy."),
        409: OpenApiResponse(s.Detail, description="This video's file was already uploaded."),
        413: OpenApiResponse(s.Detail, description="The file exceeds the size limit."),
    },
    auth=[],
)
class LocalUploadView(APIView):
    """The local provider's `uploadLink`: the fields of `clientPayload` plus `file`.

    No authentication: the signed, expiring policy is the authorisation."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser, FormParser]

    def post(self, request):
        if local.request_too_large(request.META.get("CONTENT_LENGTH")):
            # Refused before the body is read.
            return Response(
                {"detail": _("The upload exceeds the size limit.")}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        key = services.local_upload_store(fields=request.data, file=request.FILES.get("file"))
        return Response({"key": key}, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["video"],
    responses={
        (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The whole video."),
        (206, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The requested range."),
        403: OpenApiResponse(
            s.Detail,
            description="The link has expired, its viewer may no longer watch the video, "
            "or the request's Bearer names another user than the one the link was issued to.",
        ),
        404: OpenApiResponse(s.Detail, description="A forged link, or the video is gone."),
        416: OpenApiResponse(s.Detail, description="The Range header cannot be satisfied."),
    },
    auth=[],
)
class LocalStreamView(APIView):
    """The local provider's playback URL: streams the video, honouring a single `Range`.

    The opaque token is the authorisation (players send no credentials): it names the video
    and the viewer it was issued to, lives `VIDEO_OTP_TTL_SECONDS`, and the viewer's right to
    watch is checked again on every request. A `Bearer` of another user is refused."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    content_negotiation_class = AnyAcceptNegotiation

    @staticmethod
    def bearer_user(request):
        """The user a valid Bearer header identifies, or None (no header, or one we cannot verify:
        that names nobody, and the token alone decides)."""
        try:
            authenticated = JWTAuthentication().authenticate(request)
        except exceptions.AuthenticationFailed:
            return None
        return authenticated[0] if authenticated else None

    def get(self, request, token: str):
        video = services.local_stream_authorize(token=token, caller=self.bearer_user(request))
        storage = video_storage()
        if not storage.exists(video.file_key):
            raise Http404
        size = storage.size(video.file_key)
        try:
            byte_range = streaming.parse_range(request.headers.get("Range"), size)
        except streaming.RangeNotSatisfiable:
            return Response(
                {"detail": _("The requested range is not satisfiable.")},
                status=status.HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE,
                headers={"Content-Range": f"bytes */{size}"},
            )
        start, end = byte_range or (0, size - 1)
        length = max(end - start + 1, 0)
        content_type = video.content_type or "application/octet-stream"
        if settings.VIDEO_ACCEL_REDIRECT_PREFIX and local.storage_serves_files():
            # Authorised: nginx sends the bytes (and answers the Range) from its internal location.
            response = HttpResponse(content_type=content_type)
            response["X-Accel-Redirect"] = settings.VIDEO_ACCEL_REDIRECT_PREFIX + quote(video.file_key)
            response["Cache-Control"] = "private, no-transform"
            response["X-Content-Type-Options"] = "nosniff"
            return response
        if request.method == "HEAD":
            response = HttpResponse(content_type=content_type)
        else:
            chunks = streaming.file_chunks(storage, video.file_key, start=start, length=length)
            response = StreamingHttpResponse(chunks, content_type=content_type)
        if byte_range is not None:
            response.status_code = status.HTTP_206_PARTIAL_CONTENT
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(length)
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = "private, no-transform"
        response["X-Content-Type-Options"] = "nosniff"
        return response
