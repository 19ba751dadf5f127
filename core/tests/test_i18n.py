"""Money, numbers and dates written the way each language writes them (core.i18n, Babel)."""

# Texts in Russian and Uzbek on purpose: their letters are not look-alikes of Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core.i18n import format_date, format_money, recipient_language, supported

NBSP, NNBSP = "\xa0", "\u202f"


def normal(text: str) -> str:
    return text.replace(NBSP, " ").replace(NNBSP, " ")


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", "19.99", "USD", "$19.99"),
        ("en", "1200", "RUB", "RUB1,200.00"),  # CLDR: the code, no space
        ("ru", "1200", "RUB", "1 200,00 ₽"),
        ("ru", "19.99", "USD", "19,99 $"),
        ("es", "1234.5", "EUR", "1.234,50 €"),
        ("uz", "250000", "UZS", "250 000,00 soʻm"),
        ("uz", "19.99", "USD", "19,99 US$"),
    ],
)
def test_money_per_language_with_the_currencys_minor_units(language, amount, currency, expected):
    assert normal(format_money(Decimal(amount), currency, language)) == expected


def test_money_follows_the_active_language():
    with translation.override("ru"):
        assert normal(format_money(Decimal("5"), "EUR")) == "5,00 €"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "March 5, 2026"), ("ru", "5 марта 2026 г."), ("es", "5 de marzo de 2026"), ("uz", "5-mart, 2026")],
)
def test_dates_per_language(language, expected):
    assert normal(format_date(date(2026, 3, 5), language)) == expected
    assert normal(format_date(datetime(2026, 3, 5, 23, 59, tzinfo=UTC), language)) == expected


def test_supported_and_recipient_language():
    assert supported("ru-RU") == "ru"
    assert supported("de") is None and supported("") is None
    assert recipient_language(type("U", (), {"language": "uz"})()) == "uz"
    assert recipient_language(type("U", (), {"language": ""})()) == "en"
    assert recipient_language(type("U", (), {"language": "xx"})()) == "en"
