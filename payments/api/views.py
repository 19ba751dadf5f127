"""Payments API: checkout, the caller's payments, admin refunds, and the Stripe webhook."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from payments import ledger, pricing, selectors, services
from payments.api.serializers import (
    CartCheckoutInSerializer,
    CartCheckoutOutSerializer,
    CartItemInSerializer,
    CartSerializer,
    CheckoutResponseSerializer,
    CheckoutWithCouponRequestSerializer,
    CouponSerializer,
    CouponUpdateSerializer,
    EarningEntrySerializer,
    EarningsOutSerializer,
    PaymentSerializer,
    QuoteInSerializer,
    QuoteOutSerializer,
    RefundInSerializer,
)
from payments.models import Coupon, Payment, PaymentStatus
from users.permissions import IsAdmin, IsTutorOrAdmin

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
        request=CheckoutWithCouponRequestSerializer,
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
            "this one waits a few seconds for it, then answers 409 (try again). An optional `coupon` is "
            "checked (400 with the reason) and applied; a 100 % coupon enrols without Stripe."
        ),
    )
    def create(self, request, *args, **kwargs):
        serializer = CheckoutWithCouponRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = _published_course(**serializer.validated_data["course_id"])
        result = services.checkout_start(
            user=request.user, course=course, coupon_code=serializer.validated_data.get("coupon") or None
        )
        return Response(
            {
                "enrolled": result.enrolled,
                "course_slug": result.course_slug,
                "checkout_session_id": result.checkout_session_id,
                "checkout_url": result.checkout_url,
            },
            status=status.HTTP_200_OK,
        )

    @extend_schema(
        request=RefundInSerializer, responses={202: DETAIL, 400: DETAIL, 409: DETAIL, 502: DETAIL, 503: DETAIL}
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAdmin])
    def refund(self, request, pk=None):
        """Refund a completed payment through Stripe (admins): all of it, or the courses in
        `course_ids` (for what was paid for them). The webhook then revokes their access."""
        payment = self.get_object()
        serializer = RefundInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.payment_refund_request(
            payment=payment, course_ids=serializer.validated_data.get("course_ids"), by=request.user
        )
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


# --- Cart ----------------------------------------------------------------------------------------


def _published_course(**lookup):
    """The published course a checkout or a cart names; 404 (in the request's language) otherwise."""
    course = selectors.checkout_course(**lookup)
    if course is None:
        raise Http404(_("No published course with this id."))
    return course


def _cart_body(user) -> dict:
    items = list(selectors.cart_items(user=user))
    currencies = {item.course.currency for item in items}
    single = len(currencies) == 1
    return {
        "items": [{"course": item.course} for item in items],
        "total": sum((item.course.price for item in items), Decimal("0")) if single else None,
        "currency": currencies.pop() if single else None,
    }


@extend_schema(tags=["payments"])
class CartView(APIView):
    """Your cart: the courses you mean to buy together. It is kept with your account (it
    survives logout) and a course leaves it when its payment completes or you remove it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: CartSerializer})
    def get(self, request):
        return Response(CartSerializer(_cart_body(request.user)).data)


@extend_schema(tags=["payments"])
class CartItemsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CartItemInSerializer,
        responses={200: CartSerializer, 201: CartSerializer, 400: DETAIL, 404: DETAIL, 409: DETAIL},
        description=(
            "Add a published course (idempotent: 201 when added, 200 when it was there). "
            "A course you own is a 409, a course you teach a 400."
        ),
    )
    def post(self, request):
        serializer = CartItemInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = _published_course(pk=serializer.validated_data["course_id"])
        _item, created = services.cart_item_add(user=request.user, course=course)
        return Response(
            CartSerializer(_cart_body(request.user)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(tags=["payments"])
class CartItemView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None, 404: DETAIL})
    def delete(self, request, course_id):
        if not services.cart_item_remove(user=request.user, course_id=course_id):
            raise Http404("This course is not in your cart.")
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["payments"])
class CartCheckoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CartCheckoutInSerializer,
        responses={200: CartCheckoutOutSerializer, 400: DETAIL, 409: DETAIL, 502: DETAIL, 503: DETAIL},
        description=(
            "Buy the whole cart: one order, one payment, one Stripe Checkout session with one line "
            "item per course (priced as `quote/` says). Free courses are enrolled at once; an order "
            "a coupon makes free completes without Stripe (`enrolled: true`). One currency per "
            "order (400). The cart is emptied when the payment completes."
        ),
    )
    def post(self, request):
        serializer = CartCheckoutInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.cart_checkout(user=request.user, coupon_code=serializer.validated_data.get("coupon") or None)
        return Response(
            {
                "enrolled": result.enrolled,
                "checkout_session_id": result.checkout_session_id,
                "checkout_url": result.checkout_url,
            }
        )


@extend_schema(tags=["payments"])
class QuoteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=QuoteInSerializer,
        responses={200: QuoteOutSerializer, 400: DETAIL},
        description="What a checkout of these courses (with the coupon) would charge: the same computation.",
    )
    def post(self, request):
        serializer = QuoteInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(serializer.validated_data["course_ids"]))
        courses = selectors.quote_courses(course_ids=ids)
        if len(courses) != len(ids):
            missing = sorted(str(pk) for pk in set(ids) - {course.pk for course in courses})
            raise ValidationError({"course_ids": [f"No published course with id {', '.join(missing)}."]})
        priced = pricing.quote(
            user=request.user, courses=courses, coupon_code=serializer.validated_data.get("coupon") or None
        )
        lines = [*priced.lines, *priced.free_lines]
        body = {
            "lines": [
                {"course_id": line.course.pk, "price": line.price, "discount": line.discount, "amount": line.amount}
                for line in lines
            ],
            "discount": priced.discount,
            "total": priced.total,
            "currency": priced.currency,
            "coupon": priced.coupon.code if priced.coupon else None,
        }
        return Response(QuoteOutSerializer(body).data)


# --- Coupons -------------------------------------------------------------------------------------


@extend_schema(tags=["payments"])
class CouponViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Coupons you manage (tutors: for your own courses; admins: all), with their redemption
    counts. The discount and scope are fixed once created; PATCH changes validity, limits and
    `active`; DELETE deactivates (redemptions stay on the books)."""

    permission_classes = [IsTutorOrAdmin]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    queryset = Coupon.objects.none()  # the schema's model; requests use get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.coupon_list(user=self.request.user)

    def get_serializer_class(self):
        return CouponUpdateSerializer if self.action == "partial_update" else CouponSerializer

    @extend_schema(responses={201: CouponSerializer, 400: DETAIL, 403: DETAIL, 409: DETAIL})
    def create(self, request, *args, **kwargs):
        serializer = CouponSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        coupon = services.coupon_create(by=request.user, data=dict(serializer.validated_data))
        coupon = self.get_queryset().get(pk=coupon.pk)
        return Response(CouponSerializer(coupon).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CouponUpdateSerializer, responses={200: CouponSerializer, 400: DETAIL, 404: DETAIL})
    def partial_update(self, request, *args, **kwargs):
        coupon = self.get_object()
        serializer = CouponUpdateSerializer(coupon, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.coupon_update(coupon=coupon, data=dict(serializer.validated_data))
        return Response(CouponSerializer(self.get_queryset().get(pk=coupon.pk)).data)

    @extend_schema(responses={204: None, 404: DETAIL})
    def destroy(self, request, *args, **kwargs):
        services.coupon_update(coupon=self.get_object(), data={"active": False})
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Tutors' earnings ----------------------------------------------------------------------------


@extend_schema(tags=["payments"])
class TutorEarningsView(APIView):
    """Your earnings as a tutor, per currency (definitions: `payments/ledger.py`): `balance`
    (every ledger entry), `pending` (sales of payments younger than PAYOUT_HOLD_DAYS),
    `available` (balance - pending), `paid_out`."""

    permission_classes = [IsTutorOrAdmin]

    @extend_schema(responses={200: EarningsOutSerializer})
    def get(self, request):
        body = {
            "currencies": ledger.tutor_earnings(tutor_id=request.user.pk),
            "payout_hold_days": settings.PAYOUT_HOLD_DAYS,
            "revenue_share": settings.TUTOR_REVENUE_SHARE,
        }
        return Response(EarningsOutSerializer(body).data)


@extend_schema(tags=["payments"])
class TutorEarningEntriesView(ListAPIView):
    """Your ledger, newest first: sales (credits), refunds and payouts (debits). Paginated."""

    permission_classes = [IsTutorOrAdmin]
    serializer_class = EarningEntrySerializer

    def get_queryset(self):
        return selectors.earning_entries(tutor=self.request.user)
