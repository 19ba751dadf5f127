"""Role and ownership rules for the accounts API: one class per rule."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class IsAdmin(BasePermission):
    """Role 1 (Admin), staff and superusers."""

    message = _("Only administrators may do this.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


class IsTutorOrAdmin(BasePermission):
    message = _("Only tutors and administrators may do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_tutor or user.is_admin))


class IsSelfOrAdmin(BasePermission):
    """Object rule for user records: the user themself, or an admin."""

    def has_object_permission(self, request, view, obj) -> bool:
        return request.user.is_admin or obj.pk == request.user.pk
