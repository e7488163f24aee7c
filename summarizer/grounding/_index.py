"""Finding quotes and names in an article: exact, then normalised, then by alignment; names in any form.

Offsets are ``[start, end)`` in code points of the text given to ``ArticleIndex``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from .._schema import MatchKind
from ..reading import english
from ..text import (
    contains_words,
    letters_with_origin,
    normalize,
    opens_with_title,
    sentence_spans,
    sentences,
    written_without_spaces,
)

__all__ = ["ArticleIndex", "Location", "quotable_phrases"]

_FUZZY_THRESHOLD = 90
# Shorter quotes align by chance somewhere in any article.
_MIN_FUZZY_CHARS = 16
# Words that say what kind of body a side is, not which one ("Velmoran government" names Velmora).
# English, applied to every language as a default; elsewhere they never match and only the stricter
# whole-name checks apply.
_GENERIC_WORDS = english().generic_words
# English words an acronym skips ("UN" for "the United Nations"), a default for every language.
_STOPWORDS = frozenset("the of and for on in at to a an".split())
_MIN_STEM = 4


# Phrases never span a double quote or backslash. They once crashed llama-cpp-python's grammar
# builder; llama.cpp's server escapes them (tests/test_engine.py), and the rule stays only because
# the prompts were tuned with it: lifting it is a quality change to measure, not an engine fix.
_QUOTE_MARKS = re.compile(r'["“”„\\]')
_PHRASE_WORDS = 8
_MIN_PHRASE_WORDS = 3
_EDGE_PUNCTUATION = " ,.;:!?\"'“”‘’()[]"
# In a script without spaces: clauses end at these; a phrase is at most this many characters, one starting
# every few characters of a longer clause so a name is never only ever cut in two.
_CLAUSE_BREAKS = re.compile(r"[、，,;；:：]")
_UNSPACED_CHARS = 24
_UNSPACED_STEP = 8
_MIN_UNSPACED_CHARS = 2


def quotable_phrases(article: str) -> list[str]:
    """Every run of up to eight words of the article, one starting at each word, within its sentence (in a
    script written without spaces, runs of up to 24 characters of a clause).

    Offered to the model as the only quotes it may give, they make every
    quote verbatim; starting one at every word lets the model begin its quote
    where it wants to (at a name, say) instead of being steered into whatever
    phrase shares its first letters.
    """
    phrases: dict[str, None] = {}
    stretches = (part for sentence in sentences(article) for part in _QUOTE_MARKS.split(sentence))
    for sentence in stretches:
        words = sentence.split()
        if len(words) < _MIN_PHRASE_WORDS and written_without_spaces(sentence):
            # Chinese, Japanese, Thai: no spaces to count words by, so a phrase is a clause between commas.
            phrases.update(dict.fromkeys(_unspaced_phrases(sentence, article)))
            continue
        for start in range(len(words)):
            window = words[start : start + _PHRASE_WORDS]
            if len(window) < min(_MIN_PHRASE_WORDS, len(words)):
                break
            phrase = _span_of(sentence, window).strip(_EDGE_PUNCTUATION)
            if len(phrase.split()) >= 2 and phrase in article:
                phrases.setdefault(phrase)
    return list(phrases)


def _unspaced_phrases(sentence: str, article: str) -> list[str]:
    """The clauses of a sentence written without spaces, each cut into overlapping runs when it is long."""
    found: list[str] = []
    for clause in _CLAUSE_BREAKS.split(sentence):
        clause = clause.strip(_EDGE_PUNCTUATION + "、，。！？")
        if len(clause) < _MIN_UNSPACED_CHARS:
            continue
        starts = range(0, max(1, len(clause) - _UNSPACED_CHARS + _UNSPACED_STEP), _UNSPACED_STEP)
        found.extend(piece for start in starts if (piece := clause[start : start + _UNSPACED_CHARS]) in article)
    return found


def _span_of(sentence: str, words: list[str]) -> str:
    """The stretch of ``sentence`` from ``words[0]`` to ``words[-1]``, spaced as in the article."""
    pattern = r"\s+".join(re.escape(w) for w in words)
    found = re.search(pattern, sentence)
    return found.group(0) if found else " ".join(words)


@dataclass(frozen=True)
class Location:
    start: int
    end: int
    match: MatchKind


class ArticleIndex:
    """One article, prepared once for locating many quotes and names in it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._skeleton, self._origin = letters_with_origin(text)
        self._normalized = normalize(text)
        self._words = self._normalized.split()
        self._word_set = set(self._words)
        self._sorted_words = sorted(self._word_set)
        self._sentences = sentence_spans(text)

    # -- quotes ----------------------------------------------------------------------

    def locate(
        self, quote: str, prefer: Callable[[int, int], int] | None = None, *, whole_words: bool = False
    ) -> Location | None:
        """Where ``quote`` is in the article, or None.

        A quote the article holds more than once is placed at the occurrence
        ``prefer`` scores highest (the first among equals); without it, the first.
        With ``whole_words``, an exact match inside a longer word ("Iran" in
        "Iranian") does not count, in a script written with spaces.
        """
        quote = quote.strip()
        if not quote:
            return None
        exact = []
        start = self.text.find(quote)
        while start >= 0:
            exact.append(Location(start, start + len(quote), MatchKind.exact))
            start = self.text.find(quote, start + 1)
        # Whole words first ("Iran" in "Iran said", not in "Iranian"), then where ``prefer`` points.
        whole = [loc for loc in exact if self._on_word_boundaries(loc.start, loc.end)]
        # A script without spaces has no word boundaries to ask for: "２０日" is found in "２０日に".
        unspaced = written_without_spaces(quote)
        if whole or (exact and (unspaced or not whole_words)):
            return _best(whole or exact, prefer)
        needle, _ = letters_with_origin(quote)
        if not needle:
            return None
        normalized = [
            Location(start, end, MatchKind.normalized)
            for start, end in self._skeleton_occurrences(needle)
            if unspaced or self._on_word_boundaries(start, end)
        ]
        if normalized:
            return _best(normalized, prefer)
        if len(needle) >= _MIN_FUZZY_CHARS:
            aligned = fuzz.partial_ratio_alignment(needle, self._skeleton, score_cutoff=_FUZZY_THRESHOLD)
            if aligned is not None and aligned.dest_end > aligned.dest_start:
                start, end = self._origin[aligned.dest_start], self._origin[aligned.dest_end - 1] + 1
                start, end = self._whole_words(start, end, needle)
                return Location(start, end, MatchKind.fuzzy)
        return None

    def lede(self) -> str:
        """The article's first sentence of running text (after a headline line), on one line; "" if none."""
        skip = 1 if opens_with_title(self.text) else 0
        spans = self._sentences[skip : skip + 1]
        return " ".join(self.text[spans[0][0] : spans[0][1]].split()) if spans else ""

    def locate_words(self, words: str) -> Location | None:
        """Where the article holds ``words`` as whole words, as written or normalised, never by fuzzy
        alignment: for a value that must be the article's own (a place, a date, a sentence's last words)."""
        if not words.strip() or not self.has_words(words):  # whole words: "Iran" is not in "Iranian"
            return None
        location = self.locate(words, whole_words=True)
        return location if location is not None and location.match is not MatchKind.fuzzy else None

    def sentence_around(self, start: int, end: int) -> str:
        """The sentence (or sentences) of the article that hold ``[start, end)``."""
        first, last = self.sentence_bounds(start, end)
        return self.text[first:last]

    def sentence_bounds(self, start: int, end: int) -> tuple[int, int]:
        """``[start, end)`` of the sentence (or sentences) of the article that hold ``[start, end)``."""
        first = next((a for a, b in reversed(self._sentences) if a <= start), 0)
        last = next((b for a, b in self._sentences if b >= end), len(self.text))
        return first, last

    def _skeleton_occurrences(self, needle: str) -> Iterator[tuple[int, int]]:
        at = self._skeleton.find(needle)
        while at >= 0:
            yield self._origin[at], self._origin[at + len(needle) - 1] + 1
            at = self._skeleton.find(needle, at + 1)

    def _on_word_boundaries(self, start: int, end: int) -> bool:
        before = self.text[start - 1] if start > 0 else " "
        after = self.text[end] if end < len(self.text) else " "
        return not _in_word(before) and not _in_word(after)

    def _whole_words(self, start: int, end: int, needle: str) -> tuple[int, int]:
        """An alignment can start or end inside a word: extend or trim each end, whichever reads closer."""
        text = self.text
        wide_start, narrow_start = start, start
        while wide_start > 0 and text[wide_start - 1].isalnum():
            wide_start -= 1
        if narrow_start > wide_start:
            while narrow_start < end and text[narrow_start].isalnum():
                narrow_start += 1
            while narrow_start < end and not text[narrow_start].isalnum():
                narrow_start += 1
        wide_end, narrow_end = end, end
        while wide_end < len(text) and text[wide_end].isalnum():
            wide_end += 1
        if wide_end > narrow_end:
            while narrow_end > start and text[narrow_end - 1].isalnum():
                narrow_end -= 1
            while narrow_end > start and not text[narrow_end - 1].isalnum():
                narrow_end -= 1

        def closeness(bounds: tuple[int, int]) -> float:
            return fuzz.ratio(letters_with_origin(text[bounds[0] : bounds[1]])[0], needle)

        candidates = [(s, e) for s in {wide_start, narrow_start} for e in {wide_end, narrow_end} if s < e]
        return max(candidates, key=closeness, default=(start, end))

    # -- names -----------------------------------------------------------------------

    def has_words(self, words: str) -> bool:
        """Whether the article holds ``words`` as whole words, after normalisation (``contains_words``)."""
        return contains_words(self._normalized, normalize(words))

    def has_person(self, name: str) -> bool:
        """The person's full name or surname occurs as whole words."""
        words = normalize(name).split()
        if not words:
            return False
        return contains_words(self._normalized, " ".join(words)) or words[-1] in self._word_set

    def has_entity(self, name: str) -> bool:
        """A side or organisation: its name, its acronym, or each distinctive word of it (in any form)."""
        normalized = normalize(name)
        words = normalized.split()
        if not words:
            return False
        if contains_words(self._normalized, normalized) or self._has_acronym_of(words):
            return True
        if len(words) == 1 and self._spells_out(words[0]):
            return True
        distinctive = [w for w in words if w not in _GENERIC_WORDS]
        return bool(distinctive) and all(self._has_stem(w) for w in distinctive)

    def _has_acronym_of(self, words: list[str]) -> bool:
        initials = "".join(w[0] for w in words if w not in _STOPWORDS)
        if len(initials) < 2 or len(words) < 2:
            return False
        return initials in self._word_set or contains_words(self._normalized, " ".join(initials))

    def _spells_out(self, acronym: str) -> bool:
        """Whether consecutive words of the article have ``acronym`` as their initials ("UN": "United Nations")."""
        if not 2 <= len(acronym) <= 6:
            return False
        for start, word in enumerate(self._words):
            if word[0] != acronym[0]:
                continue
            letters, index = 0, start
            while index < len(self._words) and letters < len(acronym):
                current = self._words[index]
                if current in _STOPWORDS and letters:
                    index += 1
                    continue
                if current[0] != acronym[letters]:
                    break
                letters += 1
                index += 1
            if letters == len(acronym):
                return True
        return False

    def _has_stem(self, word: str) -> bool:
        if word in self._word_set:
            return True
        if len(word) < _MIN_STEM:
            return False
        stem = word[: max(_MIN_STEM, len(word) - 3)]
        position = bisect.bisect_left(self._sorted_words, stem)
        return position < len(self._sorted_words) and self._sorted_words[position].startswith(stem)


def _in_word(char: str) -> bool:
    """A letter, digit or mark (an Indic vowel sign belongs to the word it follows)."""
    return char.isalnum() or unicodedata.category(char)[0] == "M"


def _best(locations: list[Location], prefer: Callable[[int, int], int] | None) -> Location:
    if prefer is None or len(locations) == 1:
        return locations[0]
    return max(locations, key=lambda loc: prefer(loc.start, loc.end))  # max keeps the first of equals
