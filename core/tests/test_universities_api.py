import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tests.factories import UniversityFactory

pytestmark = pytest.mark.django_db

URL = "/api/core/universities/"
FIELDS = {
    "id",
    "name",
    "description",
    "logo",
    "website",
    "country",
    "city",
    "location",
    "global_rank",
    "country_rank",
    "created_at",
    "updated_at",
}


def test_anyone_lists_universities_ordered_by_rank_unranked_last(api_client):
    UniversityFactory(name="Unranked College", global_rank=None)
    UniversityFactory(name="Second", global_rank=2)
    UniversityFactory(name="First", global_rank=1)
    response = api_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [u["name"] for u in body["results"]] == ["First", "Second", "Unranked College"]
    assert set(body["results"][0]) == FIELDS


def test_search_and_country_filter(api_client):
    UniversityFactory(name="National University of Uzbekistan", country="Uzbekistan")
    UniversityFactory(name="University of Oxford", country="United Kingdom", city="Oxford")
    assert [u["name"] for u in api_client.get(URL, {"search": "oxford"}).json()["results"]] == ["University of Oxford"]
    assert [u["name"] for u in api_client.get(URL, {"country": "uzbekistan"}).json()["results"]] == [
        "National University of Uzbekistan"
    ]


def test_page_size_up_to_100_and_capped(api_client):
    UniversityFactory.create_batch(105)
    assert len(api_client.get(URL, {"page_size": 100}).json()["results"]) == 100
    assert len(api_client.get(URL, {"page_size": 5000}).json()["results"]) == 100
    body = api_client.get(URL, {"page_size": 10, "page": 2}).json()
    assert len(body["results"]) == 10
    assert body["next"] == "http://testserver/api/core/universities/?page=3&page_size=10"
    assert body["previous"] == "http://testserver/api/core/universities/?page_size=10"


def test_next_link_uses_the_public_scheme_and_host_behind_a_proxy(api_client, settings):
    settings.ALLOWED_HOSTS = ["api.11tutors.com", "testserver"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # NUM_PROXIES=1 in production
    UniversityFactory.create_batch(3)
    body = api_client.get(
        URL, {"page_size": 1}, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="api.11tutors.com"
    ).json()
    assert body["next"] == "https://api.11tutors.com/api/core/universities/?page=2&page_size=1"


def test_forwarded_host_outside_allowed_hosts_is_refused(api_client):
    response = api_client.get(URL, HTTP_X_FORWARDED_HOST="evil.example")
    assert response.status_code == 400


def test_out_of_range_page_is_a_404_with_a_message(api_client):
    response = api_client.get(URL, {"page": 99})
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("bad_id", ["abc", "99999999999999999999999", "-1"])
def test_bad_detail_ids_are_404(api_client, bad_id):
    assert api_client.get(f"{URL}{bad_id}/").status_code == 404


def test_detail_and_read_only(api_client, admin_user, client_for):
    university = UniversityFactory()
    assert api_client.get(f"{URL}{university.pk}/").json()["name"] == university.name
    admin = client_for(admin_user)
    assert admin.post(URL, {"name": "New"}).status_code == 405
    assert admin.delete(f"{URL}{university.pk}/").status_code == 405


def _count_queries(api_client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert api_client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_list_costs_a_fixed_number_of_queries(api_client):
    UniversityFactory.create_batch(3)
    small = _count_queries(api_client)
    UniversityFactory.create_batch(60)
    large = _count_queries(api_client)
    assert small == large == 2, f"expected 2 queries (count + page) for both sizes, got {small} and {large}"
