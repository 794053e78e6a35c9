"""Indexing and searching: the one interface the apps use.

    services.schedule("case", case.pk)            # after a save: indexed by the task queue
    hits = services.search(query, within={"case": cases_visible_to(user)})

`search` answers only among the ids the caller may see: `within` maps each kind to a queryset of
the objects the person may see, and the database intersects it with the matches (nothing outside it
is read, ranked or counted). Each hit has the kind, the object's id, a score, and the title and a
snippet of the original text with the matched words in <mark>, HTML-escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from . import analyzer, registry
from .backends import backend
from .models import SearchDocument

MAX_TOKENS = 20_000  # of a document's body; both databases index the same
MAX_TEXT = 100_000  # characters of the original text kept for snippets
CANDIDATES = 200  # matches the database ranks before the common ranking here
MAX_LIMIT = 100
SNIPPET_BEFORE, SNIPPET_AFTER = 10, 24  # words around the first match
SNIPPET_SCAN = 5_000  # words read looking for a match


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    score: float
    language: str
    title: SafeString
    snippet: SafeString


# --- indexing -----------------------------------------------------------------------------------


def index(kind: str, object_id: int) -> str:
    """(Re)write one object's document from what its kind reads now; "removed" when it is gone."""
    source = registry.reader(kind)(object_id)
    if source is None:
        SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()
        return "removed"
    fields = {
        "language": source.language or "",
        "title": (source.title or "")[:300],
        "text": (source.text or "")[:MAX_TEXT],
        "title_tokens": " ".join(analyzer.analyze(source.title, source.language)),
        "body_tokens": " ".join(analyzer.analyze((source.text or "")[:MAX_TEXT], source.language)[:MAX_TOKENS]),
    }
    try:
        with transaction.atomic():
            SearchDocument.objects.update_or_create(kind=kind, object_id=object_id, defaults=fields)
    except IntegrityError:  # another worker wrote it first: write ours over it
        SearchDocument.objects.filter(kind=kind, object_id=object_id).update(**fields)
    return "indexed"


# Called with (kind, object_id) after the commit beside the indexing, for what else follows an
# object's text: similar cases' vectors (halqa.similar.apps) register here.
ALSO_AFTER_COMMIT: list = []


def schedule(kind: str, object_id: int) -> None:
    """Index the object in the task queue once the current transaction commits."""
    from .tasks import index_document

    registry.reader(kind)  # an unknown kind fails here, in the caller, not in the worker

    def enqueue() -> None:
        index_document.enqueue(kind, object_id)
        for follow in ALSO_AFTER_COMMIT:
            follow(kind, object_id)

    transaction.on_commit(enqueue)


def reindex(kinds: Iterable[str] | None = None) -> int:
    """Index every object of the kinds (all by default) now, and drop documents of vanished ones."""
    count = 0
    for kind in kinds or sorted(registry.KINDS):
        ids = set(registry.ALL_IDS[kind]())
        for object_id in sorted(ids):
            index(kind, object_id)
            count += 1
        stale = SearchDocument.objects.filter(kind=kind).exclude(object_id__in=ids)
        stale.delete()
    return count


# --- searching ----------------------------------------------------------------------------------


def _documents(within: Mapping[str, QuerySet]) -> QuerySet[SearchDocument]:
    condition = Q()
    for kind, visible in within.items():
        registry.reader(kind)
        # correlated (the object looked up by id), so a match costs the same however many are visible
        condition |= Q(kind=kind) & Exists(visible.order_by().filter(pk=OuterRef("object_id")))
    return SearchDocument.objects.filter(condition)


def search(
    query: str, *, within: Mapping[str, QuerySet] | QuerySet, kinds: Iterable[str] | None = None, limit: int = 20
) -> list[Hit]:
    """The documents matching every word of the query (in any of its forms), best first.

    `within` is {kind: queryset of the objects the person may see}; a single queryset is allowed
    with one kind in `kinds`. A query without a word to look for (empty, only stop words, only
    punctuation or NUL) finds nothing; a long one is cut to its first words.
    """
    if isinstance(within, QuerySet):
        kinds = list(kinds or [])
        if len(kinds) != 1:
            raise TypeError("a single `within` queryset needs exactly one kind")
        within = {kinds[0]: within}
    elif kinds is not None:
        within = {kind: visible for kind, visible in within.items() if kind in set(kinds)}
    groups = analyzer.query_terms(query or "")
    if not groups or not within:
        return []
    ranked = _ranked(groups, within)[: max(1, min(limit, MAX_LIMIT))]
    return _hits(ranked, groups)


def search_ids(query: str, *, kind: str, within: QuerySet, limit: int = CANDIDATES) -> list[int]:
    """Only the ranked object ids (a list page filters and orders its own queryset by them, and asks
    `hits` for the snippets of the page it shows)."""
    groups = analyzer.query_terms(query or "")
    if not groups:
        return []
    return [document.object_id for _points, document in _ranked(groups, {kind: within})[:limit]]


