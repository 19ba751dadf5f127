from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from core.observability import metrics_view
from payments.api.views import StripeWebhookAliasView

admin.site.site_header = "11Tutors administration"
admin.site.site_title = "11Tutors admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("analytics.api.tutor_urls")),
    path("api/auth/", include("payments.api.tutor_urls")),
    path("api/auth/", include("users.api.urls")),
    path("api/courses/", include("learning.api.urls")),
    path("api/courses/", include("learning.api.certificate_urls")),
    path("api/courses/", include("analytics.api.course_urls")),
    path("api/courses/", include("courses.api.urls")),
    path("api/courses/vdocipher/", include("videos.api.urls")),
    path("api/payments/", include("payments.api.urls")),
    path("webhook/", StripeWebhookAliasView.as_view(), name="stripe-webhook-alias"),
    path("api/community/", include("community.api.urls")),
    path("api/live/", include("live.api.urls")),
    path("api/core/", include("core.api.urls")),
    path("api/notifications/", include("notifications.api.urls")),
    # Prometheus (core.observability): open on the embedded default, token or IP in production.
    path("metrics", metrics_view, name="prometheus-metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs pages carry a strict Content-Security-Policy (core.middleware): Swagger UI's
    # initializer is served as a same-origin script (?script), ReDoc's page loads no web fonts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="core/redoc.html"),
        name="redoc",
    ),
]

if settings.SERVE_MEDIA:
    # The embedded default keeps media on the local disk; serve them so image URLs work.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    )
