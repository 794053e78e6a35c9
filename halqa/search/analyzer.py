"""One analyzer, in Python, for both databases: text becomes the tokens that are indexed and queried.

The databases never analyse anything themselves (SQLite FTS5 splits on spaces, PostgreSQL uses the
`simple` configuration), so SQLite and PostgreSQL see the same tokens and give the same answers.

For each word of the original text (letters, digits, combining marks and the zero-width
non-joiner): Unicode NFKC, case folding, marks removed (Arabic and Persian harakat, the superscript
alef, hamza carried on alef/waw/yeh, Latin accents; Russian й kept, ё becomes е), tatweel removed,
digits of every script made ASCII; then a stop word is dropped, the word is stemmed by its script
(Latin: English, Cyrillic: Russian, Arabic script: the document's language if it is Arabic or
Persian, else Persian when the word has a Persian-only letter) with the Snowball stemmers, and the
letter variants are made one (Arabic and Persian yeh and kaf, alef maksura, teh marbuta).

A query is analysed without a language: each word becomes a group of alternatives (an Arabic-script
word is stemmed both as Arabic and as Persian), and a document matches when it has one alternative
of every group.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer

ZWNJ = "\u200c"
ZWJ = "\u200d"
TATWEEL = "\u0640"
MAX_TOKEN = 64  # longer "words" are cut: both databases keep them whole below this
MAX_QUERY_CHARS = 2000
MAX_QUERY_TERMS = 16

# A word of the original text: letters and digits (not "_"), the combining marks of the Latin,
# Cyrillic and Arabic blocks, and the joiners Persian writes inside words.
WORD = re.compile(
    r"(?:[^\W_]|[\u0300-\u036f\u0483-\u0489\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8"
    r"\u06ea-\u06ed\u200c\u200d])+"
)
PIECE = re.compile(r"[^\W_]+")

ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[a-z\u00c0-\u024f]")
PERSIAN_ONLY = re.compile("[پچژگکی]")

# Before stemming: one alef; and each stemmer gets the letters it was written for.
ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و", "ئ": "ي", "ۀ": "ه"})
TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك", "ڪ": "ك"})
TO_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ڪ": "ک", "ة": "ه"})
# After stemming: the variants made one, whichever language wrote them.
CANONICAL = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ڪ": "ک", "ة": "ه", ZWNJ: None, ZWJ: None})


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = {
    "en": _wordset(
        "a an and are as at be but by for from has have he her his i if in into is it its me my no not of on "
        "or our she so that the their them then there these they this those to was we were what when which "
        "who will with you your s t"
    ),
    "ru": _wordset(
        "а без бы в во вот все всё вы да для до его ее её если же за и из или им их к как ко когда ли мне "
        "мы на над не нет ни но о об однако он она они оно от по под при с со так также то тоже у уже "
        "чем что чтобы это эта этот я"
    ),
    "ar": _wordset(
        "في من إلى الى على عن مع أن ان إن هذا هذه ذلك تلك التي الذي الذين هو هي هم نحن أنا انا أو او ثم "
        "قد لا لم لن ما كان كانت كل بعض عند حتى إذا اذا بين هل و"
    ),
    "fa": _wordset(
        "و در به از که این آن را با برای تا یا هم نیز است هست بود شد می نمی ها های یک اما اگر چه چون "
        "هر ما من تو او شما آنها ایشان خود بر پس نه"
    ),
}

STEMMERS = {"en": "english", "ru": "russian", "ar": "arabic", "fa": "persian"}
PERSIAN_VERB_PREFIXES = ("نمی", "می")
PERSIAN_SUFFIX_PARTS = frozenset(
    {"ها", "های", "هایی", "هایم", "هایت", "هایش", "ای", "ی", "ام", "ات", "اش", "تر", "ترین"}
)


@lru_cache(maxsize=8)
def _stemmer(language: str):
    return snowballstemmer.stemmer(STEMMERS[language])


def fold(word: str) -> str:
    """NFKC, case folding, marks and tatweel removed, ASCII digits; ZWNJ kept (Persian needs it)."""
    word = unicodedata.normalize("NFKC", word).casefold().replace("ё", "е").replace(TATWEEL, "")
    decomposed = unicodedata.normalize("NFKD", word)
    kept = []
    for char in decomposed:
        if unicodedata.category(char) == "Mn" and char != "\u0306":  # the breve of й stays
            continue
        if char.isdigit():
            digit = unicodedata.digit(char, None)
            kept.append(str(digit) if digit is not None else char)
        else:
            kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).translate(ALEFS)


def script_language(piece: str, language: str = "") -> str:
    """The stemmer a piece of text needs: by script, and for the Arabic script by the document."""
    if ARABIC_SCRIPT.search(piece):
        if language in ("ar", "fa"):
            return language
        return "fa" if PERSIAN_ONLY.search(piece) else "ar"
    if CYRILLIC.search(piece):
        return "ru"
    if LATIN.search(piece):
        return "en"
    return ""


def _persian_stem(word: str) -> str:
    word = word.translate(TO_PERSIAN)
    parts = [part for part in word.split(ZWNJ) if part]
    if len(parts) > 1 and parts[0] in PERSIAN_VERB_PREFIXES:
        parts = parts[1:]
    while len(parts) > 1 and parts[-1] in PERSIAN_SUFFIX_PARTS:
        parts = parts[:-1]
    word = "".join(parts)
    for prefix in PERSIAN_VERB_PREFIXES:  # می‌خواهم and میخواهم alike
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            word = word[len(prefix) :]
            break
    stem = _stemmer("fa").stemWord(word)
    if len(stem) > 3 and stem.endswith("ی"):  # the ezafe / indefinite yeh the stemmer leaves
        stem = stem[:-1]
    return stem


def _arabic_stem(word: str) -> str:
    word = word.translate(TO_ARABIC).replace(ZWNJ, "")
    if word.startswith("وال") and len(word) > 5:  # "and the …": the stemmer knows بال and لل, not وال
        word = word[1:]
    return _stemmer("ar").stemWord(word)


def _stem(piece: str, language: str) -> str:
    if language == "fa":
        stem = _persian_stem(piece)
    elif language == "ar":
        stem = _arabic_stem(piece)
    elif language in STEMMERS:
        stem = _stemmer(language).stemWord(piece)
    else:
        stem = piece
    return stem.translate(CANONICAL)[:MAX_TOKEN]


def _is_stop(piece: str, language: str) -> bool:
    words = STOP_WORDS.get(language)
    if not words:
        return False
    plain = piece.replace(ZWNJ, "").replace(ZWJ, "")
    return plain in words or plain.translate(TO_ARABIC) in words or plain.translate(TO_PERSIAN) in words


def pieces(word: str) -> list[str]:
    """The folded pieces of one word of the original text (a ligature may fold into several)."""
    folded = fold(word)
    found = []
    for match in re.finditer(r"(?:[^\W_]|[\u200c\u200d])+", folded):
        piece = match.group().strip(ZWNJ + ZWJ)
        if piece:
            found.append(piece)
    return found


def analyze_word(word: str, language: str = "") -> list[str]:
    """The tokens one word of a document gives (none for a stop word)."""
    tokens = []
    for piece in pieces(word):
        stemmer_language = script_language(piece, language)
        if _is_stop(piece, stemmer_language):
            continue
        token = _stem(piece, stemmer_language)
        if token:
            tokens.append(token)
    return tokens


@lru_cache(maxsize=100_000)
def word_tokens(word: str, language: str = "") -> tuple[str, ...]:
    """`analyze_word`, remembered: the words of a language repeat."""
    return tuple(analyze_word(word, language))


def words(text: str) -> Iterator[re.Match]:
    """The words of the original text, with their places (for snippets)."""
    return WORD.finditer(text)


def analyze(text: str, language: str = "") -> list[str]:
    """The tokens of a document's text, in order."""
    tokens: list[str] = []
    for match in words(text or ""):
        tokens.extend(word_tokens(match.group(), language))
    return tokens


def query_terms(text: str) -> list[frozenset[str]]:
    """A query as groups of alternatives, in order, without repeats: at most MAX_QUERY_TERMS.

    Whatever the query holds (operators, quotes, NUL, any script), only tokens come out: they are
    letters and digits, so no database ever reads a query's syntax.
    """
    groups: list[frozenset[str]] = []
    for match in words((text or "")[:MAX_QUERY_CHARS]):
        for piece in pieces(match.group()):
            detected = script_language(piece)
            languages = ("ar", "fa") if detected in ("ar", "fa") else (detected,)
            if any(_is_stop(piece, language) for language in languages):
                continue
            group = frozenset(token for language in languages if (token := _stem(piece, language)))
            if group and group not in groups:
                groups.append(group)
            if len(groups) >= MAX_QUERY_TERMS:
                return groups
    return groups
