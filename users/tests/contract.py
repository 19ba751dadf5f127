"""The shapes API.md promises for accounts, written once for the tests that check them."""

# A user object (section 1): what users/me, the admin user list and user records answer.
USER_KEYS = {
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
    "language",  # issue 17: the user's own language, "" when not chosen
    "created_at",
    "updated_at",
}
