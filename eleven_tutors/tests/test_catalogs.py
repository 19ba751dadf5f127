"""The message catalogs: complete, translated, placeholders intact, compiled (core.catalogs).

No GNU gettext is needed: the strings are extracted with Python's ast and tokenize and
Django's templatize, the catalogs read with polib. ``make messages`` updates them.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
import rest_framework
import rest_framework_simplejwt

from core import catalogs
from core.catalogs import Extracted, Message, extract_python, extract_template, placeholders

LANGUAGES = catalogs.translated_languages()
# Strings that are the same word in the language (checked: not English left behind).
SAME_IN_TRANSLATION = {
    ("es", "Error."),
    ("es", "Tutor: %(names)s"),
}


def entries(catalog: polib.POFile) -> dict[tuple[str | None, str], polib.POEntry]:
    return {(entry.msgctxt, entry.msgid): entry for entry in catalog if not entry.obsolete}


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.fixture(scope="module")
def extracted() -> dict[Message, list[str]]:
    return catalogs.extract().messages


def test_the_languages_are_english_russian_spanish_and_uzbek(settings):
    assert [code for code, _name in settings.LANGUAGES] == ["en", "ru", "es", "uz"]
    assert settings.LANGUAGE_CODE == "en"
    assert LANGUAGES == ["ru", "es", "uz"]


def test_the_extraction_finds_every_kind_of_marked_string():
    found = Extracted()
    extract_python(
        "from django.utils.translation import gettext_lazy as _, ngettext, pgettext\n"
        "A = _('Plain %(x)s')\n"
        "B = ngettext('One {n}', 'Many {n}', 2)\n"
        "C = pgettext('menu', 'Open')\n"
        "D = _(variable)\n",
        "sample.py",
        found,
    )
    extract_template(
        "{% load i18n %}{% translate 'Tag' %}{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}"
        "{% blocktranslate count n=items|length %}One{% plural %}Many{% endblocktranslate %}",
        "sample.html",
        found,
    )
    assert set(found.messages) == {
        Message("Plain %(x)s"),
        Message("One {n}", "Many {n}"),
        Message("Open", context="menu"),
        Message("Tag"),
        Message("Hi %(name)s"),
        Message("One", "Many"),
    }


def test_the_code_marks_its_messages(extracted):
    """A sample of what the API and its e-mails say, found by the extraction (so the
    completeness test below covers them)."""
    msgids = {message.msgid for message in extracted}
    for msgid in (
        "A user with this e-mail address already exists.",  # serializer
        "Only administrators may do this.",  # permission
        "Too many registration attempts.",  # throttle
        "Try again in {wait} second.",
        "Reset your 11Tutors password",  # e-mail subject
        "Hello %(name)s,",  # e-mail template
        "Certificate of Completion",  # PDF
        "Not found.",  # middleware
    ):
        assert msgid in msgids, f"{msgid!r} is not extracted"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalog_translated(language, extracted):
    catalog = polib.pofile(str(catalogs.po_path(language)))
    have = entries(catalog)
    missing = [m.msgid for m in extracted if (m.context, m.msgid) not in have]
    assert not missing, f"{language}: not in the catalog (run `make messages`): {missing}"
    wrong_plural = [m.msgid for m in extracted if m.plural and have[(m.context, m.msgid)].msgid_plural != m.plural]
    assert not wrong_plural, f"{language}: plural differs from the code's: {wrong_plural}"
    stale = [key for key in have if Message(key[1], have[key].msgid_plural or None, key[0]) not in extracted]
    assert not stale, f"{language}: strings the code no longer uses (run `make messages`): {stale}"
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    assert not untranslated, f"{language}: untranslated: {untranslated}"
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert not fuzzy, f"{language}: fuzzy: {fuzzy}"
    nplurals = int(catalog.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    for entry in catalog:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(nplurals)), f"{language}: {entry.msgid!r} plural forms"
            assert all(entry.msgstr_plural.values()), f"{language}: {entry.msgid!r} has an empty plural form"


def _check_catalog(path: Path, language: str) -> None:
    catalog = polib.pofile(str(path))
    assert catalog.metadata.get("Language") == language
    problems = []
    for entry in catalog:
        for index, text in enumerate(translations(entry)):
            source = entry.msgid_plural if entry.msgid_plural and index > 0 else entry.msgid
            if not text:
                problems.append(f"untranslated: {entry.msgid!r}")
            elif placeholders(text) != placeholders(source) and not (
                # A language with one form for every count may leave the count itself out.
                entry.msgid_plural and set(placeholders(text)) <= set(placeholders(source))
            ):
                problems.append(f"placeholders {placeholders(source)} became {placeholders(text)}: {text!r}")
            elif text == entry.msgid and (language, entry.msgid) not in SAME_IN_TRANSLATION:
                problems.append(f"left in English: {text!r}")
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
    assert not problems, f"{path}:\n" + "\n".join(problems)
    compiled = polib.mofile(str(path.with_suffix(".mo")))
    po_pairs = {(e.msgctxt, e.msgid): translations(e) for e in catalog if e.translated()}
    mo_pairs = {(e.msgctxt, e.msgid): translations(e) for e in compiled}
    assert mo_pairs == po_pairs, f"{path.with_suffix('.mo')} does not match its .po: run `make messages`"


def vendor_catalogs() -> list[Path]:
    return sorted(catalogs.VENDOR_LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_placeholders_no_english_left_and_compiled(language):
    _check_catalog(catalogs.po_path(language), language)


@pytest.mark.parametrize("path", vendor_catalogs(), ids=lambda path: path.parts[-3])
def test_vendor_catalogs_translate_real_library_messages(path):
    language = path.parts[-3]
    _check_catalog(path, language)
    library = Extracted()
    for package in (rest_framework, rest_framework_simplejwt):
        root = Path(package.__file__).parent
        for source in root.rglob("*.py"):
            extract_python(source.read_text(encoding="utf-8"), str(source), library)
    known = {message.msgid for message in library.messages}
    unknown = [entry.msgid for entry in polib.pofile(str(path)) if entry.msgid not in known]
    assert not unknown, f"{path}: not a message of Django REST framework or simplejwt: {unknown}"


def test_uzbek_covers_the_rest_framework_messages_the_api_answers_with():
    uz = {entry.msgid for entry in polib.pofile(str(catalogs.VENDOR_LOCALE_DIR / "uz/LC_MESSAGES/django.po"))}
    for msgid in (
        "Authentication credentials were not provided.",
        "You do not have permission to perform this action.",
        "Not found.",
        "This field is required.",
        "Enter a valid email address.",
        "Ensure this field has no more than {max_length} characters.",
        "Invalid page.",
        "Given token not valid for any token type",
        "Token is invalid",
    ):
        assert msgid in uz, msgid
