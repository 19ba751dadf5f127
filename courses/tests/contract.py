"""The shapes API.md promises, written once for the tests that check them."""

# A course in lists (section 2.2), plus `currency`, `level` and `headline` (README "Finding
# courses") and `language` (issue 17), which we add.
COURSE_LIST_KEYS = {
    "id",
    "title",
    "slug",
    "description",
    "price",
    "currency",
    "language",
    "is_free",
    "thumbnail",
    "category",
    "level",
    "tutors",
    "parts",
    "is_published",
    "is_enrolled",
    "rating",
    "reviews_count",
    "students_count",
    "lessons_count",
    "duration",
    "created_at",
    "updated_at",
    "headline",
}


def ok(response, expected: int):
    """Assert the status (showing the start of the body when it is wrong) and return the JSON."""
    body = response.content[:500].decode(errors="replace")
    assert response.status_code == expected, f"expected {expected}, got {response.status_code}: {body}"
    return response.json()
