from django.urls import path
from rest_framework.routers import SimpleRouter

from users.api import views

router = SimpleRouter()
router.register("onboarding-answers", views.OnboardingAnswerViewSet, basename="onboarding-answer")

urlpatterns = [
    path("token/", views.LoginView.as_view(), name="token-obtain"),
    path("token/refresh/", views.RefreshView.as_view(), name="token-refresh"),
    path("token/verify/", views.VerifyView.as_view(), name="token-verify"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("users/", views.UserListCreateView.as_view(), name="user-list"),
    path("users/me/", views.MeView.as_view(), name="user-me"),
    path("users/me/password/", views.PasswordChangeView.as_view(), name="user-password"),
    path("users/<str:pk>/", views.UserDetailView.as_view(), name="user-detail"),
    path("tutors/", views.TutorListCreateView.as_view(), name="tutor-list"),
    path("tutors/me/", views.TutorMeView.as_view(), name="tutor-me"),
    path("email/verify/", views.EmailVerifyView.as_view(), name="email-verify"),
    path("email/resend/", views.EmailResendView.as_view(), name="email-resend"),
    path("password/reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path("password/reset/confirm/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    *router.urls,
]
