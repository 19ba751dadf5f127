"""The message catalogs (``locale/<language>/LC_MESSAGES/django.po`` and ``.mo``), without GNU gettext.

``manage.py messages`` (``make messages``) extracts every string the code marks for translation,
merges them into each language's catalog (translations kept, new strings added untranslated,
strings no longer used dropped) and compiles the ``.mo`` files that Django reads. The tests
(``eleven_tutors/tests/test_catalogs.py``) run the same extraction: a catalog that misses a
string, leaves one untranslated or fuzzy, loses a placeholder, or a ``.mo`` that does not match
its ``.po``, fails the suite.

What is extracted, with no tool of the system (Python's ``ast`` and ``tokenize``, Django's
``templatize``, ``polib`` to read and write the catalogs):

- Python: calls of ``_``, ``gettext``, ``gettext_lazy``, ``ngettext``, ``ngettext_lazy``,
  ``pgettext``, ``pgettext_lazy`` with literal strings, in the apps' modules (not tests, not
  migrations);
- templates: ``{% translate %}`` and ``{% blocktranslate %}`` in the apps' ``templates/``.

``locale_vendor/`` holds translations of the libraries' own messages for languages the
libraries ship none of (Uzbek for Django REST framework and simplejwt, Russian for simplejwt,
whose catalog is named ``ru_RU``); it is written by hand, and checked by the same tests.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "core",
    "users",
    "courses",
    "videos",
    "payments",
    "learning",
    "community",
    "analytics",
    "notifications",
    "live",
    "demo",
    "eleven_tutors",
)
LOCALE_DIR = ROOT / "locale"
VENDOR_LOCALE_DIR = ROOT / "locale_vendor"

# Function name -> the positions of (context, singular, plural) among its arguments.
KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
}
TEMPLATE_SUFFIXES = (".html", ".txt")

PLURAL_FORMS = {
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "es": "nplurals=2; plural=(n != 1);",
    # Uzbek needs no plural after a number, but a list of several names takes -lar.
    "uz": "nplurals=2; plural=(n != 1);",
}
DEFAULT_PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

# %(name)s, %s, %d... and {name}: what a translation must keep exactly.
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None = None
    context: str | None = None


@dataclass
class Extracted:
    messages: dict[Message, list[str]] = field(default_factory=dict)  # -> "path:line" occurrences

    def add(self, message: Message, where: str) -> None:
        self.messages.setdefault(message, []).append(where)


def _python_files() -> Iterator[Path]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield path


def _template_files() -> Iterator[Path]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("templates/**/*")):
            if path.suffix in TEMPLATE_SUFFIXES and path.is_file():
                yield path


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def extract_python(source: str, where: str, into: Extracted) -> None:
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in KEYWORDS:
            continue
        context_at, singular_at, plural_at = KEYWORDS[name]
        args = node.args
        needed = max(i for i in (context_at, singular_at, plural_at) if i is not None)
        if len(args) <= needed:
            continue
        singular = _literal(args[singular_at])
        plural = _literal(args[plural_at]) if plural_at is not None else None
        context = _literal(args[context_at]) if context_at is not None else None
        if singular is None or (plural_at is not None and plural is None):
            continue  # not a literal: nothing to extract (the catalogs cannot know it)
        into.add(Message(singular, plural, context), f"{where}:{node.lineno}")


def extract_template(source: str, where: str, into: Extracted) -> None:
    """Django's ``templatize`` (what ``makemessages`` feeds xgettext) turns the template's
    translatable strings into ``gettext(...)``/``ngettext(...)``/``pgettext(...)`` calls among
    placeholder characters; the calls are read with Python's tokenizer."""
    from django.utils.translation.template import templatize

    code = templatize(source, origin=where)
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.NL]
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in ("gettext", "ngettext", "pgettext", "npgettext"):
            continue
        if index + 1 >= len(tokens) or tokens[index + 1].string != "(":
            continue
        strings = []
        for following in tokens[index + 2 :]:
            if following.type == tokenize.STRING:
                strings.append(ast.literal_eval(following.string))
            elif following.string != ",":
                break
        line = token.start[0]
        if token.string == "gettext" and strings:
            into.add(Message(strings[0]), f"{where}:{line}")
        elif token.string == "ngettext" and len(strings) >= 2:
            into.add(Message(strings[0], strings[1]), f"{where}:{line}")
        elif token.string == "pgettext" and len(strings) >= 2:
            into.add(Message(strings[1], context=strings[0]), f"{where}:{line}")
        elif token.string == "npgettext" and len(strings) >= 3:
            into.add(Message(strings[1], strings[2], strings[0]), f"{where}:{line}")


