from django.urls import path
from rest_framework.routers import SimpleRouter

from learning.api import certificate_views as views

router = SimpleRouter()
router.register("certificates", views.CertificateViewSet, basename="certificate")

urlpatterns = [
    path(
        "certificates/verify/<str:verification_code>/",
        views.CertificateVerifyView.as_view(),
        name="certificate-verify",
    ),
    *router.urls,
]
