"""The "similar cases" evaluation set (bench/similar_eval/stories.json) stays well-formed: enough kinds, four stories
per kind in each of Arabic, Persian, Russian and English, no duplicates, no stray control characters, and each story in
the script (and, for Arabic and Persian, the letter forms) of its language. Pure Python, no database."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent / "bench" / "similar_eval"
STORIES = HERE / "stories.json"
README = HERE / "README.md"
LANGUAGES = ("ar", "fa", "ru", "en")
MIN_KINDS = 14
MIN_PER_KIND_AND_LANGUAGE = 4

ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
PERSIAN_LETTERS = re.compile("[پچژگیک]")  # پ چ ژ گ and Persian yeh U+06CC, keheh U+06A9
ARABIC_ONLY_YEH_KAF = re.compile("[يكى]")  # Arabic yeh U+064A, kaf U+0643, alef maksura U+0649
ARABIC_YEH_KAF = re.compile("[يك]")
ZWNJ = "\u200c"


def load() -> list[dict]:
    return json.loads(STORIES.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def stories() -> list[dict]:
    return load()


def by_language(stories: list[dict], language: str) -> list[str]:
    return [story["text"] for story in stories if story["language"] == language]


def share(pattern: re.Pattern, text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(1 for ch in letters if pattern.match(ch)) / len(letters)


def test_every_story_has_exactly_kind_language_and_text(stories):
    assert isinstance(stories, list) and stories
    for story in stories:
        assert set(story) == {"kind", "language", "text"}, story
        assert re.fullmatch(r"[a-z]+(?:-[a-z]+)*", story["kind"]), story["kind"]
        assert story["language"] in LANGUAGES, story
        assert isinstance(story["text"], str) and story["text"] == story["text"].strip()


def test_enough_kinds_each_with_four_stories_in_every_language(stories):
    counts = Counter((story["kind"], story["language"]) for story in stories)
    kinds = {story["kind"] for story in stories}
    assert len(kinds) >= MIN_KINDS
    short = {
        (kind, language): counts[kind, language]
        for kind in kinds
        for language in LANGUAGES
        if counts[kind, language] < MIN_PER_KIND_AND_LANGUAGE
    }
    assert not short


def test_no_duplicate_stories(stories):
    normalized = [" ".join(story["text"].casefold().split()) for story in stories]
    duplicates = [text for text, n in Counter(normalized).items() if n > 1]
    assert not duplicates


def test_no_control_or_odd_format_characters(stories):
    for story in stories:
        odd = {
            f"U+{ord(ch):04X}"
            for ch in story["text"]
            if unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"} or (unicodedata.category(ch) == "Cf" and ch != ZWNJ)
        }
        assert not odd, (odd, story["text"][:60])
        assert unicodedata.normalize("NFC", story["text"]) == story["text"], story["text"][:60]


def test_stories_are_short_stories_not_fragments_or_essays(stories):
    for story in stories:
        sentences = [s for s in re.split(r"(?<=[.!?؟…])\s+", story["text"]) if s]
        assert 2 <= len(sentences) <= 6, story["text"][:60]
        assert 80 <= len(story["text"]) <= 900, story["text"][:60]


@pytest.mark.parametrize(
    ("language", "script"), [("ar", ARABIC_SCRIPT), ("fa", ARABIC_SCRIPT), ("ru", CYRILLIC), ("en", LATIN)]
)
def test_each_story_is_mostly_in_its_languages_script(stories, language, script):
    for text in by_language(stories, language):
        assert share(script, text) >= 0.9, text[:60]


def test_persian_uses_persian_letter_forms_and_zwnj(stories):
    persian = by_language(stories, "fa")
    for text in persian:
        assert PERSIAN_LETTERS.search(text), text[:60]
        assert not ARABIC_ONLY_YEH_KAF.search(text), text[:60]
        # the continuous prefix is joined by a zero-width non-joiner (می‌کنم), never by a space
        assert not re.search(r"(?<!\S)ن?می (?=\S)", text), text[:60]
    assert sum(ZWNJ in text for text in persian) >= 0.8 * len(persian)


def test_arabic_uses_arabic_letter_forms(stories):
    for text in by_language(stories, "ar"):
        assert ARABIC_YEH_KAF.search(text), text[:60]
        assert not PERSIAN_LETTERS.search(text), text[:60]


def test_readme_describes_every_kind(stories):
    readme = README.read_text(encoding="utf-8")
    missing = sorted({story["kind"] for story in stories if f"`{story['kind']}`" not in readme})
    assert not missing
