from django.contrib import admin, messages

from core.admin import ReadOnlyAdmin
from core.exceptions import ServiceError
from payments import services
from payments.models import Order, OrderItem, Payment, WebhookEvent


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    readonly_fields = ["course", "price"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "total", "currency", "created_at"]
    list_filter = ["currency", "created_at"]
    search_fields = ["id", "user__email", "items__course__title"]
    list_select_related = ["user"]
    inlines = [OrderItemInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "amount", "currency", "status", "method", "reason", "created_at", "completed_at"]
    list_filter = ["status", "currency", "method", "created_at"]
    search_fields = ["id", "user__email", "checkout_session_id", "transaction_id", "stripe_payment_intent"]
    list_select_related = ["user"]
    actions = ["refund"]

    @admin.action(description="Refund through Stripe")
    def refund(self, request, queryset):
        for payment in queryset:
            try:
                services.payment_refund_request(payment=payment)
            except ServiceError as exc:
                self.message_user(request, f"{payment.pk}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{payment.pk}: refund requested.", messages.SUCCESS)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "received_at", "processed_at", "outcome"]
    list_filter = ["type", "received_at"]
    search_fields = ["event_id", "type", "outcome"]
