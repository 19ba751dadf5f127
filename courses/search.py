"""Discovery: ranked, typo-tolerant course search, search-box suggestions and lesson search.

**PostgreSQL** (production). A course matches ``?search=`` when one of these holds:

1. *exact*: its full-text vector (title A, description B, tutor and category names C; GIN index,
   migration 0002) matches the words (``websearch_to_tsquery``, English stemming: quoted
   phrases, ``OR``, ``-word``);
2. *prefix*: every word is the beginning of a word of its texts (``'pyt':* & …``), or the title
   contains the text as typed;
3. *fuzzy*: the text is similar to whole words of its title or of its tutor and category
   names: pg_trgm's ``strict_word_similarity(text, title) >= WORD_SIMILARITY`` (0.4: "pyton" ~
   "Python" is 0.44, "machne lerning" ~ "Machine Learning" 0.52, "calclus" ~ "Calculus" 0.55;
   "guitr" ~ "Guido" 0.33 and unrelated titles stay below). The strict variant compares whole
   words: the plain ``word_similarity`` finds "Guido" for "guitr" (0.5, a shared "gui"). The
   threshold is ``pg_trgm.strict_word_similarity_threshold``, set on every new connection (see
   ``connection_ready``), so the ``%>>`` operator uses the GIN ``gin_trgm_ops`` indexes
   (migration 0006).

Results are ordered by ``relevance`` = the best tier above (3 exact, 2 prefix, 1 fuzzy) + half
the full-text rank (``ts_rank``, normalised below 1: a title match weighs more than a
description match) + 0.4 x the trigram similarity of the title (+ 0.2 x that of the names in
the fuzzy tier):
exact before prefix before fuzzy, title before description within a tier.

**SQLite** (the embedded default) has neither full-text search nor pg_trgm. The fallback:

1. *exact*: every word appears as a whole word (case-insensitive) in the title, description or
   names;
2. *prefix*: every word appears in them as a substring (so also as a prefix);
3. *fuzzy*: every word is close to a word of the title, or of the names: ``strict_word_similarity`` is
   a Python function registered on each SQLite connection (the mean over the words of the
   query of the best ``difflib`` ratio against the words of the text, memoised per word pair),
   at least ``FUZZY_RATIO`` (0.8; "pyton"/"python" 0.91, "lerning"/"learning" 0.93).

``relevance`` = the tier + 0.5 when the title holds every word + 0.4 x the title's similarity.
There is no stemming ("engines" does not find "engine"), and the fuzzy tier costs a Python call
per published course: fine for a development catalog, which is what SQLite serves.

Both: at most ``MAX_WORDS`` words of at most ``MAX_TEXT`` characters are looked at. Headlines
(``headline`` of a course or lesson result) are HTML-escaped text of the description around the
first match, with ``<mark>``…``</mark>`` around the matched words (``ts_headline`` on
PostgreSQL, a window around the first matched word on SQLite).
"""

from __future__ import annotations

import html
import re
from difflib import SequenceMatcher
from functools import lru_cache, reduce
from operator import and_, or_

from django.contrib.postgres.lookups import TrigramStrictWordSimilar
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramStrictWordSimilarity,
)
from django.db import connection
from django.db.models import Case, Exists, F, FloatField, Lookup, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Concat

from courses.models import Category, Course, Lesson
from users.models import User

WORD_SIMILARITY = 0.4  # PostgreSQL: pg_trgm strict word similarity of the fuzzy tier
FUZZY_RATIO = 0.8  # SQLite: difflib ratio of the fuzzy tier
MAX_WORDS = 10
MAX_TEXT = 200
SUGGESTIONS = 10
# ts_headline's markers: control characters no text of ours contains, replaced by <mark> tags
# once the rest is escaped.
START, STOP = "\x02", "\x03"
HEADLINE_OPTIONS = {"max_words": 35, "min_words": 15, "max_fragments": 2, "fragment_delimiter": " … "}
# Lessons' weighted vector; migration 0006 indexes this very expression (GIN).
LESSON_VECTOR = SearchVector("title", weight="A", config="english") + SearchVector(
    "description", weight="B", config="english"
)
_WORD = re.compile(r"\w+")


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def clean(text: str | None) -> str:
    return (text or "").strip()[:MAX_TEXT]


_OPERATORS = re.compile(r'"|(?:^|\s)-\w|\bor\b', re.IGNORECASE)


