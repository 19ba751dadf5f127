"""The OpenAPI schema's error responses, derived from each view instead of declared on every one.

drf-spectacular documents what a view returns on success; this AutoSchema adds the errors
that the view's own machinery can answer (see core.api.exceptions for the bodies):

* 400 - a ``{"detail": ...}`` message or a field-error map (``{"field": ["message"]}``,
  ``non_field_errors`` for the input as a whole, nested maps for nested input) on operations
  that validate a request body, a filter set or query parameters with a serializer;
* 401 - ``{"detail", "code"?, "messages"?}`` (simplejwt's shape) on operations that
  authenticate: a missing, expired or forged Bearer token;
* 403 - ``{"detail"}`` when a logged-in caller can be refused: any operation that
  authenticates, except reads that are open to everyone;
* 404 - ``{"detail"}`` on paths with parameters and on paginated lists (``?page=`` past the end);
* 413 - ``{"detail"}`` on operations that take a request body (over the upload limits);
* 415 - ``{"detail"}`` on operations that parse a request body (a media type they do not read);
* 429 - ``{"detail"}`` on throttled operations.

Refusals that only the view's code knows of (a service's 409 Conflict or 402, a public read
that still refuses some callers) are declared on the view, by action or HTTP method, and
added the same way::

    schema_errors = {"destroy": {409: "The course has enrolled students."}}

Views answering conditional GETs name those actions (``conditional_actions = ("list",)``): the
operation gets the ``If-None-Match`` header, an ``ETag`` on 200 and a 304 without a body.

Responses a view declares itself with ``@extend_schema(responses=...)`` are kept, except a
400 declared as a bare ``{"detail"}`` (or with no body) on an operation that validates input:
that one answers field maps too, so it gets the combined shape.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, is_serializer
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticatedOrReadOnly

from core.api.permissions import WritesOnly

ERROR_DETAIL = "ErrorDetail"
FIELD_ERRORS = "FieldErrors"
VALIDATION_ERROR = "ValidationError"

_SCHEMAS: dict[str, dict] = {
    ERROR_DETAIL: {
        "type": "object",
        "description": "An error message. Token errors add simplejwt's `code` and `messages`.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "messages": {
                "type": "array",
                "items": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "required": ["detail"],
    },
    FIELD_ERRORS: {
        "type": "object",
        "description": (
            "Each invalid input field with its messages; `non_field_errors` for the input as a whole. "
            "Nested objects give nested maps; lists give a list (or a map by index) of them."
        ),
        "properties": {"non_field_errors": {"type": "array", "items": {"type": "string"}}},
        "additionalProperties": {
            "anyOf": [
                {
                    "type": "array",
                    "items": {"anyOf": [{"type": "string"}, {"$ref": f"#/components/schemas/{FIELD_ERRORS}"}]},
                },
                {"$ref": f"#/components/schemas/{FIELD_ERRORS}"},
            ]
        },
    },
    VALIDATION_ERROR: {
        "description": "A message, or the invalid fields with their messages.",
        "anyOf": [
            {"$ref": f"#/components/schemas/{ERROR_DETAIL}"},
            {"$ref": f"#/components/schemas/{FIELD_ERRORS}"},
        ],
    },
}

_DESCRIPTIONS = {
    "400": "Invalid input.",
    "401": "Authentication is missing, expired or invalid.",
    "403": "The caller may not do this.",
    "404": "Not found.",
    "413": "The request body is too large.",
    "415": "The request body's media type is not supported.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}

# Permissions that never refuse a read (DRF's SAFE_METHODS).
_OPEN_TO_READS = (AllowAny, IsAuthenticatedOrReadOnly, WritesOnly)


class _ErrorSchemas:
    """Identity of the components registered here (for drf-spectacular's collision check)."""


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            self._add_error_responses(operation)
            if getattr(self.view, "action", None) in getattr(self.view, "conditional_actions", ()):
                self._add_conditional_get(operation)
        return operation

    def _add_conditional_get(self, operation: dict) -> None:
        """Actions answered by ``core.api.shortcuts.conditional_json``: an ``ETag`` on 200, and
        ``304 Not Modified`` when ``If-None-Match`` names it."""
        operation.setdefault("parameters", []).append(
            {
                "in": "header",
                "name": "If-None-Match",
                "schema": {"type": "string"},
                "description": "The `ETag` of the body you hold: 304 without a body while it is current.",
            }
        )
        ok = operation["responses"].get("200")
        if ok is not None:
            ok.setdefault("headers", {})["ETag"] = {
                "schema": {"type": "string"},
                "description": "The body's entity tag (it changes with the content and with the viewer's own fields).",
            }
        operation["responses"]["304"] = {"description": "Not modified: the `ETag` in `If-None-Match` is current."}

    # --- What the view can answer -------------------------------------------------------------

    def _authenticates(self) -> bool:
        return bool(self.view.get_authenticators())

    def _validates_input(self, operation: dict) -> bool:
        if "requestBody" in operation and is_serializer(self.get_request_serializer()):
            return True
        if any(is_serializer(parameter) for parameter in self.get_override_parameters()):
            return True
        return any(
            issubclass(backend, DjangoFilterBackend)
            and (getattr(self.view, "filterset_class", None) or getattr(self.view, "filterset_fields", None))
            for backend in self.get_filter_backends()
        )

    def _may_refuse(self) -> bool:
        if not self._authenticates():
            return False
        public = all(isinstance(permission, _OPEN_TO_READS) for permission in self.view.get_permissions())
        return not (self.method in SAFE_METHODS and public)

    def _may_be_missing(self) -> bool:
        if "{" in self.path:
            return True
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

    def _view_declared_errors(self) -> dict[str, str]:
        declared = getattr(self.view, "schema_errors", {})
        by_method = declared.get(self.method.lower(), {})
        by_action = declared.get(getattr(self.view, "action", None), {})
        return {str(status): description for status, description in {**by_method, **by_action}.items()}

    def error_responses(self, operation: dict) -> dict[str, str]:
        """The error statuses the operation can answer, with their descriptions."""
        statuses = []
        if self._validates_input(operation):
            statuses.append("400")
        if self._authenticates():
            statuses.append("401")
        if self._may_refuse():
            statuses.append("403")
        if self._may_be_missing():
            statuses.append("404")
        if "requestBody" in operation:
            statuses.append("413")
            if self.view.get_parsers():
                statuses.append("415")
        if self.view.get_throttles():
            statuses.append("429")
        return {**{status: _DESCRIPTIONS[status] for status in statuses}, **self._view_declared_errors()}

    # --- Building the responses ---------------------------------------------------------------

    def _component(self, name: str) -> dict:
        """The ``$ref`` of one of the error components, registering them (they refer to each other)."""
        for component_name, schema in _SCHEMAS.items():
            self.registry.register_on_missing(
                ResolvedComponent(
                    name=component_name, type=ResolvedComponent.SCHEMA, schema=schema, object=_ErrorSchemas
                )
            )
        return {"$ref": f"#/components/schemas/{name}"}

    def _content(self, name: str) -> dict:
        ref = self._component(name)
        return {media_type: {"schema": ref} for media_type in self.map_renderers("media_type")}

    def _documents_only_detail(self, response: dict) -> bool:
        """A declared response without a body, or whose body is a component with just ``detail``."""
        content = response.get("content")
        if not content:
            return True
        for media in content.values():
            ref = media.get("schema", {}).get("$ref", "")
            if not ref.startswith("#/components/schemas/"):
                return False
            key = (ref.rsplit("/", 1)[-1], ResolvedComponent.SCHEMA)
            try:
                schema = self.registry[key].schema
            except KeyError:
                return False
            if set(schema.get("properties", {})) != {"detail"}:
                return False
        return True

    def _add_error_responses(self, operation: dict) -> None:
        responses = operation["responses"]
        for status, description in self.error_responses(operation).items():
            name = VALIDATION_ERROR if status == "400" else ERROR_DETAIL
            declared = responses.get(status)
            if declared is None:
                responses[status] = {"content": self._content(name), "description": description}
            elif status == "400" and self._validates_input(operation) and self._documents_only_detail(declared):
                declared["content"] = self._content(name)
                declared["description"] = declared.get("description") or description
        operation["responses"] = dict(sorted(responses.items()))
