"""Notifications API: the caller's inbox, preferences and push devices. Every endpoint needs a
login (401); another user's notification or device is 404, as if it did not exist."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.shortcuts import or_404
from notifications import kinds, selectors, services
from notifications.api import serializers as s
from notifications.models import Notification

ID_REGEX = r"[0-9]{1,18}"
PreferenceTable = type(
    "NotificationPreferences",
    (serializers.Serializer,),
    {key: s.PreferenceSerializer(required=False) for key in kinds.KINDS},
)


class NotificationFilter(filters.FilterSet):
    """``?unread=true|false`` and ``?kind=<kind>``; anything else is a 400."""

    unread = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_unread", help_text="true: unread only."
    )
    kind = filters.ChoiceFilter(choices=[(key, key) for key in kinds.KINDS], help_text="Only this kind.")

    class Meta:
        model = Notification
        fields = ("unread", "kind")

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value == "true")


@extend_schema_view(get=extend_schema(tags=["notifications"], summary="The caller's notifications, newest first"))
class NotificationListView(generics.ListAPIView):
    serializer_class = s.NotificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = NotificationFilter

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)


@extend_schema(tags=["notifications"], summary="How many notifications are unread", responses=s.UnreadCountSerializer)
class UnreadCountView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"count": selectors.unread_count(user_id=request.user.pk)})


class NotificationObjectMixin:
    permission_classes = [IsAuthenticated]

    def _notification(self, notification_id):
        return or_404(selectors.notification_get(user=self.request.user, notification_id=notification_id))


@extend_schema(tags=["notifications"], summary="Mark one as read", request=None, responses=s.NotificationSerializer)
class NotificationReadView(NotificationObjectMixin, APIView):
    def post(self, request, notification_id):
        notification = services.notification_mark_read(notification=self._notification(notification_id))
        return Response(s.NotificationSerializer(notification).data)


@extend_schema(tags=["notifications"], summary="Mark all as read", request=None, responses=s.ReadAllSerializer)
class NotificationReadAllView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        return Response({"updated": services.notifications_mark_all_read(user=request.user)})


@extend_schema(tags=["notifications"], summary="Delete one", responses={204: OpenApiResponse(description="Deleted.")})
class NotificationDetailView(NotificationObjectMixin, APIView):
    def delete(self, request, notification_id):
        services.notification_delete(notification=self._notification(notification_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        tags=["notifications"],
        summary="Notification preferences, per kind",
        description="Every kind with the caller's choice per channel (the defaults where they chose none). "
        "Kinds with `email_locked` always e-mail (payment receipts, refunds, security).",
        responses=PreferenceTable,
    ),
    patch=extend_schema(
        tags=["notifications"],
        summary="Change preferences (partial)",
        description="`{kind: {in_app?, email?, push?}}`; turning off a locked e-mail is a 400.",
        request=PreferenceTable,
        responses=PreferenceTable,
    ),
)
class PreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(selectors.preference_table(user=request.user))

    def patch(self, request):
        serializer = s.PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.preferences_update(user=request.user, changes=serializer.validated_data))


@extend_schema_view(
    get=extend_schema(tags=["notifications"], summary="The caller's push devices"),
    post=extend_schema(
        tags=["notifications"],
        summary="Register a push device",
        description="A token already registered (by anyone) moves to the caller: 200; a new one: 201.",
        responses={200: s.DeviceSerializer, 201: s.DeviceSerializer},
    ),
)
class DeviceListCreateView(generics.ListCreateAPIView):
    serializer_class = s.DeviceSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.device_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, created = services.device_register(user=request.user, **serializer.validated_data)
        return Response(
            s.DeviceSerializer(device).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(tags=["notifications"], summary="Unregister a push device", responses={204: None})
class DeviceDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def delete(self, request, device_id):
        services.device_delete(device=or_404(selectors.device_get(user=request.user, device_id=device_id)))
        return Response(status=status.HTTP_204_NO_CONTENT)
