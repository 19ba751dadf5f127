"""Account use cases: registration, profile updates, passwords, e-mail verification."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from core.exceptions import ServiceError
from core.services import model_update
from notifications import kinds as notification_kinds
from notifications import services as notifications
from users.emails import frontend_url, send_templated_email
from users.models import OnboardingAnswer, Role, User, looks_like_user_id
from users.signals import user_language_changed, user_renamed

EMAIL_VERIFICATION_SALT = "users.email-verification"

PROFILE_FIELDS = (
    "first_name", "last_name", "email", "phone", "username", "avatar", "bio", "headline", "timezone", "language",
)  # fmt: skip
ADMIN_ONLY_FIELDS = ("role", "is_active", "is_email_verified")


class InvalidToken(Exception):
    """A verification or reset token that is malformed, expired, forged or already used."""


# --- Registration and profile ------------------------------------------------------------


def user_register(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    role: int = Role.USER,
    language: str = "",
) -> User:
    """Create an account (role USER or TUTOR) and send the verification e-mail.

    The password is hashed before the transaction starts: hashing is slow on purpose, and on
    SQLite a transaction holds the database's write lock from its first statement (IMMEDIATE).
    """
    if role not in (Role.USER, Role.TUTOR):
        raise ValueError("Self-registration creates users or tutors only.")
    user = User(
        email=User.objects.normalize_email(email),
        first_name=first_name,
        last_name=last_name,
        role=role,
        language=language,
    )
    user.set_password(password)
    with transaction.atomic():
        try:
            with transaction.atomic():
                user.id = User.objects._new_id()
                user.save(force_insert=True)
        except IntegrityError:  # a concurrent registration took the address after validation
            raise ServiceError(_("A user with this e-mail address already exists."), field="email") from None
        email_verification_send(user=user)
    return user


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any], by_admin: bool = False) -> tuple[User, bool]:
    """Update a profile; only admins change role, activity and verification.

    Changing the e-mail address resets ``is_email_verified`` and sends a new link.
    """
    fields = PROFILE_FIELDS + (ADMIN_ONLY_FIELDS if by_admin else ())
    data = {key: value for key, value in data.items() if key in fields}
    if "email" in data:
        data["email"] = User.objects.normalize_email(data["email"])
    email_changed = "email" in data and data["email"] != user.email
    previous_email = user.email
    if email_changed and not (by_admin and "is_email_verified" in data):
        data["is_email_verified"] = False
        fields += ("is_email_verified",)
    renamed = any(key in data and data[key] != getattr(user, key) for key in ("first_name", "last_name"))
    relanguaged = "language" in data and data["language"] != user.language
    try:
        with transaction.atomic():
            user, updated = model_update(instance=user, fields=fields, data=data)
    except IntegrityError:  # a concurrent update took the address or username after validation
        if email_changed and User.objects.filter(email=data["email"]).exclude(pk=user.pk).exists():
            raise ServiceError(_("A user with this e-mail address already exists."), field="email") from None
        raise ServiceError(_("This username is taken."), field="username") from None
    if email_changed and not user.is_email_verified:
        email_verification_send(user=user)
    if email_changed:
        # A security notice, to the previous address too (it cannot be switched off).
        notifications.notify(
            recipients=[user.pk],
            kind=notification_kinds.EMAIL_CHANGED,
            title=_("Your e-mail address was changed"),
            body=_("Your account's e-mail address is now %(email)s. Not you? Reset your password."),
            params={"email": user.email},
            url="/account",
            data={"previous_email": previous_email, "new_email": user.email},
        )
    if renamed:
        # In this transaction: the course search text and the certificates follow the new name.
        user_renamed.send(sender=User, user=user)
    if relanguaged:
        user_language_changed.send(sender=User, user=user)
    return user, updated


@transaction.atomic
def user_delete(*, user: User) -> None:
    user.delete()


# --- Passwords and tokens ------------------------------------------------------------------


def user_tokens_revoke(*, user: User) -> None:
    """Blacklist every outstanding refresh token and refuse older access tokens."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    user.tokens_valid_after = timezone.now()
    user.save(update_fields=["tokens_valid_after"])
    notifications.user_sockets_close(user_id=user.pk, reason="tokens_revoked")


