"""Languages: which one a request or a recipient gets, and locale-aware formatting.

The API speaks the languages of ``settings.LANGUAGES``. A request is answered in the signed-in
user's ``language`` when they chose one, else in the best match of its ``Accept-Language``
header, else in ``LANGUAGE_CODE`` (``core.middleware.LocaleMiddleware`` resolves the header;
``users.authentication.JWTAuthentication`` switches to the user's choice once DRF has
authenticated the request, before the view runs). What is sent to somebody (an e-mail) is
written in the *recipient's* language (``recipient_language``), whoever caused it.

Dates, numbers and money are formatted by Babel (CLDR data) for the active language.
"""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_currency
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def default_language() -> str:
    """The language new content and users without a choice get (``LANGUAGE_CODE``)."""
    return settings.LANGUAGE_CODE


def supported(code: str | None) -> str | None:
    """``code`` as one of ``LANGUAGES`` (``ru-RU`` → ``ru``), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def validate_language(value: str) -> None:
    """Model and serializer validator: one of ``LANGUAGES`` exactly."""
    if value not in language_codes():
        raise ValidationError(
            _("“%(value)s” is not a supported language. Choose one of: %(choices)s."),
            code="invalid_language",
            params={"value": value, "choices": ", ".join(language_codes())},
        )


def recipient_language(user) -> str:
    """The language to write to ``user`` in: their choice, else the default (never the
    language of whoever caused the message)."""
    return supported(getattr(user, "language", "")) or default_language()


def in_language_of(user):
    """``with in_language_of(user):`` renders what is inside in the recipient's language."""
    return translation.override(recipient_language(user))


def activate_user_language(user) -> None:
    """A signed-in request is answered in the user's chosen language (if any)."""
    code = supported(getattr(user, "language", ""))
    if code:
        translation.activate(code)


def activate_request_language(request, user) -> None:
    """The language of ``request`` for ``user``: their choice, else the request's Accept-Language."""
    translation.activate(supported(getattr(user, "language", "")) or translation.get_language_from_request(request))


def babel_locale(language: str | None = None) -> Locale:
    """Babel's locale for a Django language code (``uz`` is Uzbek in Latin script)."""
    code = (language or translation.get_language() or default_language()).replace("-", "_")
    try:
        return Locale.parse(code)
    except Exception:
        return Locale.parse(default_language().replace("-", "_"))


def format_money(amount: Decimal | int | float | str, currency: str, language: str | None = None) -> str:
    """``amount`` of ``currency`` the way the language writes money: its symbol where the locale
    has one, its digit grouping and decimal sign, and the currency's minor units (CLDR)."""
    return format_currency(Decimal(str(amount)), currency.upper(), locale=babel_locale(language))


def format_date(value: datetime.date | datetime.datetime, language: str | None = None) -> str:
    """A date in words, in the language ("5 March 2026", "5 de marzo de 2026")."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return babel_format_date(value, format="long", locale=babel_locale(language))


#: ``format_money`` in whatever language is active when the value is turned into text: a
#: notification's parameter, written once per recipient language.
format_money_lazy = lazy(format_money, str)


def format_datetime(value: datetime.datetime, zone: str | None = None, language: str | None = None) -> str:
    """A moment in words, in the time zone ``zone`` (an IANA name; UTC when unknown or empty)
    and the language: "lunes, 7 de diciembre de 2026, 19:30 (Europe/Madrid)"."""
    try:
        tz = zoneinfo.ZoneInfo(zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    local = value.astimezone(tz)
    locale = babel_locale(language)
    day = babel_format_date(local.date(), format="full", locale=locale)
    clock = babel_format_time(local.time(), format="short", locale=locale)
    return f"{day}, {clock} ({tz.key})"
