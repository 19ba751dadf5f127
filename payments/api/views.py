"""Payments API: checkout, the caller's payments, admin refunds, and the Stripe webhook."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from payments import selectors, services
from payments.api.serializers import CheckoutRequestSerializer, CheckoutResponseSerializer, PaymentSerializer
from payments.models import Payment, PaymentStatus
from users.permissions import IsAdmin

DETAIL = inline_serializer("PaymentDetailMessage", fields={"detail": serializers.CharField()})


class PaymentFilter(filters.FilterSet):
    user = filters.CharFilter(field_name="user_id", max_length=12)
    status = filters.ChoiceFilter(choices=PaymentStatus.choices)

    class Meta:
        model = Payment
        fields = ["user", "status"]


@extend_schema(tags=["payments"])
class PaymentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Your payments (admins: everyone's, with `?user=` and `?status=`). Payment rows are
    never created, changed or deleted by clients: POST starts a checkout."""

    serializer_class = PaymentSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = PaymentFilter

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user)

    @extend_schema(
        request=CheckoutRequestSerializer,
        responses={
            200: CheckoutResponseSerializer,
            400: DETAIL,
            404: DETAIL,
            409: DETAIL,
            502: DETAIL,
            503: DETAIL,
        },
        description=(
            "Buy a course: free courses enrol at once (`enrolled: true`); paid ones return a Stripe "
            "Checkout session to redirect to. An open checkout for the same course is reused: one user "
            "and one course never have two sessions. If a concurrent request is still creating it, "
            "this one waits a few seconds for it, then answers 409 (try again)."
        ),
    )
    def create(self, request, *args, **kwargs):
        serializer = CheckoutRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = selectors.checkout_course(**serializer.validated_data["course_id"])
        if course is None:
            raise Http404(_("No published course with this id."))
        result = services.checkout_start(user=request.user, course=course)
        return Response(
            {
                "enrolled": result.enrolled,
                "course_slug": result.course_slug,
                "checkout_session_id": result.checkout_session_id,
                "checkout_url": result.checkout_url,
            },
            status=status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses={202: DETAIL, 409: DETAIL, 502: DETAIL, 503: DETAIL})
    @action(detail=True, methods=["post"], permission_classes=[IsAdmin])
    def refund(self, request, pk=None):
        """Refund a completed payment through Stripe (admins). The webhook then revokes access."""
        payment = self.get_object()
        services.payment_refund_request(payment=payment)
        return Response({"detail": _("Refund requested.")}, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=["payments"],
    auth=[],
    request={"application/json": OpenApiTypes.OBJECT},
    responses={200: OpenApiResponse(description="Event received."), 400: DETAIL, 500: DETAIL},
)
class StripeWebhookView(APIView):
    """Stripe's webhook: signature-verified, idempotent per event id. CSRF-exempt, no login."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []  # the raw body is what Stripe signed

    def post(self, request):
        outcome = services.webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
        return Response({"received": True, "outcome": outcome})


@extend_schema(exclude=True)
class StripeWebhookAliasView(StripeWebhookView):
    """`/webhook/`: the same endpoint under the documentation's alternative path."""