def with_operators(text: str) -> bool:
    """Quoted phrases, ``-word`` or ``OR`` (websearch syntax): the user asks for exact words, so
    neither the prefix nor the fuzzy tier applies (PostgreSQL)."""
    return bool(_OPERATORS.search(text))


def words_of(text: str) -> list[str]:
    """The words of a query (letters and digits), lower-cased: at most ``MAX_WORDS``."""
    return _WORD.findall(text.lower())[:MAX_WORDS]


# --- Connections ---------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def sqlite_word_similarity(query: str | None, text: str | None) -> float:
    """SQLite's stand-in for pg_trgm's ``strict_word_similarity(query, text)``: the mean over the query's
    words of the best ``difflib`` ratio against the text's words (0 when either has none)."""
    if not query or not text:
        return 0.0
    wanted = words_of(query)
    present = set(_WORD.findall(text.lower())[:100])
    if not wanted or not present:
        return 0.0
    return sum(max(_ratio(word, other) for other in present) for word in wanted) / len(wanted)


def connection_ready(sender, connection, **kwargs) -> None:
    """``connection_created``: PostgreSQL gets the fuzzy tier's threshold for pg_trgm's ``%>>``
    operator (a session setting: one statement per new connection, not per request); SQLite gets
    its ``strict_word_similarity`` function. Run on the raw connection: no query is logged for it."""
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            cursor.execute(f"SET pg_trgm.strict_word_similarity_threshold = {WORD_SIMILARITY}")
    elif connection.vendor == "sqlite":
        connection.connection.create_function("strict_word_similarity", 2, sqlite_word_similarity, deterministic=True)


# --- Pieces of queries -------------------------------------------------------------------------


def _queries(words: list[str], text: str) -> tuple[SearchQuery, SearchQuery | None]:
    """The exact (websearch) query and the prefix query (None without words, or with operators)."""
    exact = SearchQuery(text, search_type="websearch", config="english")
    if not words or with_operators(text):
        return exact, None
    return exact, SearchQuery(" & ".join(f"'{word}':*" for word in words), search_type="raw", config="english")


def _fuzzy(queryset: QuerySet, text: str, fields: dict[str, object]) -> tuple[QuerySet, Q]:
    """``queryset`` (with aliases on SQLite) and a Q true when ``text`` is close to one of the
    ``fields`` (name → field name or expression). PostgreSQL: the ``%>>`` operator on plain
    fields (trigram indexes), the similarity function on expressions."""
    conditions = []
    for name, field in fields.items():
        if on_postgres() and isinstance(field, str):
            conditions.append(Q(TrigramStrictWordSimilar(F(field), Value(text))))
            continue
        alias = f"_fuzzy_{name}"
        queryset = queryset.alias(**{alias: TrigramStrictWordSimilarity(text, field)})
        conditions.append(Q(**{f"{alias}__gte": WORD_SIMILARITY if on_postgres() else FUZZY_RATIO}))
    return queryset, reduce(or_, conditions)


class _ILike(Lookup):
    """``field ILIKE pattern``: PostgreSQL's trigram indexes serve it (Django's ``icontains``
    compares ``UPPER(field)``, which they do not)."""

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def _contains(field: str, text: str) -> Q:
    """``field`` contains ``text``, case-insensitively (PostgreSQL: an indexable ILIKE)."""
    if not on_postgres():
        return Q(**{f"{field}__icontains": text})
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Q(_ILike(F(field), Value(f"%{escaped}%")))


def _every_word(words: list[str], fields: tuple[str, ...], lookup: str = "icontains") -> Q:
    """Every word in one of ``fields`` (an always-true Q without words)."""
    per_word = [reduce(or_, (Q(**{f"{field}__{lookup}": word}) for field in fields)) for word in words]
    return reduce(and_, per_word, Q())


def _whole(word: str) -> str:
    return rf"\b{re.escape(word)}\b"


COURSE_TEXTS = ("title", "description", "search_extra")


# --- Courses ---------------------------------------------------------------------------------------


