"""Accounts API: thin views that authenticate, authorise and call a service or selector."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status, viewsets
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView, TokenVerifyView

from core import i18n
from core.exceptions import ServiceError
from core.throttling import ThrottledDetailMixin
from users import selectors, services
from users.api import serializers as s
from users.models import Role, User, looks_like_user_id
from users.permissions import IsAdmin, IsSelfOrAdmin, IsTutorOrAdmin
from users.throttles import (
    EmailResendThrottle,
    LoginAccountIPThrottle,
    LoginAccountThrottle,
    LoginIPThrottle,
    PasswordResetThrottle,
    RegisterEmailThrottle,
    RegisterFailureThrottle,
    RegisterThrottle,
)

DETAIL = inline_serializer("Detail", fields={"detail": serializers.CharField()})


class PublicEndpoint:
    """No authentication at all: a stale or garbage Bearer header must not make it fail."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


# --- JWT ----------------------------------------------------------------------------------


@extend_schema(tags=["auth"], responses={200: s.LoginSerializer, 401: DETAIL, 429: DETAIL})
class LoginView(ThrottledDetailMixin, TokenObtainPairView):
    """Obtain `{access, refresh}` with `{email, password}`.

    Throttled per IP (every attempt, generous), and on failed logins: tightly per
    (account, client IP), so that nobody can lock an owner out from elsewhere, and per
    account from every address together with a high ceiling. While the cache that counts failed
    logins is down, sign-in answers 503 (those throttles fail closed: core/throttling.py).
    """

    serializer_class = s.LoginSerializer
    throttle_classes = [LoginIPThrottle, LoginAccountIPThrottle, LoginAccountThrottle]
    throttled_detail = _("Too many login attempts.")
    schema_errors = {"post": {503: _("Sign-in is temporarily unavailable (the failed-login counts cannot be read).")}}

    def post(self, request, *args, **kwargs):
        account_ip_throttle, account_throttle = LoginAccountIPThrottle(), LoginAccountThrottle()
        try:
            response = super().post(request, *args, **kwargs)
        except AuthenticationFailed:  # DRF's class: simplejwt's serializer raises it, not its own subclass
            account_ip_throttle.record_failure(request, self)
            account_throttle.record_failure(request, self)
            raise
        # The owner from this address got in; the account-wide count is left alone, or each of
        # the owner's logins would hand a distributed guesser a fresh budget.
        account_ip_throttle.reset(request, self)
        return response


@extend_schema(tags=["auth"], responses={200: s.RefreshSerializer, 401: DETAIL})
class RefreshView(TokenRefreshView):
    """Exchange a refresh token for a new access token. The refresh token is not rotated."""

    serializer_class = s.RefreshSerializer


@extend_schema(tags=["auth"], responses={200: OpenApiResponse(description="The token is valid."), 401: DETAIL})
class VerifyView(TokenVerifyView):
    """Check that a token is valid (signature, expiry, not blacklisted)."""

    serializer_class = s.VerifySerializer


@extend_schema(tags=["auth"], request=s.LogoutSerializer, responses={205: None, 400: DETAIL, 401: DETAIL})
class LogoutView(APIView):
    """Blacklist the given refresh token: that session can no longer refresh."""

    def post(self, request):
        serializer = s.LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            refresh = RefreshToken(serializer.validated_data["refresh"])
            services.refresh_token_blacklist(user=request.user, refresh=refresh)
        except (TokenError, services.InvalidToken) as exc:
            raise ValidationError({"refresh": [str(exc)]}) from None
        return Response(status=status.HTTP_205_RESET_CONTENT)


# --- Users ----------------------------------------------------------------------------------


class UserFilter(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices)
    is_email_verified = filters.BooleanFilter()

    class Meta:
        model = User
        fields = ["role", "is_email_verified"]


