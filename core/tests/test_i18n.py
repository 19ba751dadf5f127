"""Money, numbers and dates written the way each language writes them (core.i18n, Babel)."""

# Texts in Russian and Uzbek on purpose: their letters are not look-alikes of Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core.i18n import format_date, format_datetime, format_money, format_money_lazy, recipient_language, supported

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


@pytest.mark.parametrize(
    ("language", "zone", "expected"),
    [
        ("en", "America/New_York", "Saturday, March 7, 2026, 6:45 PM (America/New_York)"),
        ("es", "Europe/Madrid", "domingo, 8 de marzo de 2026, 0:45 (Europe/Madrid)"),
        ("ru", "Europe/Moscow", "воскресенье, 8 марта 2026 г., 02:45 (Europe/Moscow)"),
        ("uz", "Asia/Tashkent", "yakshanba, 8-mart, 2026, 04:45 (Asia/Tashkent)"),
    ],
)
def test_a_moment_in_the_language_and_time_zone(language, zone, expected):
    moment = datetime(2026, 3, 7, 23, 45, tzinfo=UTC)
    assert normal(format_datetime(moment, zone, language)) == expected


def test_a_moment_in_an_unknown_or_empty_zone_is_utc_and_follows_the_active_language():
    moment = datetime(2026, 3, 7, 23, 45, tzinfo=UTC)
    assert normal(format_datetime(moment, "Mars/Olympus", "en")) == "Saturday, March 7, 2026, 11:45 PM (UTC)"
    with translation.override("es"):
        assert normal(format_datetime(moment, "")) == "sábado, 7 de marzo de 2026, 23:45 (UTC)"


def test_lazy_money_is_written_in_the_language_active_when_it_becomes_text():
    amount = format_money_lazy(Decimal("1200"), "RUB")
    with translation.override("ru"):
        assert normal(str(amount)) == "1 200,00 ₽"
    with translation.override("en"):
        assert normal(str(amount)) == "RUB1,200.00"
