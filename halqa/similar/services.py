"""Similar cases and related products: one service for the API, the intake form and the pages.

    found = services.find(user, story, exclude_case=case.pk, kinds=("case", "product"), limit=8)
    found.matches     # best first: kind, object_id, title, language, score, band, reasons, obj
    found.semantic    # False without the embedding model: full-text only, same language only

Two rankings fused by their ranks (reciprocal rank fusion, `fuse`):
* the vector matcher (halqa.similar.matcher): the story's E5 vector, centred by its language,
  against every stored vector, which finds the same difficulty told in another language;
* full-text search (halqa.search) with the story's words, any of them, ranked by the search's own
  formula, which finds same-language paraphrases that centring weakens.

Only what the caller may see is ever returned: the best vector candidates are intersected in SQL
with the caller's visible cases (`CaseAccess`) and published products (`ProductAccess`), widening
the candidates when too few survive; full-text search is restricted to them in the database. A case
is described by its title, language and stage, never by who asked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db.models import QuerySet
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from halqa.cases.access import case_access
from halqa.cases.models import Case, Stage
from halqa.library.access import product_access
from halqa.library.models import Product, Status
from halqa.search import analyzer
from halqa.search import services as search
from halqa.search.backends import backend
from halqa.search.models import SearchDocument

from . import embedding, matcher
from .models import Vector

KINDS = ("case", "product")
MAX_CHARS = 20_000  # a case's story is at most 16,000 characters; more is not a story
MIN_LETTERS = 3
MAX_LIMIT = 50
CANDIDATES = 200  # vector candidates intersected with what the caller may see; widened ×8 if too few
TEXT_CANDIDATES = 200
TEXT_TERMS = 24  # the story's words asked of full-text search (the longest, which say the most)
# Reciprocal rank fusion: 1 / (RRF_K + rank) from each ranking, full text weighing TEXT_WEIGHT. Chosen
# on the evaluation set (bench/README.md): full text finds only the story's own language, so with
# equal weights it pushes every other language out of the top ten; at a quarter it lifts the
# same-language recall@10 from 0.19 to 0.23 for 0.02 less across languages.
RRF_K = 10
TEXT_WEIGHT = 0.25
HIDDEN_STAGES = (Stage.DECLINED, Stage.WITHDRAWN)

# Score bands of the centred cosine, from the evaluation set (bench/README.md): pairs of the same
# difficulty mostly score above 0.45, different difficulties mostly below 0.25.
BANDS = ((0.55, "very_close"), (0.4, "close"), (-2.0, "related"))
BAND_LABELS = {
    "very_close": gettext_lazy("very close"),
    "close": gettext_lazy("close"),
    "related": gettext_lazy("related"),
}

ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")
PERSIAN_MARK = re.compile("[پچژگکی]")
ARABIC_MARK = re.compile("[ةيكىأإؤئ]")
CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


@dataclass
class Match:
    kind: str
    object_id: int
    title: str
    language: str
    score: float
    band: str
    reasons: list[str]
    obj: object = None
    extra: dict = field(default_factory=dict)

    @property
    def band_label(self) -> str:
        return str(BAND_LABELS[self.band])

    @property
    def url(self) -> str:
        return self.obj.get_absolute_url()


@dataclass
class Found:
    matches: list[Match]
    semantic: bool
    language: str


# --- the text ------------------------------------------------------------------------------------


def clean(text) -> tuple[str, str]:
    """The story as it will be compared, and its language by its script; a ValidationError with a
    translated reason for an empty, too long, unreadable or unsupported text."""
    if not isinstance(text, str):
        raise ValidationError({"text": _("Write the story as text.")})
    if "\x00" in text or any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise ValidationError({"text": _("The story holds characters that cannot be read (NUL or broken Unicode).")})
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise ValidationError({"text": _("Write a few words of the story to look for similar cases.")})
    if len(text) > MAX_CHARS:
        raise ValidationError(
            {"text": _("The story is too long to compare: at most %(count)s characters.") % {"count": MAX_CHARS}}
        )
    language = detect(text)
    if not language:
        raise ValidationError(
            {"text": _("Similar cases are found for stories in Arabic, Persian, Russian or English.")}
        )
    return text, language


def detect(text: str) -> str:
    """ "ar", "fa", "ru", "en" by the script most of the letters are in; "" when too few letters."""
    counts = {
        "arabic": len(ARABIC_LETTER.findall(text)),
        "ru": len(CYRILLIC_LETTER.findall(text)),
        "en": len(LATIN_LETTER.findall(text)),
    }
    script, count = max(counts.items(), key=lambda item: item[1])
    if count < MIN_LETTERS:
        return ""
    if script != "arabic":
        return script
    persian, arabic = len(PERSIAN_MARK.findall(text)), len(ARABIC_MARK.findall(text))
    return "fa" if persian > arabic else "ar"


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


# --- who may see what ------------------------------------------------------------------------------


def visible(user, kinds: Iterable[str], exclude_case: int | None = None) -> dict[str, QuerySet]:
    within: dict[str, QuerySet] = {}
    if "case" in kinds:
        cases = case_access.visible(user).exclude(stage__in=HIDDEN_STAGES)
        within["case"] = cases.exclude(pk=exclude_case) if exclude_case else cases
    if "product" in kinds:
        within["product"] = product_access.visible(user).filter(status=Status.PUBLISHED)
    return within


# --- the two rankings -------------------------------------------------------------------------------


def vector_ranking(
    vector: np.ndarray, language: str, within: Mapping[str, QuerySet], *, limit: int, exclude=()
) -> list[matcher.Scored]:
    """The vector matcher's best among what the caller may see: the top candidates by score,
    intersected with the visible querysets in SQL, widened while too few survive."""
    index = matcher.matrix()
    wanted = CANDIDATES
    while True:
        top = index.top(vector, language, kinds=tuple(within), limit=wanted, exclude=exclude)
        seen: set[tuple[str, int]] = set()
        for kind, queryset in within.items():
            ids = [item.object_id for item in top if item.kind == kind]
            if ids:
                seen |= {(kind, pk) for pk in queryset.filter(pk__in=ids).values_list("pk", flat=True)}
        ranked = [item for item in top if (item.kind, item.object_id) in seen]
        if len(ranked) >= limit or len(top) < wanted or wanted >= index.n:
            return ranked
        wanted *= 8


def query_groups(text: str, language: str) -> list[frozenset[str]]:
    """The story's words for full-text search: each word's tokens (as the search analyses a query),
    without repeats, the longest TEXT_TERMS of them (a long word says more than a short one)."""
    groups: dict[frozenset[str], int] = {}
    for match in analyzer.words(text[: analyzer.MAX_QUERY_CHARS * 4]):
        tokens = analyzer.word_tokens(match.group(), language)
        if tokens:
            group = frozenset(tokens)
            groups.setdefault(group, len(groups))
    chosen = sorted(groups, key=lambda group: (-max(len(token) for token in group), groups[group]))[:TEXT_TERMS]
    return sorted(chosen, key=groups.get)


def text_ranking(text: str, language: str, within: Mapping[str, QuerySet]) -> list[tuple[str, int, float]]:
    """Full-text search with any of the story's words, ranked by the search's formula."""
    groups = query_groups(text, language)
    if not groups or not within:
        return []
    try:
        ids = backend().candidates(groups, search._documents(within), TEXT_CANDIDATES, any_group=True)
    except EmptyResultSet:
        return []
    documents = SearchDocument.objects.filter(id__in=ids).only("kind", "object_id", "title_tokens", "body_tokens")
    ranked = sorted(((search.score(document, groups), document) for document in documents), key=search._order)
    return [(document.kind, document.object_id, points) for points, document in ranked if points > 0]


def fuse(*rankings: list[tuple[str, int]], weights=None, k: int = RRF_K) -> list[tuple[str, int]]:
    """Reciprocal rank fusion: each ranking gives weight / (k + rank) to what it ranks; ties by key."""
    points: dict[tuple[str, int], float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, key in enumerate(ranking):
            points[key] = points.get(key, 0.0) + weight / (k + rank + 1)
    return sorted(points, key=lambda key: (-points[key], key))


def band(score: float) -> str:
    return next(name for bound, name in BANDS if score >= bound)


# --- the service ----------------------------------------------------------------------------------


@dataclass
class Ranked:
    keys: list[tuple[str, int]]  # best first
    scores: dict  # (kind, id) → centred cosine, for what the vectors ranked
    text_scores: dict  # (kind, id) → full-text score relative to the best
    text: str
    language: str
    semantic: bool


def rank(
    user,
    text,
    *,
    exclude_case: int | None = None,
    kinds: Iterable[str] = KINDS,
    limit: int = 8,
    vector: np.ndarray | None = None,
) -> Ranked:
    """The ranking alone, without reading the objects (`find` describes them; the people matcher
    needs only the case ids)."""
    text, language = clean(text)
    kinds = tuple(kind for kind in KINDS if kind in set(kinds))
    limit = max(1, min(int(limit), MAX_LIMIT))
    within = visible(user, kinds, exclude_case)
    semantic = embedding.available()
    exclude = [("case", exclude_case)] if exclude_case else []
    by_vector: list[matcher.Scored] = []
    if semantic and within:
        if vector is None:
            vector = embedding.embed_one(text)
        by_vector = vector_ranking(vector, language, within, limit=limit * 2, exclude=exclude)
    by_text = text_ranking(text, language, within)
    keys = fuse(
        [(s.kind, s.object_id) for s in by_vector],
        [(kind, pk) for kind, pk, _points in by_text],
        weights=(1.0, TEXT_WEIGHT if semantic else 1.0),
    )
    best_text = max((points for *_key, points in by_text), default=0.0) or 1.0
    return Ranked(
        keys=keys[:limit],
        scores={(s.kind, s.object_id): s.score for s in by_vector},
        text_scores={(kind, pk): points / best_text for kind, pk, points in by_text},
        text=text,
        language=language,
        semantic=semantic,
    )


def find(
    user,
    text,
    *,
    exclude_case: int | None = None,
    kinds: Iterable[str] = KINDS,
    limit: int = 8,
    vector: np.ndarray | None = None,
) -> Found:
    """Cases and published products the person may see that look like the story, best first.

    `vector` is the story's own vector when it is already stored (a case page), else the story is
    embedded now (about 10 ms). Raises ValidationError for a text that cannot be compared."""
    ranked = rank(user, text, exclude_case=exclude_case, kinds=kinds, limit=limit, vector=vector)
    matches = _describe(
        ranked.keys, ranked.scores, ranked.text_scores, ranked.text, ranked.language, ranked.semantic, exclude_case
    )
    return Found(matches, ranked.semantic, ranked.language)


def _describe(keys, scores, text_scores, text, language, semantic, exclude_case) -> list[Match]:
    """Read the matched objects (a query per kind, their topics, their search documents) and say why."""
    case_ids = [pk for kind, pk in keys if kind == "case"]
    product_ids = [pk for kind, pk in keys if kind == "product"]
    objects = {}
    if case_ids:
        cases = (
            Case.objects.filter(pk__in=case_ids)
            .only("title", "language", "stage", "school_id", "community_id")
            .prefetch_related("topics")
        )
        objects.update({("case", case.pk): case for case in cases})
    if product_ids:
        products = Product.objects.filter(pk__in=product_ids).only("title", "language", "summary", "source_case_id")
        objects.update({("product", product.pk): product for product in products})
    own_topics = set()
    if exclude_case:
        own_topics = set(Case.topics.through.objects.filter(case_id=exclude_case).values_list("topic_id", flat=True))
    documents = {
        (document.kind, document.object_id): document
        for document in SearchDocument.objects.filter(
            kind__in=["case", "product"], object_id__in=[pk for _kind, pk in keys]
        ).only("kind", "object_id", "title_tokens", "body_tokens")
    }
    words = _query_words(text, language)
    matches = []
    for key in keys:
        obj = objects.get(key)
        if obj is None:  # deleted since it was ranked
            continue
        kind, pk = key
        if semantic and key in scores:
            score = scores[key]
            level = band(score)
        else:
            score = text_scores.get(key, 0.0) * (0.5 if semantic else 1.0)
            level = "close" if not semantic and score >= 0.8 else "related"
        reasons = [str(BAND_LABELS[level])]
        reasons.append(
            _("written in %(language)s") % {"language": language_name(obj.language)}
            if obj.language == language
            else _("written in %(language)s, found across languages") % {"language": language_name(obj.language)}
        )
        document = documents.get(key)
        if document is not None:
            tokens = set(document.title_tokens.split()) | set(document.body_tokens.split())
            shared = [word for word, word_tokens in words if word_tokens & tokens][:3]
            if shared:
                reasons.append(_("shares the words: %(words)s") % {"words": ", ".join(shared)})
        if kind == "case" and own_topics:
            topics = [str(topic) for topic in obj.topics.all() if topic.pk in own_topics][:2]
            if topics:
                reasons.append(_("shared topic: %(topics)s") % {"topics": ", ".join(topics)})
        matches.append(Match(kind, pk, obj.title, obj.language, round(float(score), 3), level, reasons, obj))
    return matches


def _query_words(text: str, language: str) -> list[tuple[str, frozenset[str]]]:
    seen, found = set(), []
    for match in analyzer.words(text[:MAX_CHARS]):
        word = match.group()
        tokens = frozenset(analyzer.word_tokens(word, language))
        if tokens and tokens not in seen and len(word) > 3:
            seen.add(tokens)
            found.append((word, tokens))
    return found


def case_story(case: Case) -> str:
    parts = (case.title, case.what_happened, case.what_tried, case.help_wanted)
    return "\n".join(part for part in parts if part)


def stored_vector(kind: str, object_id: int) -> np.ndarray | None:
    """The object's vector of the model in use, if the task queue has made it."""
    model = embedding.model_id()
    if model is None:
        return None
    blob = (
        Vector.objects.filter(kind=kind, object_id=object_id, model=model[0], version=model[1])
        .values_list("vector", flat=True)
        .first()
    )
    return None if blob is None else np.frombuffer(bytes(blob), dtype="<f2").astype(np.float32)


def similar_to_case(user, case: Case, *, kinds: Iterable[str] = ("case",), limit: int = 8) -> Found:
    """What looks like this case, the case itself left out; its stored vector when there is one."""
    vector = stored_vector("case", case.pk) if embedding.available() else None
    return find(user, case_story(case), exclude_case=case.pk, kinds=kinds, limit=limit, vector=vector)


def related_products(user, product: Product, *, limit: int = 5) -> Found:
    """Published products the person may see that look like this one (itself left out)."""
    from halqa.library.search import read_product

    source = read_product(product.pk)
    if source is None:
        return Found([], embedding.available(), product.language)
    text = "\n".join(part for part in (source.title, source.text) if part)
    vector = stored_vector("product", product.pk) if embedding.available() else None
    found = find(user, text, kinds=("product",), limit=limit + 1, vector=vector)
    found.matches = [m for m in found.matches if m.object_id != product.pk][:limit]
    return found
