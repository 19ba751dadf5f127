"""Input validation and output shapes of the accounts API."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed, TokenError
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
    TokenVerifySerializer,
)
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import UntypedToken

from core import i18n
from core.api.fields import ImageUploadField, SafePrimaryKeyRelatedField
from core.models import University
from core.validators import validate_image_upload
from users.authentication import JWTAuthentication
from users.models import OnboardingAnswer, Role, User, validate_timezone

PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-.]{3,30}$")


def language_field(**kwargs) -> serializers.ChoiceField:
    """One of settings.LANGUAGES (blank: no choice of one's own)."""
    return serializers.ChoiceField(choices=settings.LANGUAGES, **kwargs)


def _validate_new_password(password: str, *, user: User | None = None) -> str:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(list(exc.messages)) from None
    return password


class UserSerializer(serializers.ModelSerializer):
    """The user object of the contract."""

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "role",
            "is_email_verified",
            "phone",
            "username",
            "avatar",
            "timezone",
            "language",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    # Not given: the language the request is answered in (its Accept-Language), so that the
    # verification e-mail, and every later one, is written in it.
    language = language_field(required=False, allow_blank=True)

    def validate_email(self, value: str) -> str:
        value = User.objects.normalize_email(value)
        if User.objects.filter(email=value).exists():
            raise serializers.ValidationError(_("A user with this e-mail address already exists."))
        return value

    def validate(self, attrs: dict) -> dict:
        attrs["language"] = attrs.get("language") or i18n.supported(translation.get_language()) or ""
        candidate = User(email=attrs["email"], first_name=attrs["first_name"], last_name=attrs["last_name"])
        try:
            _validate_new_password(attrs["password"], user=candidate)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"password": exc.detail}) from None
        return attrs


class ProfileUpdateSerializer(serializers.Serializer):
    """PATCH of one's own profile: any subset of these keys; unknown keys are ignored."""

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    username = serializers.CharField(max_length=150, required=False, allow_blank=True)
    avatar = ImageUploadField(
        max_side_setting="MAX_AVATAR_PIXELS_SIDE", required=False, validators=[validate_image_upload]
    )
    timezone = serializers.CharField(
        max_length=64,
        required=False,
        help_text="An IANA time zone (e.g. `Europe/Paris`); e-mails show times in it. The API speaks UTC.",
    )
    language = language_field(required=False, allow_blank=True)

    def _others(self):
        instance = self.instance
        return User.objects.exclude(pk=instance.pk) if instance is not None else User.objects.all()

    def validate_email(self, value: str) -> str:
        value = User.objects.normalize_email(value)
        if self._others().filter(email=value).exists():
            raise serializers.ValidationError(_("A user with this e-mail address already exists."))
        return value

    def validate_phone(self, value: str) -> str:
        value = value.strip()
        if value and not PHONE_RE.match(value):
            raise serializers.ValidationError(_("Enter a phone number of digits, optionally starting with +."))
        return value

    def validate_timezone(self, value: str) -> str:
        value = value.strip()
        try:
            validate_timezone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from None
        return value

    def validate_username(self, value: str) -> str:
        value = value.strip()
        if value and self._others().annotate(lower=Lower("username")).filter(lower=value.lower()).exists():
            raise serializers.ValidationError(_("This username is taken."))
        return value


class TutorProfileUpdateSerializer(ProfileUpdateSerializer):
    bio = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    headline = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AdminUserUpdateSerializer(TutorProfileUpdateSerializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)
    is_email_verified = serializers.BooleanField(required=False)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)

    def validate_old_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError(_("The current password is not correct."))
        return value

    def validate_new_password(self, value: str) -> str:
        return _validate_new_password(value, user=self.context["request"].user)


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=2048)


class EmailVerifySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1024)


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)


class TutorPublicSerializer(serializers.ModelSerializer):
    """The public tutor directory: no e-mail addresses."""

    courses_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "first_name", "last_name", "avatar", "bio", "courses_count"]
        read_only_fields = fields


class TutorProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [*UserSerializer.Meta.fields, "bio", "headline"]
        read_only_fields = fields


class OnboardingAnswerSerializer(serializers.ModelSerializer):
    university = SafePrimaryKeyRelatedField(queryset=University.objects.all(), allow_null=True, required=False)
    graduation_year = serializers.IntegerField(min_value=1900, max_value=2100, allow_null=True, required=False)
    interests = serializers.CharField(max_length=5000, allow_blank=True, allow_null=True, required=False)
    degree = serializers.CharField(max_length=255, allow_blank=True, required=False)

    class Meta:
        model = OnboardingAnswer
        fields = ["id", "user", "university", "degree", "graduation_year", "interests", "created_at", "updated_at"]
        read_only_fields = ["id", "user", "created_at", "updated_at"]

    def validate_interests(self, value: str | None) -> str:
        return value or ""


# --- JWT ------------------------------------------------------------------------------


class LoginSerializer(TokenObtainPairSerializer):
    """``{email, password}`` -> ``{access, refresh}``; the e-mail matches regardless of case."""

    def validate(self, attrs: dict) -> dict:
        attrs[self.username_field] = User.objects.normalize_email(attrs.get(self.username_field))
        return super().validate(attrs)


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, except that a token of a deleted user is a 401, not a 500."""

    def validate(self, attrs: dict) -> dict:
        try:
            return super().validate(attrs)
        except User.DoesNotExist:
            raise AuthenticationFailed(
                _("No active account found for the given token."), code="no_active_account"
            ) from None


class VerifySerializer(TokenVerifySerializer):
    """simplejwt's verify, plus the API's own rules, so that "valid" means the API accepts it:
    a blacklisted (logged-out) token, a token of a deleted or deactivated user and a token
    issued before the user's last password change or reset (users.authentication) are not
    valid: 401 with simplejwt's invalid-token body (``code: token_not_valid``).

    simplejwt only checks the blacklist when BLACKLIST_AFTER_ROTATION is on, which we turn off.
    """

    def validate(self, attrs: dict) -> dict:
        data = super().validate(attrs)
        token = UntypedToken(attrs["token"])
        jti = token.get(jwt_settings.JTI_CLAIM)
        if jti and BlacklistedToken.objects.filter(token__jti=jti).exists():
            raise TokenError(_("Token is blacklisted"))
        try:
            JWTAuthentication().get_user(token)
        except AuthenticationFailed as exc:  # simplejwt's InvalidToken is a subclass
            detail = exc.detail.get("detail", exc.detail) if isinstance(exc.detail, dict) else exc.detail
            raise TokenError(str(detail)) from None
        return data
