"""Permission plumbing shared by the apps' ``permissions.py`` (the rules themselves live there)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission


def check_object_permission(view, request, permission: BasePermission, obj: Any) -> None:
    """Apply an object permission to an object named in the request body or query string.

    DRF checks the URL's object in ``get_object()``; an object the request only names (the
    course of a new part, the lesson of a new comment) is checked here, once it is known to
    exist for the caller, and before the rest of the input is acted on. The answer is DRF's
    own (``APIView.permission_denied``): 401 for an unauthenticated caller, else 403 with the
    permission's ``message``.
    """
    if not permission.has_object_permission(request, view, obj):
        view.permission_denied(
            request, message=getattr(permission, "message", None), code=getattr(permission, "code", None)
        )


class WritesOnly:
    """Mixin for an object rule that governs writes only: reads (``SAFE_METHODS``) pass, since
    what a caller may read is already decided by the view's queryset. The OpenAPI schema counts
    such permissions as open to reads, like DRF's ``IsAuthenticatedOrReadOnly``."""

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().has_object_permission(request, view, obj)
