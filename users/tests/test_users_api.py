"""Registration, the own profile (users/me), password change, the admin user list and user records."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from core.tests.factories import image_bytes, image_upload, png_of_size
from users.models import Role, User
from users.services import EMAIL_VERIFICATION_SALT
from users.tests.contract import USER_KEYS
from users.tests.factories import PASSWORD, UserFactory
from users.tests.urls import ME_URL, REFRESH_URL, TOKEN_URL, TUTORS_URL, USERS_URL

pytestmark = pytest.mark.django_db

PASSWORD_URL = "/api/auth/users/me/password/"

NEW_PASSWORD = "Another-Strong-Pass-77"


def registration(**overrides) -> dict:
    return {"email": "new.person@example.com", "password": PASSWORD, "first_name": "New", "last_name": "Person"} | (
        overrides
    )


def detail_url(user_or_id) -> str:
    pk = getattr(user_or_id, "pk", user_or_id)
    return f"{USERS_URL}{pk}/"


def ids(response) -> list[str]:
    return [item["id"] for item in response.data["results"]]


# --- registration ---------------------------------------------------------------------------


def test_registration_creates_a_user_and_returns_exactly_the_contract_user_object(
    api_client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(USERS_URL, registration(), format="json")

    assert response.status_code == 201, f"expected 201, got {response.status_code}: {response.data!r}"
    assert set(response.data) == USER_KEYS, f"expected exactly the contract keys, got {sorted(response.data)}"
    user = User.objects.get(pk=response.data["id"])
    assert response.data["email"] == "new.person@example.com"
    assert (response.data["first_name"], response.data["last_name"]) == ("New", "Person")
    assert response.data["role"] == Role.USER and isinstance(response.data["role"], int), "role must be the int 4"
    assert response.data["is_email_verified"] is False
    assert response.data["avatar"] is None, f"no avatar yet: expected null, got {response.data['avatar']!r}"
    assert "password" not in response.data
    assert user.role == Role.USER and not user.is_staff and not user.is_superuser


def test_registration_stores_a_hash_not_the_raw_password(api_client, db):
    response = api_client.post(USERS_URL, registration(), format="json")

    user = User.objects.get(pk=response.data["id"])
    assert user.password != PASSWORD, "the raw password must never be stored"
    assert PASSWORD not in user.password, "the stored value must not contain the raw password"
    assert user.check_password(PASSWORD), "the stored hash should verify the registered password"


def test_registration_normalises_the_email_to_lower_case(api_client, db):
    response = api_client.post(USERS_URL, registration(email="  Jane.DOE@Example.COM "), format="json")

    assert response.status_code == 201, f"expected 201, got {response.status_code}: {response.data!r}"
    assert response.data["email"] == "jane.doe@example.com", (
        f"expected a lower-cased e-mail, got {response.data['email']}"
    )
    assert User.objects.filter(email="jane.doe@example.com").exists()


def test_registration_with_an_email_taken_in_another_case_is_400(api_client, make_user):
    make_user(email="taken@example.com")

    response = api_client.post(USERS_URL, registration(email="TAKEN@Example.com"), format="json")

    assert response.status_code == 400, f"expected 400 for a duplicate e-mail, got {response.status_code}"
    assert "email" in response.data, f"expected an error under 'email', got {response.data!r}"
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


def test_registration_ignores_role_staff_and_verified_flags_in_the_body(api_client, db):
    body = registration(role=Role.ADMIN, is_staff=True, is_superuser=True, is_email_verified=True)

    response = api_client.post(USERS_URL, body, format="json")

    assert response.status_code == 201, f"expected 201, got {response.status_code}: {response.data!r}"
    user = User.objects.get(pk=response.data["id"])
    assert (user.role, user.is_staff, user.is_superuser, user.is_email_verified) == (Role.USER, False, False, False), (
        "privileged fields in a registration body must be ignored"
    )
    assert response.data["role"] == Role.USER and response.data["is_email_verified"] is False


@pytest.mark.parametrize(
    ("password", "message_part"),
    [
        ("Ab1!x", "too short"),
        ("8364920175", "entirely numeric"),
        ("password123", "too common"),
        ("qwertyuiop", "too common"),
    ],
)
def test_registration_with_a_weak_password_is_400_with_messages_under_password(api_client, db, password, message_part):
    response = api_client.post(USERS_URL, registration(password=password), format="json")

    assert response.status_code == 400, f"expected 400 for password {password!r}, got {response.status_code}"
    messages = " ".join(str(message) for message in response.data.get("password", []))
    assert message_part in messages, (
        f"expected a message containing {message_part!r} under 'password', got {response.data!r}"
    )
    assert not User.objects.exists(), "no account may be created with a weak password"


def test_registration_with_a_password_similar_to_the_email_is_400(api_client, db):
    body = registration(email="marmaduke.fotheringham@example.com", password="marmaduke.fotheringham")

    response = api_client.post(USERS_URL, body, format="json")

    assert response.status_code == 400, f"expected 400 for a password like the e-mail, got {response.status_code}"
    assert "password" in response.data, f"expected an error under 'password', got {response.data!r}"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"email": None}, "email"),
        ({"password": ""}, "password"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"last_name": "y" * 151}, "last_name"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
    ],
)
def test_registration_with_invalid_fields_is_400_naming_the_field(api_client, db, overrides, field):
    response = api_client.post(USERS_URL, registration(**overrides), format="json")

    assert response.status_code == 400, f"expected 400 for {overrides!r}, got {response.status_code}"
    assert field in response.data, f"expected an error under {field!r}, got {response.data!r}"
    assert not User.objects.exists()


@pytest.mark.parametrize("missing", ["email", "password"])
def test_registration_with_a_missing_required_field_is_400(api_client, db, missing):
    body = registration()
    del body[missing]

    response = api_client.post(USERS_URL, body, format="json")

    assert response.status_code == 400, f"expected 400 without {missing!r}, got {response.status_code}"
    assert missing in response.data, f"expected an error under {missing!r}, got {response.data!r}"


def test_registration_without_names_is_allowed(api_client, db):
    response = api_client.post(USERS_URL, {"email": "bare@example.com", "password": PASSWORD}, format="json")

    assert response.status_code == 201, f"names are optional: expected 201, got {response.status_code}"
    assert (response.data["first_name"], response.data["last_name"]) == ("", "")


def test_registration_sends_a_verification_email_with_text_and_html_and_an_opaque_token(
    api_client, db, settings, django_capture_on_commit_callbacks
):
    settings.FRONTEND_URL = "https://app.11tutors.test"
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(USERS_URL, registration(email="verify.me@example.com"), format="json")

    assert len(mail.outbox) == 1, f"expected one verification e-mail, got {len(mail.outbox)}"
    message = mail.outbox[0]
    assert message.to == ["verify.me@example.com"]
    link_prefix = "https://app.11tutors.test/verify-email?token="
    assert link_prefix in message.body, f"expected a {link_prefix}... link in the text part, got {message.body!r}"
    assert len(message.alternatives) == 1, "expected an HTML alternative"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert link_prefix in html, "the HTML part should carry the same link"
    token = parse_qs(urlsplit(message.body.split(link_prefix[: -len("?token=")], 1)[1].split()[0]).query)["token"][0]
    assert "verify.me" not in token.lower(), "the token must not reveal the e-mail address"
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        encoded = encode(b"verify.me@example.com").decode().rstrip("=")
        assert encoded[:16] not in token, "the token must not carry the address in base64"
    payload = signing.loads(token, salt=EMAIL_VERIFICATION_SALT)
    assert "verify.me" not in json.dumps(payload), f"the signed payload must not contain the address, got {payload!r}"


def test_registration_as_a_tutor_creates_role_2(api_client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(TUTORS_URL, registration(role=Role.ADMIN), format="json")

    assert response.status_code == 201, f"expected 201, got {response.status_code}: {response.data!r}"
    assert set(response.data) == USER_KEYS
    assert response.data["role"] == Role.TUTOR, f"expected role 2, got {response.data['role']}"
    assert User.objects.get(pk=response.data["id"]).role == Role.TUTOR
    assert len(mail.outbox) == 1, "a tutor also gets a verification e-mail"


def test_tutor_registration_validates_like_user_registration(api_client, db):
    response = api_client.post(TUTORS_URL, registration(password="12345678"), format="json")

    assert response.status_code == 400, f"expected 400 for a weak password, got {response.status_code}"
    assert "password" in response.data


def test_registration_is_throttled_per_ip(api_client, db, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "register": "2/hour"}

    statuses = [
        api_client.post(USERS_URL, registration(email=f"r{n}@example.com"), format="json").status_code for n in range(3)
    ]

    assert statuses == [201, 201, 429], f"the 3rd registration from one IP should be throttled, got {statuses}"
    assert User.objects.count() == 2, "a throttled registration must not create an account"


def test_registration_throttle_covers_both_registration_endpoints(api_client, db, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "register": "1/hour"}
    api_client.post(USERS_URL, registration(email="first@example.com"), format="json")

    response = api_client.post(TUTORS_URL, registration(email="second@example.com"), format="json")

    assert response.status_code == 429, f"tutor registration shares the budget, got {response.status_code}"
    assert "Retry-After" in response, "a 429 should say when to retry"


# --- users/me GET and PATCH ---------------------------------------------------------------------


def test_me_returns_the_callers_user_object(client_for, user):
    response = client_for(user).get(ME_URL)

    assert response.status_code == 200, f"expected 200, got {response.status_code}"
    assert set(response.data) == USER_KEYS, f"expected exactly the contract keys, got {sorted(response.data)}"
    assert (response.data["id"], response.data["email"], response.data["role"]) == (user.pk, user.email, Role.USER)


def test_me_requires_authentication(api_client, db):
    assert api_client.get(ME_URL).status_code == 401
    response = api_client.patch(ME_URL, {"first_name": "X"}, format="json")
    assert response.status_code == 401, f"an anonymous PATCH must be 401, got {response.status_code}"


def test_me_patch_with_an_empty_body_succeeds_without_touching_updated_at(client_for, user):
    before = User.objects.get(pk=user.pk).updated_at

    response = client_for(user).patch(ME_URL, {}, format="json")

    assert response.status_code == 200, f"expected 200 for an empty PATCH, got {response.status_code}"
    assert User.objects.get(pk=user.pk).updated_at == before, "an empty PATCH must not write (updated_at changed)"
    assert response.data["id"] == user.pk


def test_me_patch_with_the_clients_five_text_keys_and_blank_phone_and_username(client_for, user):
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": user.email, "phone": "", "username": ""}

    response = client_for(user).patch(ME_URL, body, format="json")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.phone, user.username) == ("Ada", "Lovelace", "", "")
    assert (response.data["first_name"], response.data["phone"], response.data["username"]) == ("Ada", "", "")


def test_two_users_may_both_have_a_blank_username(client_for, make_user):
    first, second = make_user(), make_user()
    client_for(first).patch(ME_URL, {"username": ""}, format="json")

    response = client_for(second).patch(ME_URL, {"username": ""}, format="json")

    assert response.status_code == 200, f"blank usernames do not collide: expected 200, got {response.status_code}"


def test_me_patch_updates_phone_and_username(client_for, user):
    body = {"phone": "+998 90 123-45-67", "username": "ada_l"}

    response = client_for(user).patch(ME_URL, body, format="json")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    user.refresh_from_db()
    assert (user.phone, user.username) == ("+998 90 123-45-67", "ada_l")


def test_me_patch_ignores_unknown_keys(client_for, user):
    response = client_for(user).patch(ME_URL, {"first_name": "Known", "favourite_colour": "teal"}, format="json")

    assert response.status_code == 200, f"unknown keys are ignored: expected 200, got {response.status_code}"
    assert "favourite_colour" not in response.data
    user.refresh_from_db()
    assert user.first_name == "Known"


def test_me_patch_ignores_role_staff_verification_and_password(client_for, user):
    body = {"role": Role.ADMIN, "is_staff": True, "is_superuser": True, "is_email_verified": True, "password": "x"}

    response = client_for(user).patch(ME_URL, body, format="json")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser, user.is_email_verified) == (Role.USER, False, False, False), (
        "privileged fields must not be changeable through users/me"
    )
    assert user.check_password(PASSWORD), "the password must never change through users/me"


def test_me_patch_email_change_resets_verification_and_sends_a_new_link(
    client_for, make_user, django_capture_on_commit_callbacks
):
    user = make_user(is_email_verified=True)
    previous = user.email

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).patch(ME_URL, {"email": "Moved@Example.com"}, format="json")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    assert response.data["email"] == "moved@example.com", "the new e-mail should be stored lower-cased"
    assert response.data["is_email_verified"] is False, "changing the e-mail must reset is_email_verified"
    user.refresh_from_db()
    assert (user.email, user.is_email_verified) == ("moved@example.com", False)
    verification = [m for m in mail.outbox if "/verify-email?token=" in m.body]
    assert [m.to for m in verification] == [["moved@example.com"]], "a verification e-mail goes to the new address"
    # And the security notice (notifications: email_changed), to the previous address as well.
    notices = [m for m in mail.outbox if m not in verification]
    assert [sorted(m.to) for m in notices] == [sorted([previous, "moved@example.com"])], mail.outbox


def test_me_patch_with_the_same_email_in_another_case_keeps_verification_and_sends_nothing(
    client_for, make_user, django_capture_on_commit_callbacks
):
    user = make_user(email="same@example.com", is_email_verified=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).patch(ME_URL, {"email": "SAME@example.com"}, format="json")

    assert response.status_code == 200
    assert response.data["is_email_verified"] is True, "the same address in another case is not a change"
    assert mail.outbox == [], "no verification e-mail for an unchanged address"


def test_me_patch_with_an_email_taken_by_someone_else_is_400(client_for, user, make_user):
    make_user(email="occupied@example.com")

    response = client_for(user).patch(ME_URL, {"email": "Occupied@example.com"}, format="json")

    assert response.status_code == 400, f"expected 400 for a taken e-mail, got {response.status_code}"
    assert "email" in response.data, f"expected an error under 'email', got {response.data!r}"
    assert User.objects.get(pk=user.pk).email == user.email


@pytest.mark.parametrize("email", ["not-an-email", ""])
def test_me_patch_with_an_invalid_email_is_400(client_for, user, email):
    response = client_for(user).patch(ME_URL, {"email": email}, format="json")

    assert response.status_code == 400, f"expected 400 for e-mail {email!r}, got {response.status_code}"
    assert "email" in response.data


@pytest.mark.parametrize("phone", ["call me", "12", "+1" + "2" * 40, "<script>"])
def test_me_patch_with_an_invalid_phone_is_400(client_for, user, phone):
    response = client_for(user).patch(ME_URL, {"phone": phone}, format="json")

    assert response.status_code == 400, f"expected 400 for phone {phone!r}, got {response.status_code}"
    assert "phone" in response.data, f"expected an error under 'phone', got {response.data!r}"
    assert User.objects.get(pk=user.pk).phone == ""


def test_me_patch_with_a_username_taken_in_another_case_is_400(client_for, user, make_user):
    make_user(username="Alice")

    response = client_for(user).patch(ME_URL, {"username": "aLiCe"}, format="json")

    assert response.status_code == 400, (
        f"usernames are unique regardless of case: expected 400, got {response.status_code}"
    )
    assert "username" in response.data, f"expected an error under 'username', got {response.data!r}"


def test_me_patch_may_keep_ones_own_username(client_for, make_user):
    user = make_user(username="keeper")

    response = client_for(user).patch(ME_URL, {"username": "Keeper"}, format="json")

    assert response.status_code == 200, f"one's own username is not 'taken': expected 200, got {response.status_code}"


def test_me_patch_with_overlong_names_is_400(client_for, user):
    response = client_for(user).patch(ME_URL, {"first_name": "z" * 151}, format="json")

    assert response.status_code == 400, f"expected 400 for a 151-character name, got {response.status_code}"
    assert "first_name" in response.data


def test_me_avatar_upload_stores_the_image_and_returns_an_absolute_media_url(client_for, user, settings):
    response = client_for(user).patch(ME_URL, {"avatar": image_upload("avatar.png")}, format="multipart")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    url = response.data["avatar"]
    assert url.startswith("http://testserver/media/avatars/"), f"expected an absolute media URL, got {url!r}"
    assert url.endswith(".png")
    user.refresh_from_db()
    assert user.avatar.name.startswith("avatars/") and user.avatar.name != "avatars/avatar.png", (
        f"the avatar should be stored under a unique name, got {user.avatar.name!r}"
    )
    assert (settings.MEDIA_ROOT / user.avatar.name).is_file(), "the uploaded file should be on disk"


def test_me_avatar_upload_with_text_fields_in_the_same_multipart_body(client_for, user):
    response = client_for(user).patch(
        ME_URL, {"avatar": image_upload("avatar.png"), "first_name": "Pic"}, format="multipart"
    )

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    assert response.data["first_name"] == "Pic"
    assert response.data["avatar"].startswith("http://testserver/media/")


def test_me_avatar_upload_of_a_non_image_is_400(client_for, user):
    fake = image_upload("avatar.png", b"%PDF-1.4 definitely not a picture")

    response = client_for(user).patch(ME_URL, {"avatar": fake}, format="multipart")

    assert response.status_code == 400, f"expected 400 for a non-image, got {response.status_code}"
    assert "avatar" in response.data, f"expected an error under 'avatar', got {response.data!r}"
    assert not User.objects.get(pk=user.pk).avatar, "no avatar may be stored"


def test_me_avatar_upload_larger_than_the_limit_is_400(client_for, user, settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 64
    upload = image_upload("avatar.png", image_bytes(size=(64, 64)))
    assert upload.size > 64

    response = client_for(user).patch(ME_URL, {"avatar": upload}, format="multipart")

    assert response.status_code == 400, f"expected 400 for an oversized image, got {response.status_code}"
    assert "avatar" in response.data, f"expected an error under 'avatar', got {response.data!r}"
    assert not User.objects.get(pk=user.pk).avatar


def bomb_upload(width: int, height: int):
    return image_upload("avatar.png", png_of_size(width, height))


def test_me_avatar_decompression_bomb_is_400_naming_the_pixel_limit(client_for, user):
    """A 12,000 x 12,000 PNG is a few kilobytes on the wire and 144 megapixels once decoded."""
    upload = bomb_upload(12_000, 12_000)
    assert upload.size < 50_000

    response = client_for(user).patch(ME_URL, {"avatar": upload}, format="multipart")

    assert response.status_code == 400, f"expected 400, got {response.status_code}: {response.data!r}"
    message = " ".join(response.data["avatar"])
    assert "4096" in message and "pixels" in message, f"the message must name the limit, got {message!r}"
    assert not User.objects.get(pk=user.pk).avatar, "no avatar may be stored"


def test_me_avatar_pixel_limit_follows_the_setting(client_for, user, settings):
    settings.MAX_AVATAR_PIXELS_SIDE = 64
    client = client_for(user)

    too_wide = client.patch(ME_URL, {"avatar": bomb_upload(65, 10)}, format="multipart")
    too_tall = client.patch(ME_URL, {"avatar": bomb_upload(10, 65)}, format="multipart")
    at_the_limit = client.patch(ME_URL, {"avatar": bomb_upload(64, 64)}, format="multipart")

    assert too_wide.status_code == 400 and "64" in " ".join(too_wide.data["avatar"]), too_wide.data
    assert too_tall.status_code == 400, too_tall.data
    assert at_the_limit.status_code == 200, f"an image at the limit is fine, got {at_the_limit.data!r}"
    assert User.objects.get(pk=user.pk).avatar


def test_me_avatar_of_the_default_maximum_size_is_accepted(client_for, user, settings):
    assert settings.MAX_AVATAR_PIXELS_SIDE == 4096

    response = client_for(user).patch(ME_URL, {"avatar": bomb_upload(4096, 4096)}, format="multipart")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"


def test_me_avatar_beyond_pillows_own_bomb_limit_is_400_not_500(client_for, user, settings):
    """Past twice Pillow's MAX_IMAGE_PIXELS, Pillow raises DecompressionBombError on open."""
    settings.MAX_AVATAR_PIXELS_SIDE = 20_000

    response = client_for(user).patch(ME_URL, {"avatar": bomb_upload(19_000, 19_000)}, format="multipart")

    assert response.status_code == 400, f"expected 400, got {response.status_code}: {response.data!r}"
    assert "pixels" in " ".join(response.data["avatar"]), response.data


