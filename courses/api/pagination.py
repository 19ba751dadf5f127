"""The course list's pagination: the standard one, with ``limit`` (the web client's name) as an
alias of ``page_size``, and ``facets`` documented in the envelope."""

from __future__ import annotations

from core.api.pagination import StandardPagination

_COUNTS = {"type": "integer", "minimum": 0}


def _counts(key: str, schema: dict) -> dict:
    return {
        "type": "array",
        "items": {"type": "object", "properties": {key: schema, "count": _COUNTS}, "required": [key, "count"]},
    }


FACETS_SCHEMA = {
    "type": "object",
    "description": "With `?facets=`: counts for the current search and filters, each facet without its own filter.",
    "properties": {
        "category": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"slug": {"type": "string"}, "name": {"type": "string"}, "count": _COUNTS},
                "required": ["slug", "name", "count"],
            },
        },
        "level": _counts("value", {"type": "string"}),
        "price": _counts("key", {"type": "string", "enum": ["free", "paid"]}),
        "rating": _counts("min", {"type": "integer"}),
        "language": _counts("value", {"type": "string"}),
    },
}


class CoursePagination(StandardPagination):
    """``?page_size=N`` or ``?limit=N`` (``page_size`` wins when both are given)."""

    limit_query_param = "limit"

    def get_page_size(self, request):
        params = request.query_params
        if self.page_size_query_param not in params and self.limit_query_param in params:
            value = params[self.limit_query_param]
            if value.isdigit() and int(value) > 0:
                return min(int(value), self.max_page_size)
        return super().get_page_size(request)

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["facets"] = FACETS_SCHEMA
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": "Alias of `page_size` (the web client's name).",
                "schema": {"type": "integer"},
            }
        )
        return parameters