def extract() -> Extracted:
    """Every translatable string of the apps, with where it is used."""
    found = Extracted()
    for path in _python_files():
        extract_python(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), found)
    for path in _template_files():
        extract_template(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), found)
    return found


def translated_languages() -> list[str]:
    """The languages with a catalog: every one of ``LANGUAGES`` but the source language."""
    source = settings.LANGUAGE_CODE.split("-")[0]
    return [code for code, _name in settings.LANGUAGES if code.split("-")[0] != source]


def po_path(language: str, base: Path = LOCALE_DIR) -> Path:
    return base / language / "LC_MESSAGES" / "django.po"


def placeholders(text: str) -> list[str]:
    """The placeholders of ``text``, sorted (their order may change in a translation)."""
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def update(language: str) -> tuple[int, int, int]:
    """Merge the extracted strings into ``language``'s catalog and compile it. Returns the
    number of (kept, added, dropped) entries."""
    import polib

    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    old = polib.pofile(str(path)) if path.exists() else polib.POFile()
    existing = {(entry.msgctxt, entry.msgid): entry for entry in old if not entry.obsolete}
    catalog = polib.POFile(wrapwidth=100)
    catalog.metadata = {
        "Project-Id-Version": "11Tutors",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": PLURAL_FORMS.get(language, DEFAULT_PLURAL_FORMS),
    }
    kept = added = 0
    extracted = extract().messages
    for message in sorted(extracted, key=lambda m: (m.context or "", m.msgid)):
        previous = existing.get((message.context, message.msgid))
        entry = polib.POEntry(
            msgid=message.msgid,
            msgctxt=message.context,
            # Files only, not lines (as makemessages --add-location=file): moving code around
            # does not rewrite the catalogs.
            occurrences=[(path, "") for path in sorted({where.rsplit(":", 1)[0] for where in extracted[message]})],
        )
        if placeholders(message.msgid) or (message.plural and placeholders(message.plural)):
            entry.flags.append("python-brace-format" if "{" in message.msgid else "python-format")
        if message.plural:
            entry.msgid_plural = message.plural
            nplurals = int(re.search(r"nplurals=(\d+)", catalog.metadata["Plural-Forms"]).group(1))
            forms = previous.msgstr_plural if previous is not None and previous.msgid_plural else {}
            entry.msgstr_plural = {index: forms.get(index, "") for index in range(nplurals)}
        elif previous is not None:
            entry.msgstr = previous.msgstr
        if previous is not None:
            kept += 1
            if "fuzzy" in previous.flags:
                entry.flags.append("fuzzy")
        else:
            added += 1
        catalog.append(entry)
    catalog.save(str(path))
    catalog.save_as_mofile(str(path.with_suffix(".mo")))
    return kept, added, len(existing) - kept


def compile_vendor() -> list[Path]:
    """Compile the hand-written catalogs of ``locale_vendor/``."""
    import polib

    compiled = []
    for path in sorted(VENDOR_LOCALE_DIR.glob("*/LC_MESSAGES/django.po")):
        polib.pofile(str(path)).save_as_mofile(str(path.with_suffix(".mo")))
        compiled.append(path)
    return compiled
