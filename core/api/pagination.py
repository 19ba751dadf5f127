from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """``{count, next, previous, results}``; ``?page=N&page_size=N`` (default and max 100).

    ``next``/``previous`` are absolute: built by ``request.build_absolute_uri`` from the
    public scheme and host (X-Forwarded-Proto/Host, validated against ALLOWED_HOSTS).
    """

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 100
