from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from core.admin import ReadOnlyAdmin
from core.exceptions import ServiceError
from payments import ledger, services
from payments.models import (
    Coupon,
    CouponRedemption,
    EarningEntry,
    Order,
    OrderItem,
    Payment,
    Payout,
    PayoutAccount,
    Refund,
    WebhookEvent,
)


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


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "scope", "percent_off", "amount_off", "currency", "active", "valid_until", "created_at"]
    list_filter = ["scope", "active", "currency"]
    search_fields = ["code", "tutor__email", "created_by__email"]
    list_select_related = ["tutor"]
    raw_id_fields = ["tutor", "created_by"]
    filter_horizontal = ["courses"]


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(ReadOnlyAdmin):
    list_display = ["coupon", "user", "payment", "discount", "currency", "created_at"]
    list_filter = ["currency", "created_at"]
    search_fields = ["coupon__code", "user__email"]
    list_select_related = ["coupon", "user"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["id", "payment", "amount", "currency", "stripe_refund_id", "applied_at", "created_at"]
    list_filter = ["currency", "created_at"]
    search_fields = ["payment__id", "stripe_refund_id"]


@admin.register(EarningEntry)
class EarningEntryAdmin(ReadOnlyAdmin):
    """The tutors' ledger: immutable, view only."""

    list_display = ["created_at", "tutor", "kind", "amount", "currency", "course", "payment", "payout"]
    list_filter = ["kind", "currency", "created_at"]
    search_fields = ["tutor__email", "course__title"]
    list_select_related = ["tutor", "course"]


def _pay_out(modeladmin, request, tutors) -> None:
    for tutor in tutors:
        currencies = [row["currency"] for row in ledger.tutor_earnings(tutor_id=tutor.pk) if row["available"] > 0]
        if not currencies:
            modeladmin.message_user(request, f"{tutor.email}: nothing available.", messages.WARNING)
        for currency in currencies:
            try:
                payout = services.payout_create(tutor=tutor, currency=currency, by=request.user)
            except ServiceError as exc:
                modeladmin.message_user(request, f"{tutor.email} ({currency}): {exc}", messages.ERROR)
            else:
                modeladmin.message_user(
                    request, f"{tutor.email}: paid out {payout.amount} {payout.currency}.", messages.SUCCESS
                )


@admin.register(PayoutAccount)
class PayoutAccountAdmin(admin.ModelAdmin):
    """Tutors' Stripe Connect accounts; the action pays out each selected tutor's available
    balance (a transfer with STRIPE_CONNECT_ENABLED, else recorded as paid)."""

    list_display = ["tutor", "stripe_account_id"]
    search_fields = ["tutor__email", "stripe_account_id"]
    list_select_related = ["tutor"]
    raw_id_fields = ["tutor"]
    actions = ["pay_out"]

    @admin.action(description="Pay out the available balance")
    def pay_out(self, request, queryset):
        _pay_out(self, request, [account.tutor for account in queryset.select_related("tutor")])


class PayoutForm(forms.ModelForm):
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="Leave empty to pay out the whole available balance in this currency.",
    )

    class Meta:
        model = Payout
        fields = ["tutor", "currency", "amount", "note"]

    def clean(self):
        data = super().clean()
        tutor, currency = data.get("tutor"), data.get("currency")
        if tutor is not None and currency:
            available = ledger.available_balance(tutor_id=tutor.pk, currency=currency)
            amount = data.get("amount") or available
            if amount <= 0 or amount > available:
                raise forms.ValidationError(f"{available} {currency} is available to pay out to {tutor.email}.")
            data["amount"] = amount
            if settings.STRIPE_CONNECT_ENABLED and not PayoutAccount.objects.filter(tutor=tutor).exists():
                raise forms.ValidationError(f"{tutor.email} has no Stripe connected account (add one first).")
        return data


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    """Record a payout (add): a Stripe Connect transfer with STRIPE_CONNECT_ENABLED, else money
    paid outside Stripe. Payouts are never edited or deleted (the ledger has their debit)."""

    form = PayoutForm
    list_display = ["created_at", "tutor", "amount", "currency", "status", "stripe_transfer_id", "created_by"]
    list_filter = ["status", "currency", "created_at"]
    search_fields = ["tutor__email", "stripe_transfer_id"]
    list_select_related = ["tutor", "created_by"]
    raw_id_fields = ["tutor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            payout = services.payout_create(
                tutor=obj.tutor, currency=obj.currency, amount=obj.amount, by=request.user, note=obj.note
            )
        except ServiceError as exc:
            self.message_user(request, f"No payout: {exc}", messages.ERROR)
            obj.pk = None
            return
        obj.pk = payout.pk
        obj._state.adding = False

    def log_addition(self, request, obj, message):
        if obj.pk is not None:  # no payout was made (save_model said why)
            super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return HttpResponseRedirect(reverse("admin:payments_payout_changelist"))
        return super().response_add(request, obj, post_url_continue)
