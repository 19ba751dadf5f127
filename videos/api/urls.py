from django.urls import path, re_path

from videos.api import views

urlpatterns = [
    path("upload-credentials/", views.UploadCredentialsView.as_view(), name="video-upload-credentials"),
    re_path(r"^video/(?P<video_id>[-A-Za-z0-9_]{1,100})/otp/$", views.VideoOtpView.as_view(), name="video-otp"),
    path("local/upload/", views.LocalUploadView.as_view(), name="video-local-upload"),
    re_path(
        r"^local/stream/(?P<token>[-A-Za-z0-9_]{1,1000})/$",  # base64url, unpadded
        views.LocalStreamView.as_view(),
        name="video-local-stream",
    ),
]