def course_search_filter(queryset: QuerySet[Course], text: str | None) -> QuerySet[Course]:
    """Courses matching ``text`` in one of the three tiers (module docstring), unordered."""
    text = clean(text)
    if not text:
        return queryset
    words = words_of(text)
    queryset, fuzzy = _fuzzy(queryset, text, {"title": "title", "names": "search_extra"})
    if on_postgres():
        exact, prefix = _queries(words, text)
        if with_operators(text):
            return queryset.filter(Q(search_vector=exact) | _contains("title", text))
        match = Q(search_vector=exact) | _contains("title", text) | fuzzy
        if prefix is not None:
            match |= Q(search_vector=prefix)
        return queryset.filter(match)
    # Substrings as typed (whitespace-separated), as the search always did; fuzzy on the words.
    typed = text.split()[:MAX_WORDS]
    return queryset.filter(_every_word(typed, COURSE_TEXTS) | fuzzy)


def course_search(queryset: QuerySet[Course], text: str | None) -> QuerySet[Course]:
    """``course_search_filter`` with ``relevance`` (best first) and the ``search_headline``."""
    text = clean(text)
    if not text:
        return queryset
    words = words_of(text)
    queryset = course_search_filter(queryset, text)
    title_similarity = TrigramStrictWordSimilarity(text, "title")
    if on_postgres():
        exact, prefix = _queries(words, text)
        either = exact | prefix if prefix is not None else exact
        near = _contains("title", text) | Q(search_vector=prefix) if prefix is not None else _contains("title", text)
        tier = Case(When(search_vector=exact, then=3.0), When(near, then=2.0), default=1.0, output_field=FloatField())
        # Names count in the fuzzy tier only: elsewhere the full-text weights rank them (C).
        names = Case(
            When(Q(search_vector=exact) | near, then=0.0),
            default=Value(0.2) * TrigramStrictWordSimilarity(text, "search_extra"),
            output_field=FloatField(),
        )
        relevance = (
            tier
            + Value(0.5) * SearchRank(F("search_vector"), either, normalization=Value(32))
            + Value(0.4) * title_similarity
            + names
        )
        headline = SearchHeadline(
            "description", either, config="english", start_sel=START, stop_sel=STOP, **HEADLINE_OPTIONS
        )
        return queryset.annotate(relevance=relevance, search_headline=headline).order_by("-relevance", "-created_at")
    typed = text.split()[:MAX_WORDS]
    whole = reduce(
        and_,
        (reduce(or_, (Q(**{f"{f}__iregex": _whole(word)}) for f in COURSE_TEXTS)) for word in words),
        Q(),
    )
    every = _every_word(typed, COURSE_TEXTS)
    tiers = [When(whole & every, then=3.0)] if words else []
    tier = Case(*tiers, When(every, then=2.0), default=1.0, output_field=FloatField())
    in_title = Case(When(_every_word(typed, ("title",)), then=0.5), default=0.0, output_field=FloatField())
    relevance = tier + in_title + Value(0.4) * title_similarity
    return queryset.annotate(relevance=relevance).order_by("-relevance", "-created_at")


# --- Headlines ------------------------------------------------------------------------------------


def marked(headline: str) -> str:
    """A headline with the markers: escaped, the markers turned into ``<mark>`` tags."""
    return html.escape(headline).replace(START, "<mark>").replace(STOP, "</mark>")


def python_headline(text: str, query: str, *, around: int = 100) -> str | None:
    """SQLite: about ``2 x around`` characters of ``text`` around the first word of ``query``
    found in it (the beginning when none is), escaped, the query's words marked."""
    if not text:
        return None
    words = sorted({word for word in query.lower().split() if word}, key=len, reverse=True)[:MAX_WORDS]
    lowered = text.lower()
    hits = [lowered.find(word) for word in words if word in lowered]
    first = min(hits) if hits else 0
    start = max(0, first - around)
    end = min(len(text), first + around)
    if start:
        start = text.rfind(" ", 0, start) + 1
    if end < len(text):
        end = text.find(" ", end) if text.find(" ", end) != -1 else len(text)
    snippet = html.escape(text[start:end])
    if words:
        pattern = re.compile("|".join(re.escape(html.escape(word)) for word in words), re.IGNORECASE)
        snippet = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", snippet)
    return ("… " if start else "") + snippet + (" …" if end < len(text) else "")


def headline_of(obj, query: str | None) -> str | None:
    """The headline of a search result: ``ts_headline``'s (PostgreSQL) or one built here."""
    annotated = getattr(obj, "search_headline", None)
    if annotated:
        return marked(annotated)
    if not query:
        return None
    return python_headline(obj.description, query) or python_headline(obj.title, query)


# --- Suggestions ------------------------------------------------------------------------------------