def hits(query: str, *, kind: str, object_ids: Iterable[int]) -> dict[int, Hit]:
    """The titles and snippets of these objects for this query (the page shown, after `search_ids`):
    only their documents' text is read."""
    groups = analyzer.query_terms(query or "")
    ids = list(object_ids)[:MAX_LIMIT]
    if not groups or not ids:
        return {}
    documents = SearchDocument.objects.filter(kind=kind, object_id__in=ids).only(*RANKING_FIELDS)
    ranked = [(score(document, groups), document) for document in documents]
    return {hit.object_id: hit for hit in _hits(ranked, groups)}


RANKING_FIELDS = ("id", "kind", "object_id", "title_tokens", "body_tokens")


def _ranked(groups: list[frozenset[str]], within: Mapping[str, QuerySet]) -> list[tuple[float, SearchDocument]]:
    """The database's candidates ranked by `score`, reading their tokens only (never their text)."""
    try:
        ids = backend().candidates(groups, _documents(within), CANDIDATES)
    except EmptyResultSet:
        return []
    documents = SearchDocument.objects.filter(id__in=ids).only(*RANKING_FIELDS)
    return sorted(((score(document, groups), document) for document in documents), key=_order)


def _hits(ranked: list[tuple[float, SearchDocument]], groups: list[frozenset[str]]) -> list[Hit]:
    """Hits in this order, each with its title and snippet: the text of these documents only."""
    texts = {
        row["id"]: row
        for row in SearchDocument.objects.filter(id__in=[document.id for _points, document in ranked]).values(
            "id", "language", "title", "text"
        )
    }
    matched = frozenset().union(*groups)
    found = []
    for points, document in ranked:
        row = texts.get(document.id)
        if row is None:  # removed in between
            continue
        found.append(
            Hit(
                kind=document.kind,
                object_id=document.object_id,
                score=points,
                language=row["language"],
                title=highlight(row["title"], row["language"], matched, whole=True),
                snippet=highlight(row["text"], row["language"], matched),
            )
        )
    return found


def _order(pair):
    points, document = pair
    return (-points, document.kind, document.object_id)


def score(document: SearchDocument, groups: list[frozenset[str]]) -> float:
    """One ranking for both databases: BM25-like saturation of each word's count in the body, and
    its count in the title weighing more (a title says what the whole is about). Tokens are counted
    in the space-separated token strings by a regular expression (no list of 20,000 tokens made)."""
    title, body = document.title_tokens, document.body_tokens
    length = max(body.count(" ") + 1 if body else 0, 1) / 200
    points = 0.0
    for group in groups:
        pattern = _counter(group)
        in_title = len(pattern.findall(title))
        in_body = len(pattern.findall(body))
        points += 3.0 * in_title / (in_title + 0.5)
        points += in_body * 2.2 / (in_body + 1.2 * (0.25 + 0.75 * length))
    return round(points, 6) if math.isfinite(points) else 0.0


@lru_cache(maxsize=256)
def _counter(group: frozenset[str]) -> re.Pattern:
    """Whole tokens of the group in a space-separated token string."""
    return re.compile(r"(?<!\S)(?:" + "|".join(re.escape(token) for token in sorted(group)) + r")(?!\S)")


SPACES = re.compile(r"\s+")


def highlight(text: str, language: str, matched: frozenset[str], *, whole: bool = False) -> SafeString:
    """The text (or, unless `whole`, a window around its first match) HTML-escaped, with each word
    whose analysed form was searched for in <mark>."""
    text = text or ""
    spans: list[tuple[int, int, bool]] = []
    first = None
    for number, match in enumerate(analyzer.words(text)):
        hit = any(token in matched for token in analyzer.word_tokens(match.group(), language))
        spans.append((match.start(), match.end(), hit))
        if hit and first is None:
            first = number
        if not whole and (
            (first is not None and number >= first + SNIPPET_AFTER) or (first is None and number >= SNIPPET_SCAN)
        ):
            break
    if not spans:
        return escape(SPACES.sub(" ", text[:200]).strip())
    if whole:
        start, end = 0, len(spans) - 1
    else:
        start = max(0, (first or 0) - SNIPPET_BEFORE)
        end = min(len(spans) - 1, start + SNIPPET_BEFORE + SNIPPET_AFTER)
    parts = ["… "] if spans[start][0] > 0 and not whole else []
    position = spans[start][0] if not whole else 0
    for begin, finish, hit in spans[start : end + 1]:  # the words between marks are escaped as one run
        if hit:
            parts.append(escape(SPACES.sub(" ", text[position:begin])))
            parts.append(format_html("<mark>{}</mark>", text[begin:finish]))
            position = finish
    if position < spans[end][1]:
        parts.append(escape(SPACES.sub(" ", text[position : spans[end][1]])))
        position = spans[end][1]
    tail = text[position:] if whole else ""
    if tail:
        parts.append(escape(SPACES.sub(" ", tail)))
    elif not whole and text[position:].strip():
        parts.append(" …")
    return format_html_join("", "{}", ((part,) for part in parts))