@transaction.atomic
def user_password_set(*, user: User, password: str) -> None:
    """Hash and store a (validated) password, then log the user out everywhere."""
    user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
    user_tokens_revoke(user=user)


def refresh_token_blacklist(*, user: User, refresh: RefreshToken) -> None:
    """Log out one session: its refresh token stops working."""
    if str(refresh.payload.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])) != str(user.pk):
        raise InvalidToken(_("This refresh token does not belong to you."))
    refresh.blacklist()
    # The user's open sockets close; those of their other sessions reconnect with their tokens.
    notifications.user_sockets_close(user_id=user.pk, reason="logout")


def password_reset_request(*, email: str) -> None:
    """Send a reset link if an active account with a usable password has this address; say nothing either way.

    Any other address goes through exactly the same work (the lookup, a token, both parts of
    the e-mail rendered, the hand-over to the task queue) for an unsaved stand-in user; only
    the delivery is left out. So neither the answer nor its timing tells whether the account
    exists.
    """
    address = User.objects.normalize_email(email)
    user = User.objects.filter(email=address, is_active=True).first()
    deliver = user is not None and user.has_usable_password()
    if not deliver:
        user = User(email=address, password=make_password(None))  # never saved, never mailed
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    send_templated_email(
        recipient=user,
        subject=_("Reset your 11Tutors password"),
        template="password_reset",
        context={
            "name": user.first_name or user.email,
            "link": frontend_url("/reset-password", uid=uid, token=token),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
        deliver=deliver,
    )


def password_reset_user(*, uid: str, token: str) -> User:
    """The user a reset link was made for; the token dies once the password changes."""
    try:
        pk = force_str(urlsafe_base64_decode(uid))
        if not looks_like_user_id(pk):  # e.g. a NUL byte would be a database error on PostgreSQL
            raise User.DoesNotExist
        user = User.objects.get(pk=pk, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        raise InvalidToken(_("The reset link is invalid or has expired.")) from None
    if not default_token_generator.check_token(user, token):
        raise InvalidToken(_("The reset link is invalid or has expired."))
    return user


# --- E-mail verification -------------------------------------------------------------------


def _email_fingerprint(user: User) -> str:
    """Binds a token to the current address without revealing it."""
    return salted_hmac(EMAIL_VERIFICATION_SALT, user.email).hexdigest()[:24]


def email_verification_token_make(*, user: User) -> str:
    return signing.dumps({"u": user.pk, "h": _email_fingerprint(user)}, salt=EMAIL_VERIFICATION_SALT, compress=True)


def email_verification_send(*, user: User) -> None:
    token = email_verification_token_make(user=user)
    send_templated_email(
        recipient=user,
        subject=_("Confirm your e-mail address"),
        template="verify_email",
        context={
            "name": user.first_name or user.email,
            "link": frontend_url("/verify-email", token=token),
            "valid_minutes": settings.EMAIL_VERIFICATION_TIMEOUT // 60,
        },
    )


@transaction.atomic
def email_verification_confirm(*, token: str) -> User:
    """Mark the address verified. Tokens expire, and die once used or once the address changes."""
    try:
        payload = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
        user = User.objects.select_for_update().get(pk=str(payload["u"]), is_active=True)
    except (signing.BadSignature, KeyError, TypeError, User.DoesNotExist):
        raise InvalidToken(_("The verification link is invalid or has expired.")) from None
    if user.is_email_verified or not constant_time_compare(str(payload.get("h")), _email_fingerprint(user)):
        raise InvalidToken(_("The verification link is invalid or has expired."))
    user.is_email_verified = True
    user.save(update_fields=["is_email_verified", "updated_at"])
    return user


# --- Onboarding ------------------------------------------------------------------------------

ONBOARDING_FIELDS = ("university", "degree", "graduation_year", "interests")


def onboarding_answer_create(*, user: User, **data: Any) -> OnboardingAnswer:
    return OnboardingAnswer.objects.create(user=user, **{key: data[key] for key in ONBOARDING_FIELDS if key in data})


def onboarding_answer_update(*, answer: OnboardingAnswer, data: dict[str, Any]) -> OnboardingAnswer:
    answer, _unused = model_update(instance=answer, fields=ONBOARDING_FIELDS, data=data)
    return answer
