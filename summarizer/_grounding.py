"""Grounding: every item of a summary must point at the words of the article, as checked by code.

The model chooses a quote for each item; code, never the model, finds it in
the article and records where: first as given (``exact``), then after
normalisation (``normalized``: case, accents, spacing, curly or straight
quotes, dashes and hyphenation all ignored, matched on word boundaries), then
by alignment (``fuzzy``: rapidfuzz's partial-ratio alignment scoring at
least 90). Offsets are ``[start, end)`` in Unicode code points of the article
as given, so ``article[start:end]`` is the quoted passage.

Names are checked on their own: a party, participant or mediator whose name
does not occur in the article is ungrounded whatever its quote says. A person
may be named by their surname alone; a side or mediator by an acronym of its
name ("UN"), the words of its name in another form ("Iranian" for "Iran"),
or without generic words ("Armenian government" for "Armenia").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz

from ._names import name_matches
from ._schema import (
    GROUNDING_REASONS,
    ITEM_FIELDS,
    NAME_FIELDS,
    ArticleSummary,
    DroppedItem,
    DropReason,
    Evidence,
    MatchKind,
)
from .reading import english
from .text import CleanText, contains_words, letters_with_origin, normalize, sentences

__all__ = [
    "ArticleIndex",
    "Grounding",
    "GroundingCounts",
    "Location",
    "UngroundedItem",
    "grounding_counts",
    "in_original",
    "quotable_phrases",
]

_FUZZY_THRESHOLD = 90
# Shorter quotes align by chance somewhere in any article.
_MIN_FUZZY_CHARS = 16
# Words that say what kind of body a side is, not which one ("Armenian government" names Armenia).
_GENERIC_WORDS = english().generic_words
_STOPWORDS = frozenset("the of and for on in at to a an".split())
_MIN_STEM = 4


# Phrases never span a double quote or backslash. They once crashed llama-cpp-python's grammar
# builder; llama.cpp's server escapes them (tests/test_engine.py), and the rule stays only because
# the prompts were tuned with it: lifting it is a quality change to measure, not an engine fix.
_QUOTE_MARKS = re.compile(r'["“”„\\]')
_PHRASE_WORDS = 8
_MIN_PHRASE_WORDS = 3
_EDGE_PUNCTUATION = " ,.;:!?\"'“”‘’()[]"


def quotable_phrases(article: str) -> list[str]:
    """Every run of up to eight words of the article, one starting at each word, within its sentence.

    Offered to the model as the only quotes it may give, they make every
    quote verbatim; starting one at every word lets the model begin its quote
    where it wants to (at a name, say) instead of being steered into whatever
    phrase shares its first letters.
    """
    phrases: dict[str, None] = {}
    stretches = (part for sentence in sentences(article) for part in _QUOTE_MARKS.split(sentence))
    for sentence in stretches:
        words = sentence.split()
        for start in range(len(words)):
            window = words[start : start + _PHRASE_WORDS]
            if len(window) < min(_MIN_PHRASE_WORDS, len(words)):
                break
            phrase = _span_of(sentence, window).strip(_EDGE_PUNCTUATION)
            if len(phrase.split()) >= 2 and phrase in article:
                phrases.setdefault(phrase)
    return list(phrases)


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

    # -- quotes ----------------------------------------------------------------------

    def locate(self, quote: str) -> Location | None:
        """Where ``quote`` is in the article, or None."""
        quote = quote.strip()
        if not quote:
            return None
        start = self.text.find(quote)
        if start >= 0:
            return Location(start, start + len(quote), MatchKind.exact)
        needle, _ = letters_with_origin(quote)
        if not needle:
            return None
        for start, end in self._skeleton_occurrences(needle):
            if self._on_word_boundaries(start, end):
                return Location(start, end, MatchKind.normalized)
        if len(needle) >= _MIN_FUZZY_CHARS:
            aligned = fuzz.partial_ratio_alignment(needle, self._skeleton, score_cutoff=_FUZZY_THRESHOLD)
            if aligned is not None and aligned.dest_end > aligned.dest_start:
                start, end = self._origin[aligned.dest_start], self._origin[aligned.dest_end - 1] + 1
                start, end = self._whole_words(start, end, needle)
                return Location(start, end, MatchKind.fuzzy)
        return None

    def _skeleton_occurrences(self, needle: str) -> Iterator[tuple[int, int]]:
        at = self._skeleton.find(needle)
        while at >= 0:
            yield self._origin[at], self._origin[at + len(needle) - 1] + 1
            at = self._skeleton.find(needle, at + 1)

    def _on_word_boundaries(self, start: int, end: int) -> bool:
        before = self.text[start - 1] if start > 0 else " "
        after = self.text[end] if end < len(self.text) else " "
        return not before.isalnum() and not after.isalnum()

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


@dataclass(frozen=True)
class UngroundedItem:
    field: str
    index: int
    reason: DropReason
    detail: str


class Grounding:
    """Locates every item's evidence in the article and finds the items the article does not support.

    ``summary`` has each found quote's span filled in; ``ungrounded`` lists
    the items that failed, in field order. ``replace`` swaps in re-asked
    items and checks again; ``settle`` removes (or flags) what still fails.
    """

    def __init__(self, summary: ArticleSummary, article: str | ArticleIndex) -> None:
        self.article = article if isinstance(article, ArticleIndex) else ArticleIndex(article)
        self.summary, self.ungrounded = self._check(summary)

    def _check(self, summary: ArticleSummary) -> tuple[ArticleSummary, list[UngroundedItem]]:
        updates: dict[str, list[BaseModel]] = {}
        failures: list[UngroundedItem] = []
        for field in ITEM_FIELDS:
            checked = []
            for index, item in enumerate(summary.items(field)):
                item, failure = self._check_item(field, item)
                checked.append(item)
                if failure is not None:
                    failures.append(UngroundedItem(field, index, *failure))
            updates[field] = checked
        return summary.model_copy(update=updates), failures

    def _check_item(self, field: str, item: BaseModel) -> tuple[BaseModel, tuple[DropReason, str] | None]:
        evidence: Evidence | None = getattr(item, "evidence", None)
        quote = evidence.quote if evidence else ""
        location = self.article.locate(quote) if quote.strip() else None
        located = Evidence(
            quote=quote,
            span=(location.start, location.end) if location else None,
            match=location.match if location else None,
        )
        item = item.model_copy(update={"evidence": located})
        if field in NAME_FIELDS:
            name = str(getattr(item, "name", ""))
            found = self._name_found(field, name)
            if not found:
                return item, (DropReason.name_not_in_article, f"the name {name!r} does not occur in the article")
        if not quote.strip():
            return item, (DropReason.missing_quote, "no supporting quote was given")
        if location is None:
            return item, (DropReason.quote_not_found, f"the quote {_clip(quote)!r} is not in the article")
        return item, None

    def _name_found(self, field: str, name: str) -> bool:
        if field == "participants":
            return self.article.has_person(name)
        if field == "mediators":  # a person, a state or an organisation
            return self.article.has_person(name) or self.article.has_entity(name)
        return self.article.has_entity(name)

    def replace(self, corrections: dict[str, list[BaseModel]]) -> None:
        """Put re-asked items in place of the ungrounded ones, in order, and check everything again."""
        updates: dict[str, list[BaseModel]] = {}
        for field, replacements in corrections.items():
            items = list(updates.get(field, self.summary.items(field)))
            positions = [u.index for u in self.ungrounded if u.field == field]
            kept = [item for index, item in enumerate(items) if index not in positions]
            for position, replacement in zip(positions, replacements, strict=False):
                # A correction that names someone already listed is no correction: the item stays ungrounded.
                if not _names_one_of(replacement, kept):
                    items[position] = replacement
            updates[field] = items
        self.summary, self.ungrounded = self._check(self.summary.model_copy(update=updates))

    def settle(self, *, keep_ungrounded: bool = False) -> ArticleSummary:
        """The summary without its ungrounded items, each listed in ``dropped``; or kept and flagged."""
        failed = {(u.field, u.index): u for u in self.ungrounded}
        updates: dict[str, Any] = {}
        dropped = list(self.summary.dropped)
        for field in ITEM_FIELDS:
            kept = []
            for index, item in enumerate(self.summary.items(field)):
                failure = failed.get((field, index))
                if failure is None:
                    kept.append(item)
                elif keep_ungrounded:
                    evidence = getattr(item, "evidence", None) or Evidence(quote="")
                    kept.append(
                        item.model_copy(update={"evidence": evidence.model_copy(update={"problem": failure.reason})})
                    )
                else:
                    dropped.append(
                        DroppedItem(
                            field=field, item=item.model_dump(mode="json"), reason=failure.reason, detail=failure.detail
                        )
                    )
            updates[field] = kept
        updates["dropped"] = dropped
        return self.summary.model_copy(update=updates)


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class GroundingCounts:
    """How well a summary is grounded: items whose evidence was found, and names not in the article."""

    items: int = 0
    grounded: int = 0
    names: int = 0
    names_not_in_article: int = 0

    def __add__(self, other: GroundingCounts) -> GroundingCounts:
        return GroundingCounts(
            self.items + other.items,
            self.grounded + other.grounded,
            self.names + other.names,
            self.names_not_in_article + other.names_not_in_article,
        )

    @property
    def grounding_rate(self) -> float | None:
        return round(self.grounded / self.items, 4) if self.items else None

    @property
    def hallucinated_entity_rate(self) -> float | None:
        return round(self.names_not_in_article / self.names, 4) if self.names else None


def grounding_counts(summary: ArticleSummary) -> GroundingCounts:
    """Count from a finished summary: its kept items, and the items dropped for want of grounding.

    Items dropped as duplicates or for their role were never a grounding
    question and are not counted.
    """
    items = grounded = names = missing_names = 0
    for field in ITEM_FIELDS:
        for item in summary.items(field):
            evidence: Evidence | None = getattr(item, "evidence", None)
            items += 1
            ok = evidence is not None and evidence.span is not None and evidence.problem is None
            grounded += ok
            if field in NAME_FIELDS:
                names += 1
                missing_names += evidence is not None and evidence.problem is DropReason.name_not_in_article
    for entry in summary.dropped:
        if entry.reason in GROUNDING_REASONS:
            items += 1
            if entry.field in NAME_FIELDS:
                names += 1
                missing_names += entry.reason is DropReason.name_not_in_article
    return GroundingCounts(items, grounded, names, missing_names)


def _names_one_of(item: BaseModel, others: list[BaseModel]) -> bool:
    """Whether ``item`` names the same person or side as one of ``others``."""
    name = getattr(item, "name", None)
    names = [other_name for other in others if (other_name := getattr(other, "name", None))]
    return name is not None and any(name_matches(name, [other]) for other in names)


def in_original(summary: ArticleSummary, article: CleanText) -> ArticleSummary:
    """``summary`` located in the article as given: each span (found in the clean text) mapped back, and
    each quote the original's own characters at that span, so ``original[start:end] == quote``.

    A span never ends inside a character a reader sees as one (``CleanText``
    maps whole grapheme clusters), even where the article needed no cleaning.
    """
    updates: dict[str, Any] = {}
    for field in ITEM_FIELDS:
        located = []
        for item in summary.items(field):
            evidence: Evidence | None = getattr(item, "evidence", None)
            if evidence is not None and evidence.span is not None:
                start, end = article.to_original(*evidence.span)
                moved = evidence.model_copy(update={"span": (start, end), "quote": article.original[start:end]})
                item = item.model_copy(update={"evidence": moved})
            located.append(item)
        updates[field] = located
    return summary.model_copy(update=updates)