def _named(queryset: QuerySet, text: str, field, *, prefixes: tuple[str, ...]) -> QuerySet:
    """Rows whose ``prefixes`` fields start with ``text`` (score 3), have a word starting with it
    (2), or whose ``field`` is close to it (the similarity, below 1)."""
    queryset, fuzzy = _fuzzy(queryset, text, {"label": field})
    starts = reduce(or_, (Q(**{f"{p}__istartswith": text}) for p in prefixes))
    word_starts = reduce(or_, (Q(**{f"{p}__icontains": f" {text}"}) for p in prefixes))
    score = Case(
        When(starts, then=3.0),
        When(word_starts, then=2.0),
        default=TrigramStrictWordSimilarity(text, field),
        output_field=FloatField(),
    )
    return queryset.filter(starts | word_starts | fuzzy).annotate(score=score)


def suggestions(text: str | None) -> list[dict]:
    """Up to ``SUGGESTIONS`` ``{type, label, slug}`` for a search box: published courses, the
    categories that have one (labelled in the active language; matched on their default-language
    name), and the tutors who teach one (``slug``: the tutor's id). Prefix matches first, then
    words starting with the text, then fuzzy ones. Three queries."""
    text = clean(text)[:100]
    if not words_of(text):
        return []
    published = Course.objects.filter(is_published=True)
    courses = _named(published, text, "title", prefixes=("title",)).order_by("-score", "title")
    categories = _named(
        Category.objects.filter(Exists(published.filter(category=OuterRef("pk")))),
        text,
        "name",
        prefixes=("name",),
    ).order_by("-score", "name")
    teaches = Course.tutors.through.objects.filter(user_id=OuterRef("pk"), course__is_published=True)
    tutors = _named(
        User.objects.filter(Exists(teaches)),
        text,
        Concat("first_name", Value(" "), "last_name"),
        prefixes=("first_name", "last_name"),
    ).order_by("-score", "first_name", "last_name")
    found = [
        *({"type": "course", "label": t, "slug": s, "score": n, "rank": 0} for t, s, n in
          courses.values_list("title", "slug", "score")[:SUGGESTIONS]),
        *({"type": "category", "label": Category(name=t, translations=tr).localized("name"), "slug": s, "score": n,
           "rank": 1} for t, tr, s, n in categories.values_list("name", "translations", "slug", "score")[:SUGGESTIONS]),
        *({"type": "tutor", "label": f"{f} {la}".strip(), "slug": str(pk), "score": n, "rank": 2} for pk, f, la, n in
          tutors.values_list("pk", "first_name", "last_name", "score")[:SUGGESTIONS]),
    ]  # fmt: skip
    found.sort(key=lambda item: (-item["score"], item["rank"], item["label"].lower()))
    return [{"type": item["type"], "label": item["label"], "slug": item["slug"]} for item in found[:SUGGESTIONS]]


# --- Lessons ----------------------------------------------------------------------------------------


def lesson_search(text: str | None) -> QuerySet[Lesson]:
    """Lessons of published courses whose title or description match ``text`` (exact or prefix
    words on PostgreSQL, ranked title over description; every word as a substring on SQLite,
    title matches first), with their part's course. Drafts' lessons never appear."""
    text = clean(text)
    lessons = (
        Lesson.objects.filter(part__course__is_published=True)
        .select_related("part__course")
        .only(
            "id", "slug", "title", "description", "is_free_preview", "order",
            "part__id", "part__order", "part__course__id", "part__course__slug", "part__course__title",
        )
    )  # fmt: skip
    if not text:
        return lessons.none()
    words = words_of(text)
    if on_postgres():
        exact, prefix = _queries(words, text)
        either = exact | prefix if prefix is not None else exact
        headline = SearchHeadline(
            "description", either, config="english", start_sel=START, stop_sel=STOP, **HEADLINE_OPTIONS
        )
        return (
            lessons.annotate(search_vector=LESSON_VECTOR)
            .filter(search_vector=either)
            .annotate(
                relevance=SearchRank(F("search_vector"), either, normalization=Value(32)),
                search_headline=headline,
            )
            .order_by("-relevance", "part__course__title", "part__order", "order", "id")
        )
    typed = text.split()[:MAX_WORDS]
    in_title = Case(When(_every_word(typed, ("title",)), then=1.0), default=0.0, output_field=FloatField())
    return (
        lessons.filter(_every_word(typed, ("title", "description")))
        .annotate(relevance=in_title)
        .order_by("-relevance", "part__course__title", "part__order", "order", "id")
    )
