"""The currencies courses are sold in: the one list.

Read by the course, order and payment fields and the API's choices (``Currency``), by Stripe's
amounts (``MINOR_UNIT_EXPONENTS``) and by the settings' check of ``DEFAULT_CURRENCY``. The
settings import this module before any app is loaded, so it imports no app: only Django's
choices enum, which needs neither settings nor the app registry.
"""

from __future__ import annotations

from django.db import models


class Currency(models.TextChoices):
    USD = "USD", "US dollar"
    EUR = "EUR", "Euro"
    RUB = "RUB", "Russian rouble"
    UZS = "UZS", "Uzbek som"


# Digits after the decimal point of each currency's smallest unit (Stripe's "zero-decimal"
# currencies have 0).
MINOR_UNIT_EXPONENTS: dict[str, int] = {
    Currency.USD: 2,
    Currency.EUR: 2,
    Currency.RUB: 2,
    Currency.UZS: 2,
}