class RegistrationMixin(ThrottledDetailMixin):
    """POST registers an account with ``register_role``; it performs no authentication.

    Throttled per IP (every attempt, a ceiling far above a lecture hall signing up behind one
    NAT), per IP on failures, and per e-mail address on every attempt.
    """

    register_role: int = Role.USER
    throttled_detail = _("Too many registration attempts.")

    def _registering(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        if self._registering():
            return []
        return super().get_authenticators()

    def get_throttles(self):
        if self._registering():
            return [RegisterThrottle(), RegisterFailureThrottle(), RegisterEmailThrottle()]
        return super().get_throttles()

    def create(self, request, *args, **kwargs):
        try:
            serializer = s.RegisterSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            user = services.user_register(role=self.register_role, **serializer.validated_data)
        except (ValidationError, ServiceError):
            RegisterFailureThrottle().record_failure(request, self)
            raise
        return Response(
            s.UserSerializer(user, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["users"])
class UserListCreateView(RegistrationMixin, generics.ListCreateAPIView):
    """GET: all users (admins only). POST: register a user (anyone)."""

    serializer_class = s.UserSerializer
    filter_backends = [filters.DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = UserFilter
    search_fields = ["email", "first_name", "last_name", "=id"]
    ordering_fields = ["created_at", "updated_at"]

    def get_permissions(self):
        return [AllowAny()] if self._registering() else [IsAdmin()]

    def get_queryset(self) -> QuerySet[User]:
        return selectors.user_list()

    @extend_schema(request=s.RegisterSerializer, responses={201: s.UserSerializer, 400: DETAIL, 429: DETAIL}, auth=[])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@extend_schema(tags=["users"])
class MeView(APIView):
    """The caller's own user object; PATCH any subset of the profile fields."""

    update_serializer = s.ProfileUpdateSerializer
    output_serializer = s.UserSerializer

    def get_permissions(self):
        return [IsAuthenticated()]

    @extend_schema(responses={200: s.UserSerializer})
    def get(self, request):
        return Response(self.output_serializer(request.user, context={"request": request}).data)

    @extend_schema(request=s.ProfileUpdateSerializer, responses={200: s.UserSerializer, 400: DETAIL})
    def patch(self, request):
        serializer = self.update_serializer(instance=request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user, _unused = services.user_update(user=request.user, data=serializer.validated_data)
        if "language" in serializer.validated_data:  # the answer is already in the new language
            i18n.activate_request_language(request._request, user)
        return Response(self.output_serializer(user, context={"request": request}).data)


@extend_schema(tags=["users"], request=s.PasswordChangeSerializer, responses={204: None, 400: DETAIL})
class PasswordChangeView(APIView):
    """Change one's password; every session (refresh token) is logged out."""

    def post(self, request):
        serializer = s.PasswordChangeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.user_password_set(user=request.user, password=serializer.validated_data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["users"])
class UserDetailView(generics.RetrieveUpdateDestroyAPIView):
    """A user record: the user themself or an admin. Only admins change role/is_active/is_email_verified."""

    serializer_class = s.UserSerializer
    permission_classes = [IsAuthenticated, IsSelfOrAdmin]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[User]:
        # Other people's records are not even known to non-admins: 404, not 403.
        return selectors.user_visible_list(viewer=self.request.user)

    def get_object(self) -> User:
        if not looks_like_user_id(self.kwargs.get(self.lookup_field)):
            raise NotFound  # e.g. a NUL byte in the URL would be a database error on PostgreSQL
        return super().get_object()

    @extend_schema(request=s.AdminUserUpdateSerializer, responses={200: s.UserSerializer, 400: DETAIL})
    def patch(self, request, *args, **kwargs):
        user = self.get_object()
        by_admin = request.user.is_admin
        serializer_class = s.AdminUserUpdateSerializer if by_admin else s.TutorProfileUpdateSerializer
        serializer = serializer_class(instance=user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user, _unused = services.user_update(user=user, data=serializer.validated_data, by_admin=by_admin)
        return Response(s.UserSerializer(user, context={"request": request}).data)

    def perform_destroy(self, instance: User) -> None:
        services.user_delete(user=instance)


# --- Tutors ------------------------------------------------------------------------------------


@extend_schema(tags=["tutors"])
class TutorListCreateView(RegistrationMixin, generics.ListCreateAPIView):
    """GET: the public tutor directory. POST: register as a tutor (anyone)."""

    register_role = Role.TUTOR
    serializer_class = s.TutorPublicSerializer
    permission_classes = [AllowAny]
    filter_backends = [SearchFilter]
    search_fields = ["first_name", "last_name", "headline"]

    def get_queryset(self) -> QuerySet[User]:
        return selectors.tutor_list()

    @extend_schema(request=s.RegisterSerializer, responses={201: s.UserSerializer, 400: DETAIL, 429: DETAIL}, auth=[])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@extend_schema(tags=["tutors"])
class TutorMeView(MeView):
    """The calling tutor's profile: the user fields plus `bio` and `headline`."""

    update_serializer = s.TutorProfileUpdateSerializer
    output_serializer = s.TutorProfileSerializer

    def get_permissions(self):
        return [IsTutorOrAdmin()]

    @extend_schema(responses={200: s.TutorProfileSerializer})
    def get(self, request):
        return super().get(request)

    @extend_schema(request=s.TutorProfileUpdateSerializer, responses={200: s.TutorProfileSerializer, 400: DETAIL})
    def patch(self, request):
        return super().patch(request)


# --- E-mail verification and password reset ----------------------------------------------------


@extend_schema(tags=["auth"], request=s.EmailVerifySerializer, responses={200: s.UserSerializer, 400: DETAIL})
class EmailVerifyView(PublicEndpoint, APIView):
    """Confirm an e-mail address with the token from the verification link."""

    def post(self, request):
        serializer = s.EmailVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.email_verification_confirm(token=serializer.validated_data["token"])
        except services.InvalidToken as exc:
            raise ValidationError({"token": [str(exc)]}) from None
        return Response(s.UserSerializer(user, context={"request": request}).data)


@extend_schema(tags=["auth"], request=None, responses={200: DETAIL, 400: DETAIL, 429: DETAIL})
class EmailResendView(APIView):
    """Send the verification e-mail again (throttled)."""

    throttle_classes = [EmailResendThrottle]

    def post(self, request):
        if request.user.is_email_verified:
            raise ValidationError({"detail": _("Your e-mail address is already verified.")})
        services.email_verification_send(user=request.user)
        return Response({"detail": _("Verification e-mail sent.")})


@extend_schema(tags=["auth"], request=s.PasswordResetRequestSerializer, responses={204: None, 400: DETAIL, 429: DETAIL})
class PasswordResetRequestView(ThrottledDetailMixin, PublicEndpoint, APIView):
    """Always 204, whether or not the account exists; sends a reset link if it does.

    Both cases do the same work (see ``services.password_reset_request``), so the answer's
    timing does not tell them apart either.
    """

    throttle_classes = [PasswordResetThrottle]
    throttled_detail = _("Too many password-reset requests.")

    def post(self, request):
        serializer = s.PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["auth"], request=s.PasswordResetConfirmSerializer, responses={204: None, 400: DETAIL, 429: DETAIL})
class PasswordResetConfirmView(ThrottledDetailMixin, PublicEndpoint, APIView):
    """Set a new password with the link's uid and token; every session is logged out."""

    throttle_classes = [PasswordResetThrottle]
    throttled_detail = _("Too many password-reset requests.")

    def post(self, request):
        serializer = s.PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            user = services.password_reset_user(uid=data["uid"], token=data["token"])
        except services.InvalidToken as exc:
            raise ValidationError({"token": [str(exc)]}) from None
        try:
            s._validate_new_password(data["new_password"], user=user)
        except serializers.ValidationError as exc:
            raise ValidationError({"new_password": exc.detail}) from None
        services.user_password_set(user=user, password=data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Onboarding ------------------------------------------------------------------------------------


@extend_schema(tags=["onboarding"])
class OnboardingAnswerViewSet(viewsets.ModelViewSet):
    """The caller's own onboarding answers; `user` always comes from the token."""

    serializer_class = s.OnboardingAnswerSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.onboarding_answer_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.onboarding_answer_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.onboarding_answer_update(
            answer=serializer.instance, data=serializer.validated_data
        )