# --- password change --------------------------------------------------------------------------


def test_password_change_stores_the_new_hashed_password(client_for, user, api_client):
    response = client_for(user).post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 204, f"expected 204, got {response.status_code}: {response.data!r}"
    user.refresh_from_db()
    assert user.password != NEW_PASSWORD and user.check_password(NEW_PASSWORD), "the new password must be stored hashed"
    new_login = api_client.post(TOKEN_URL, {"email": user.email, "password": NEW_PASSWORD}, format="json")
    old_login = api_client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")
    assert new_login.status_code == 200, f"the new password should log in, got {new_login.status_code}"
    assert old_login.status_code == 401, f"the old password must stop working, got {old_login.status_code}"


def test_password_change_blacklists_every_refresh_token_of_the_user(client_for, user, make_user, api_client):
    sessions = [str(RefreshToken.for_user(user)) for _ in range(2)]
    bystander_refresh = str(RefreshToken.for_user(make_user()))

    client_for(user).post(PASSWORD_URL, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")

    for refresh in sessions:
        response = api_client.post(REFRESH_URL, {"refresh": refresh}, format="json")
        assert response.status_code == 401, (
            f"an old refresh token must be dead after a password change, got {response.status_code}"
        )
    outstanding = OutstandingToken.objects.filter(user=user)
    assert outstanding.count() >= 2 and not outstanding.filter(blacklistedtoken__isnull=True).exists(), (
        "every outstanding refresh token of the user should be blacklisted"
    )
    other = api_client.post(REFRESH_URL, {"refresh": bystander_refresh}, format="json")
    assert other.status_code == 200, "another user's sessions must not be affected"


def test_password_change_refuses_access_tokens_issued_before_it(client_for, user, api_client):
    old_access = AccessToken.for_user(user)
    old_access["iat"] = int(time.time()) - 60
    old_header = f"Bearer {old_access}"
    assert api_client.get(ME_URL, HTTP_AUTHORIZATION=old_header).status_code == 200, "precondition: token works"

    client_for(user).post(PASSWORD_URL, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=old_header)

    assert response.status_code == 401, (
        f"an access token from before the change must be refused, got {response.status_code}"
    )
    assert response.has_header("WWW-Authenticate")


def test_a_login_after_the_password_change_gets_working_tokens(client_for, user, api_client):
    client_for(user).post(PASSWORD_URL, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    tokens = api_client.post(TOKEN_URL, {"email": user.email, "password": NEW_PASSWORD}, format="json").data

    me = api_client.get(ME_URL, HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    refreshed = api_client.post(REFRESH_URL, {"refresh": tokens["refresh"]}, format="json")

    assert me.status_code == 200, f"a new access token must work, got {me.status_code}"
    assert refreshed.status_code == 200, f"a new refresh token must work, got {refreshed.status_code}"


def test_password_change_with_a_wrong_old_password_is_400_and_changes_nothing(client_for, user):
    response = client_for(user).post(
        PASSWORD_URL, {"old_password": "wrong-one", "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 400, f"expected 400 for a wrong old password, got {response.status_code}"
    assert "old_password" in response.data, f"expected an error under 'old_password', got {response.data!r}"
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and user.tokens_valid_after is None


@pytest.mark.parametrize("new_password", ["short", "1234567890", "password123"])
def test_password_change_to_a_weak_password_is_400(client_for, user, new_password):
    response = client_for(user).post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password": new_password}, format="json"
    )

    assert response.status_code == 400, f"expected 400 for {new_password!r}, got {response.status_code}"
    assert response.data.get("new_password"), f"expected messages under 'new_password', got {response.data!r}"
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_password_change_with_missing_fields_is_400(client_for, user):
    response = client_for(user).post(PASSWORD_URL, {}, format="json")

    assert response.status_code == 400, f"expected 400, got {response.status_code}"
    assert {"old_password", "new_password"} <= set(response.data), f"got {response.data!r}"


def test_password_change_requires_authentication(api_client, db):
    response = api_client.post(PASSWORD_URL, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 401, f"expected 401, got {response.status_code}"
    assert response.has_header("WWW-Authenticate")


# --- users list (admin) ------------------------------------------------------------------------


def test_users_list_anonymous_is_401(api_client, db):
    response = api_client.get(USERS_URL)

    assert response.status_code == 401, f"expected 401, got {response.status_code}"
    assert response.has_header("WWW-Authenticate")


@pytest.mark.parametrize("role", [Role.USER, Role.STUDENT, Role.TUTOR])
def test_users_list_is_403_for_non_admins(client_for, make_user, role):
    response = client_for(make_user(role)).get(USERS_URL)

    assert response.status_code == 403, f"role {role} must get 403, got {response.status_code}"
    assert "results" not in response.data


def test_users_list_for_admins_is_a_paginated_list_of_user_objects(client_for, admin_user, make_user):
    others = [make_user() for _ in range(2)]

    response = client_for(admin_user).get(USERS_URL)

    assert response.status_code == 200, f"expected 200, got {response.status_code}"
    assert set(response.data) == {"count", "next", "previous", "results"}, f"got {sorted(response.data)}"
    assert response.data["count"] == 3 and response.data["next"] is None and response.data["previous"] is None
    assert set(ids(response)) == {admin_user.pk, *(u.pk for u in others)}
    assert all(set(item) == USER_KEYS for item in response.data["results"]), "each item is the contract user object"


def test_staff_without_the_admin_role_counts_as_admin(client_for, make_user):
    staff = make_user(Role.USER, is_staff=True)

    response = client_for(staff).get(USERS_URL)

    assert response.status_code == 200, f"staff count as admins: expected 200, got {response.status_code}"


def test_users_list_filters_by_role(client_for, admin_user, make_user):
    tutor_a, tutor_b = make_user(Role.TUTOR), make_user(Role.TUTOR)
    make_user(Role.STUDENT)

    response = client_for(admin_user).get(USERS_URL, {"role": Role.TUTOR})

    assert response.status_code == 200
    assert set(ids(response)) == {tutor_a.pk, tutor_b.pk}, f"only tutors expected, got {ids(response)}"


@pytest.mark.parametrize("role", ["9", "abc", "0"])
def test_users_list_with_an_invalid_role_filter_is_400(client_for, admin_user, role):
    response = client_for(admin_user).get(USERS_URL, {"role": role})

    assert response.status_code == 400, f"expected 400 for role={role!r}, got {response.status_code}"
    assert "role" in response.data, f"expected an error under 'role', got {response.data!r}"


def test_users_list_filters_by_email_verification(client_for, make_user):
    admin = make_user(Role.ADMIN, is_staff=True, is_email_verified=True)
    unverified = make_user()

    verified_response = client_for(admin).get(USERS_URL, {"is_email_verified": "true"})
    unverified_response = client_for(admin).get(USERS_URL, {"is_email_verified": "false"})

    assert ids(verified_response) == [admin.pk], f"expected only the verified admin, got {ids(verified_response)}"
    assert ids(unverified_response) == [unverified.pk], (
        f"expected only the unverified user, got {ids(unverified_response)}"
    )


@pytest.mark.parametrize(
    ("term", "attribute"),
    [("needle@example", "email"), ("Zebedee", "first_name"), ("QUIXOTE", "last_name"), (None, "id")],
)
def test_users_list_search_matches_email_names_and_id(client_for, admin_user, make_user, term, attribute):
    target = make_user(email="needle@example.com", first_name="Zebedee", last_name="Quixote")
    make_user(email="hay@example.com", first_name="Hay", last_name="Stack")

    response = client_for(admin_user).get(USERS_URL, {"search": term or target.pk})

    assert response.status_code == 200
    assert ids(response) == [target.pk], f"searching by {attribute} should find only the target, got {ids(response)}"


def test_users_list_search_by_a_partial_id_does_not_match(client_for, admin_user, make_user):
    target = make_user()

    response = client_for(admin_user).get(USERS_URL, {"search": target.pk[:6]})

    assert target.pk not in ids(response), "ids are matched exactly, not as substrings"


def test_users_list_orders_by_created_at_both_ways(client_for, admin_user, make_user):
    first, second = make_user(), make_user()
    User.objects.filter(pk=admin_user.pk).update(created_at="2020-01-01T00:00:00Z")
    User.objects.filter(pk=first.pk).update(created_at="2021-01-01T00:00:00Z")
    User.objects.filter(pk=second.pk).update(created_at="2022-01-01T00:00:00Z")
    client = client_for(admin_user)

    ascending = client.get(USERS_URL, {"ordering": "created_at"})
    descending = client.get(USERS_URL, {"ordering": "-created_at"})
    default = client.get(USERS_URL)

    assert ids(ascending) == [admin_user.pk, first.pk, second.pk], f"got {ids(ascending)}"
    assert ids(descending) == [second.pk, first.pk, admin_user.pk], f"got {ids(descending)}"
    assert ids(default) == ids(descending), "the default order is newest first"


def test_users_list_orders_by_updated_at_both_ways(client_for, admin_user, make_user):
    stale, fresh = make_user(), make_user()
    User.objects.filter(pk=stale.pk).update(updated_at="2019-01-01T00:00:00Z")
    User.objects.filter(pk=admin_user.pk).update(updated_at="2020-01-01T00:00:00Z")
    User.objects.filter(pk=fresh.pk).update(updated_at="2030-01-01T00:00:00Z")
    client = client_for(admin_user)

    ascending = client.get(USERS_URL, {"ordering": "updated_at"})
    descending = client.get(USERS_URL, {"ordering": "-updated_at"})

    assert ids(ascending) == [stale.pk, admin_user.pk, fresh.pk], f"got {ids(ascending)}"
    assert ids(descending) == [fresh.pk, admin_user.pk, stale.pk], f"got {ids(descending)}"


def _bulk_users(count: int) -> None:
    from users.models import generate_user_id

    User.objects.bulk_create(
        [User(id=generate_user_id(), email=f"bulk{n}@example.com", password="!") for n in range(count)]
    )


def test_users_list_page_size_is_capped_at_100(client_for, admin_user):
    _bulk_users(101)

    response = client_for(admin_user).get(USERS_URL, {"page_size": 500})

    assert response.status_code == 200
    assert response.data["count"] == 102
    assert len(response.data["results"]) == 100, f"page_size is capped at 100, got {len(response.data['results'])}"
    assert response.data["next"] is not None, "a second page should be linked"


def test_users_list_pagination_links_are_absolute_and_use_the_forwarded_scheme_and_host(
    client_for, admin_user, make_user, settings
):
    settings.ALLOWED_HOSTS = ["testserver", "api.11tutors.test"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # a proxy is configured
    for _ in range(4):
        make_user()
    client = client_for(admin_user)

    first = client.get(
        USERS_URL, {"page_size": 2}, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="api.11tutors.test"
    )
    second = client.get(
        USERS_URL,
        {"page_size": 2, "page": 2},
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="api.11tutors.test",
    )

    assert first.status_code == 200
    next_url = urlsplit(first.data["next"])
    assert (next_url.scheme, next_url.netloc, next_url.path) == ("https", "api.11tutors.test", USERS_URL), (
        f"next should be an absolute https URL on the public host, got {first.data['next']!r}"
    )
    assert parse_qs(next_url.query) == {"page": ["2"], "page_size": ["2"]}
    assert first.data["previous"] is None
    assert second.data["previous"].startswith("https://api.11tutors.test/"), f"got {second.data['previous']!r}"
    assert second.data["next"].startswith("https://api.11tutors.test/"), f"got {second.data['next']!r}"


def test_users_list_without_forwarded_headers_links_to_the_request_host(client_for, admin_user, make_user):
    make_user()

    response = client_for(admin_user).get(USERS_URL, {"page_size": 1})

    assert response.data["next"].startswith("http://testserver/api/auth/users/?"), f"got {response.data['next']!r}"


def test_users_list_refuses_a_forwarded_host_outside_allowed_hosts(client_for, admin_user, make_user):
    make_user()

    response = client_for(admin_user).get(USERS_URL, {"page_size": 1}, HTTP_X_FORWARDED_HOST="evil.example")

    assert response.status_code == 400, f"a foreign host must be refused, got {response.status_code}"
    assert b"evil.example" not in response.content, "a foreign host must never appear in links"


def test_users_list_query_count_does_not_grow_with_the_number_of_users(client_for, admin_user):
    client = client_for(admin_user)
    UserFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        small = client.get(USERS_URL)
    UserFactory.create_batch(27)
    with CaptureQueriesContext(connection) as many:
        large = client.get(USERS_URL)

    assert (small.data["count"], large.data["count"]) == (3, 30)
    assert len(many) == len(few), (
        f"expected the same number of queries for 3 and 30 users, got {len(few)} vs {len(many)}"
    )


# --- users/{id}/ ----------------------------------------------------------------------------------


def test_a_user_can_read_their_own_record(client_for, user):
    response = client_for(user).get(detail_url(user))

    assert response.status_code == 200, f"expected 200, got {response.status_code}"
    assert set(response.data) == USER_KEYS and response.data["id"] == user.pk


def test_a_user_can_patch_their_own_record(client_for, user):
    response = client_for(user).patch(detail_url(user), {"last_name": "Renamed"}, format="json")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    assert response.data["last_name"] == "Renamed"
    assert User.objects.get(pk=user.pk).last_name == "Renamed"


def test_a_user_patching_their_own_role_activity_or_verification_is_ignored(client_for, user):
    body = {"role": Role.ADMIN, "is_active": False, "is_email_verified": True, "is_staff": True, "first_name": "Ok"}

    response = client_for(user).patch(detail_url(user), body, format="json")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    user.refresh_from_db()
    assert (user.role, user.is_active, user.is_email_verified, user.is_staff) == (Role.USER, True, False, False), (
        "only admins may change role, is_active, is_email_verified"
    )
    assert user.first_name == "Ok"
    assert response.data["role"] == Role.USER


def test_a_user_can_delete_their_own_account(client_for, user):
    response = client_for(user).delete(detail_url(user))

    assert response.status_code == 204, f"expected 204, got {response.status_code}"
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
@pytest.mark.parametrize("role", [Role.USER, Role.STUDENT, Role.TUTOR])
def test_another_users_record_is_404_for_non_admins(client_for, make_user, method, role):
    caller, other = make_user(role), make_user(first_name="Untouched")

    response = getattr(client_for(caller), method)(detail_url(other), {"first_name": "Hacked"}, format="json")

    assert response.status_code == 404, (
        f"{method.upper()} of another user's record must be 404, got {response.status_code}"
    )
    other.refresh_from_db()
    assert other.first_name == "Untouched", "another user's record must not change"


def test_an_admin_can_read_anyone(client_for, admin_user, user):
    response = client_for(admin_user).get(detail_url(user))

    assert response.status_code == 200, f"expected 200, got {response.status_code}"
    assert response.data["email"] == user.email


def test_an_admin_can_change_role_activity_and_verification(client_for, admin_user, user):
    body = {"role": Role.TUTOR, "is_active": False, "is_email_verified": True, "first_name": "Promoted"}

    response = client_for(admin_user).patch(detail_url(user), body, format="json")

    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.data!r}"
    user.refresh_from_db()
    assert (user.role, user.is_active, user.is_email_verified, user.first_name) == (Role.TUTOR, False, True, "Promoted")
    assert response.data["role"] == Role.TUTOR and response.data["is_email_verified"] is True


def test_an_admin_cannot_set_an_invalid_role(client_for, admin_user, user):
    response = client_for(admin_user).patch(detail_url(user), {"role": 7}, format="json")

    assert response.status_code == 400, f"expected 400 for role 7, got {response.status_code}"
    assert "role" in response.data
    assert User.objects.get(pk=user.pk).role == Role.USER


def test_an_admin_can_delete_anyone(client_for, admin_user, user):
    response = client_for(admin_user).delete(detail_url(user))

    assert response.status_code == 204, f"expected 204, got {response.status_code}"
    assert not User.objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize(
    "bad_id",
    ["abc", "99999999999999999999999", "' OR 1=1", "000000000000", "\x00", "12345\x00", "%00", "1" * 300, "١٢٣"],
)
def test_unknown_or_garbage_user_ids_are_404_not_500(client_for, admin_user, bad_id):
    response = client_for(admin_user).get(USERS_URL + quote(bad_id, safe="") + "/")

    assert response.status_code == 404, f"expected 404 for id {bad_id!r}, got {response.status_code}"
    assert response.json()["detail"], "the 404 should be a JSON detail"


def test_put_on_a_user_record_is_405(client_for, user):
    response = client_for(user).put(detail_url(user), {"first_name": "Put"}, format="json")

    assert response.status_code == 405, f"expected 405 for PUT, got {response.status_code}"
    assert User.objects.get(pk=user.pk).first_name != "Put"


def test_user_record_requires_authentication(api_client, user):
    response = api_client.get(detail_url(user))

    assert response.status_code == 401, f"expected 401, got {response.status_code}"
    assert response.has_header("WWW-Authenticate")
