"""``manage.py messages``: extract the translatable strings, update every catalog, compile them
(``make messages``; see core.catalogs). Needs no GNU gettext tools, only polib (dev dependency)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from core import catalogs


class Command(BaseCommand):
    help = "Update locale/<language>/LC_MESSAGES/django.po from the code and compile every catalog."

    def handle(self, *args, **options) -> None:
        for language in catalogs.translated_languages():
            kept, added, dropped = catalogs.update(language)
            untranslated = self._untranslated(language)
            self.stdout.write(
                f"{language}: {kept} kept, {added} new, {dropped} dropped; {untranslated} left to translate"
            )
        for path in catalogs.compile_vendor():
            self.stdout.write(f"compiled {path.relative_to(catalogs.ROOT)}")

    @staticmethod
    def _untranslated(language: str) -> int:
        import polib

        catalog = polib.pofile(str(catalogs.po_path(language)))
        return len(catalog.untranslated_entries()) + len(catalog.fuzzy_entries())
