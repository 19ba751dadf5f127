from django.urls import path
from rest_framework.routers import SimpleRouter

from payments.api import views

router = SimpleRouter()
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("coupons", views.CouponViewSet, basename="coupon")

urlpatterns = [
    path("stripe/webhook/", views.StripeWebhookView.as_view(), name="stripe-webhook"),
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/items/", views.CartItemsView.as_view(), name="cart-items"),
    path("cart/items/<uuid:course_id>/", views.CartItemView.as_view(), name="cart-item"),
    path("cart/checkout/", views.CartCheckoutView.as_view(), name="cart-checkout"),
    path("quote/", views.QuoteView.as_view(), name="quote"),
    *router.urls,
]
