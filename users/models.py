from __future__ import annotations

import functools
import secrets
import uuid
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from core.i18n import validate_language
from core.models import TimeStampedModel
from core.storage import unique_upload_path

USER_ID_LENGTH = 12


@functools.cache
def iana_timezones() -> frozenset[str]:
    """The names of the IANA time-zone database (``zoneinfo``), read once."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in iana_timezones():
        raise ValidationError(f'"{value}" is not a time zone of the IANA database (e.g. "Europe/Paris", "UTC").')


def generate_user_id() -> str:
    """A 12-digit random id from the OS's cryptographic source (no leading zero)."""
    return str(10 ** (USER_ID_LENGTH - 1) + secrets.randbelow(9 * 10 ** (USER_ID_LENGTH - 1)))


def looks_like_user_id(value: object) -> bool:
    """Whether ``value`` could be a user id at all: up to 12 ASCII digits.

    Lets lookups refuse garbage (NUL bytes, which PostgreSQL rejects with an error) before the database.
    """
    return isinstance(value, str) and 0 < len(value) <= USER_ID_LENGTH and value.isascii() and value.isdigit()


def avatar_upload_path(instance: User, filename: str) -> str:
    return unique_upload_path("avatars", filename)


class Role(models.IntegerChoices):
    ADMIN = 1, "Admin"
    TUTOR = 2, "Tutor"
    STUDENT = 3, "Student"
    USER = 4, "User"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """E-mail addresses are stored lower-cased: unique and matched regardless of case."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email=self.normalize_email(email))

    def _new_id(self) -> str:
        user_id = generate_user_id()
        while self.filter(pk=user_id).exists():  # 1 in 10^11 odds; still never reuse an id
            user_id = generate_user_id()
        return user_id

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("Users must have an e-mail address.")
        user = self.model(id=self._new_id(), email=self.normalize_email(email), **fields)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True, is_email_verified=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    id = models.CharField(primary_key=True, max_length=USER_ID_LENGTH, default=generate_user_id, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.PositiveSmallIntegerField(choices=Role.choices, default=Role.USER, db_index=True)
    is_email_verified = models.BooleanField(default=False)
    phone = models.CharField(max_length=32, blank=True)
    username = models.CharField(max_length=150, blank=True)
    avatar = models.ImageField(upload_to=avatar_upload_path, blank=True)
    bio = models.TextField(blank=True, max_length=5000)
    headline = models.CharField(max_length=200, blank=True)
    # The IANA time zone e-mails render times in (the API itself speaks UTC).
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # The language the API answers this user in and writes their e-mails in (settings.LANGUAGES);
    # blank: not chosen (requests follow Accept-Language, e-mails the default language).
    language = models.CharField(max_length=16, blank=True, default="", validators=[validate_language])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    # Access tokens issued before this moment are refused (set on password change/reset).
    tokens_valid_after = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(
                Lower("username"), condition=~models.Q(username=""), name="user_username_ci_unique"
            ),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        self.email = UserManager.normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_admin(self) -> bool:
        """Role 1, staff and superusers all count as admins."""
        return self.role == Role.ADMIN or self.is_staff or self.is_superuser

    @property
    def is_tutor(self) -> bool:
        return self.role == Role.TUTOR

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


class OnboardingAnswer(TimeStampedModel):
    """What a user told us while onboarding: where and what they study."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="onboarding_answers")
    university = models.ForeignKey(
        "core.University", on_delete=models.SET_NULL, null=True, blank=True, related_name="onboarding_answers"
    )
    degree = models.CharField(max_length=255, blank=True)
    graduation_year = models.PositiveSmallIntegerField(null=True, blank=True)
    interests = models.TextField(blank=True, max_length=5000)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(graduation_year__isnull=True)
                | models.Q(graduation_year__gte=1900, graduation_year__lte=2100),
                name="onboarding_graduation_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.degree}"
