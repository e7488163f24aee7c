"""Checking a summary against its article: which items are grounded, one re-ask, and what is dropped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import regex
from pydantic import BaseModel

from .._names import name_matches
from .._schema import (
    ITEM_FIELDS,
    MEETING_FIELDS,
    NAME_FIELDS,
    ArticleSummary,
    DisputedClaim,
    DroppedItem,
    DropReason,
    Evidence,
    Meeting,
)
from ..reading import english
from ..text import CleanText, contains_words, normalize, sentences
from ._index import ArticleIndex, Location

__all__ = ["Grounding", "UngroundedItem", "in_original"]

# Words that say what kind of body a side is, not which one: not what names an actor in a sentence
# (English, applied to every language as a default).
_GENERIC_WORDS = english().generic_words


@dataclass(frozen=True)
class UngroundedItem:
    field: str
    index: int
    reason: DropReason
    detail: str


# A run of capitalised words ("Norland", "Central Commission"): in the summary sentence, what names someone.
_WORD = r"\p{Lu}(?:[\p{L}\p{M}\p{N}’'\-]|\.(?=\p{Lu}))*"
_NAME_RUN = regex.compile(rf"{_WORD}(?:\s+{_WORD})*")
# Languages whose capitals mark every noun, not names: a summary sentence there is not checked.
_NOUNS_CAPITALISED = frozenset({"de", "lb"})
_OPENING = regex.compile(r"^[\s\"'“‘«„(\[]*$")
# The shortest leading run of a place written without spaces ("ミレト市") that may stand for the whole; only
# in Chinese and Japanese, whose characters stand alone (a Thai prefix may end before a combining vowel).
_MIN_UNSPACED_PLACE = 2
_HAN_OR_KANA = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
# What a small model writes in a place or date slot for "not said", normalised: never a place or a date, even
# where the article holds the word. The model's words (it answers in English whatever the article's
# language), not the article's.
_PLACEHOLDERS = frozenset(
    {
        "none",
        "null",
        "nil",
        "n a",
        "na",
        "unknown",
        "unspecified",
        "undisclosed",
        "unclear",
        "not specified",
        "not stated",
        "not mentioned",
        "not given",
        "not known",
        "not available",
        "not applicable",
        "not reported",
    }
)


class Grounding:
    """Locates every item's evidence in the article and finds the items the article does not support.

    ``summary`` has each found quote's span filled in; ``ungrounded`` lists
    the items that failed, in field order. ``replace`` swaps in re-asked
    items and checks again; ``settle`` removes (or flags) what still fails,
    and removes each sentence of the free-text ``summary`` that names someone
    the article does not (recorded in ``dropped`` under the field ``summary``).
    """

    def __init__(
        self,
        summary: ArticleSummary,
        article: str | ArticleIndex,
        *,
        language: str = "en",
        ground_meeting: bool = True,
    ) -> None:
        self.article = article if isinstance(article, ArticleIndex) else ArticleIndex(article)
        self.language = language
        #: The meeting's location and date the article does not state, as ``(field, value, reason, detail)``.
        self.meeting_failures: list[tuple[str, str, DropReason, str]] = []
        #: A verification's probability that the meeting's location or date is right, by field (``rate_meeting``).
        self.meeting_confidence: dict[str, float] = {}
        if ground_meeting:
            meeting, self.meeting_failures = self._check_meeting(summary.meeting)
            summary = summary.model_copy(update={"meeting": meeting})
        self.summary, self.ungrounded = self._check(summary)

    def _check_meeting(self, meeting: Meeting) -> tuple[Meeting, list[tuple[str, str, DropReason, str]]]:
        """The meeting with its location and date located in the article: each value as the model wrote it
        (its spelling may differ from the article's in case, accents or width), each evidence the article's
        own words at the span.

        A location the article does not hold whole ("Geneva, Switzerland" where it says only Geneva) keeps
        the comma-separated parts it does hold, its evidence the first of them; in Chinese or Japanese, the
        longest leading run of characters it holds ("ミレト市" of "ミレト市港湾庁本部"). Neither is matched
        loosely (no fuzzy alignment): a place is named or it is not. What is not found at all is a failure,
        and so is a placeholder a small model writes for "not said" ("None", "unknown"), which an article
        may hold as a word of its own ("None of the sides ...").
        """
        updates: dict[str, Any] = {}
        failures = []
        for field in MEETING_FIELDS:
            value = getattr(meeting, field)
            if value is None or not value.strip():
                updates |= {field: None, f"{field}_evidence": None}
                continue
            found = None if normalize(value) in _PLACEHOLDERS else self._located_words(value, parts=field == "location")
            if found is None:
                kind = "place" if field == "location" else "date"
                failures.append(
                    (field, value, DropReason.quote_not_found, f"the {kind} {_clip(value)!r} is not in the article")
                )
                updates[f"{field}_evidence"] = Evidence(quote=value)
                continue
            words, location = found
            updates |= {
                field: words,
                f"{field}_evidence": Evidence(
                    quote=self.article.text[location.start : location.end],
                    span=(location.start, location.end),
                    match=location.match,
                ),
            }
        return meeting.model_copy(update=updates), failures

    def _located_words(self, value: str, *, parts: bool) -> tuple[str, Location] | None:
        """``value`` (or, with ``parts``, the part of it the article names) and where the article names it."""
        whole = self.article.locate_words(value)
        if whole is not None:
            return value.strip(), whole
        if not parts:
            return None
        kept = [
            (part, found) for part in value.split(",") if (found := self.article.locate_words(part.strip())) is not None
        ]
        if kept:
            return ", ".join(part.strip() for part, _ in kept), kept[0][1]
        if _HAN_OR_KANA.search(value):
            text = value.strip()
            for end in range(len(text) - 1, _MIN_UNSPACED_PLACE - 1, -1):
                found = self.article.locate_words(text[:end])
                if found is not None:
                    return text[:end], found
        return None

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
        prefer = self._claimant_side(item) if isinstance(item, DisputedClaim) else None
        location = self.article.locate(quote, prefer) if quote.strip() else None
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

    def _claimant_side(self, claim: DisputedClaim) -> Callable[[int, int], int]:
        """Scores a place for a claim's quote: the claim is made where its claimant speaks, not where it is
        denied, though both sentences may repeat its words."""
        claimants = [normalize(name) for name in claim.claimed_by]
        deniers = [normalize(name) for name in claim.disputed_by]

        def score(start: int, end: int) -> int:
            sentence = normalize(self.article.sentence_around(start, end))
            named = sum(_mentions(sentence, name) for name in claimants)
            denied = sum(_mentions(sentence, name) for name in deniers)
            return (named > 0) - (denied > 0)

        return score

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

    def kept_meeting(self, field: str) -> str | None:
        """The meeting's ``field`` ("location" or "date") as grounding kept it; None when it is null or failed."""
        value: str | None = getattr(self.summary.meeting, field)
        return None if any(failed == field for failed, *_ in self.meeting_failures) else value

    def reject_meeting(self, field: str, reason: DropReason, detail: str) -> None:
        """Withdraw the meeting's ``field`` ("location" or "date") that grounding kept: ``settle`` removes it and
        lists it in ``dropped`` under the field ``meeting`` (flags its evidence with ``--keep-ungrounded``), as it
        does a place or date the article does not state. Nothing to withdraw (null, or failed already): no-op."""
        value = self.kept_meeting(field)
        if value is not None:
            self.meeting_failures.append((field, value, reason, detail))

    def rate_meeting(self, field: str, confidence: float) -> None:
        """Record a verification's probability (0 to 1) that the meeting's ``field`` ("location" or "date") is
        right: ``settle`` puts it on the field's evidence as ``confidence``, kept or (``--keep-ungrounded``)
        flagged. Nothing kept to rate (null, or failed grounding): no-op."""
        if self.kept_meeting(field) is not None:
            self.meeting_confidence[field] = confidence

    def unknown_names(self, text: str) -> list[tuple[str, str]]:
        """Each sentence of ``text`` that names someone the article does not, with the first such name.

        A name is a run of capitalised words; a lone capitalised word opening a
        sentence or following a colon is not taken for one ("Talks", "Two"),
        nor is a day or month name of the article's language (Babel's CLDR
        data). Scripts without case are not checked, nor are languages that
        capitalise every noun (German, Luxembourgish).
        """
        if self.language in _NOUNS_CAPITALISED:
            return []
        calendar = _calendar_words(self.language)
        found = []
        for sentence in sentences(text):
            for match in _NAME_RUN.finditer(sentence):
                name = match.group()
                opening = _OPENING.match(sentence[: match.start()]) or sentence[: match.start()].rstrip().endswith(":")
                if (opening and " " not in name) or normalize(name) in calendar:
                    continue
                # Every distinctive word must be the article's: a person's surname alone would let
                # "the Arctic Council" pass on the article's "Island Council". "U.N." is checked as "UN".
                if not self.article.has_entity(name.replace(".", "")):
                    found.append((sentence, name))
                    break
        return found

    def settle(self, *, keep_ungrounded: bool = False) -> ArticleSummary:
        """The summary without its ungrounded items, each listed in ``dropped``; or kept and flagged.

        The free-text summary loses each sentence naming someone the article does not; if every
        sentence does, the article's lede (its first sentence after a headline) takes its place.
        ``keep_ungrounded`` keeps it whole.
        """
        failed = {(u.field, u.index): u for u in self.ungrounded}
        updates: dict[str, Any] = {}
        dropped = list(self.summary.dropped)
        if not keep_ungrounded:
            text = self.summary.summary
            for sentence, name in self.unknown_names(text):
                text = text.replace(sentence, "", 1)
                dropped.append(
                    DroppedItem(
                        field="summary",
                        item={"summary": sentence},
                        reason=DropReason.name_not_in_article,
                        detail=f"the name {name!r} does not occur in the article",
                    )
                )
            updates["summary"] = " ".join(text.split()) if text != self.summary.summary else text
            if not updates["summary"] and self.summary.summary.strip():
                # Every sentence named someone the article does not (a small model's "Norway" for the
                # article's "Norland"): the article's own lede says what happened, in its words.
                updates["summary"] = self.article.lede()
        updates["meeting"] = self._settled_meeting(dropped, keep_ungrounded=keep_ungrounded)
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

    def _settled_meeting(self, dropped: list[DroppedItem], *, keep_ungrounded: bool) -> Meeting:
        """The meeting without the location and date the article does not state (each listed in ``dropped``
        under the field ``meeting``), or with them kept and their evidence flagged; each evidence with the
        confidence a verification gave it (``rate_meeting``)."""
        meeting = self.summary.meeting
        # A value with no evidence (meeting grounding switched off) has nowhere to carry its rating: evidence
        # is the article's words for the value, and inventing one would claim words nobody located.
        rated = {
            f"{field}_evidence": evidence.model_copy(update={"confidence": confidence})
            for field, confidence in self.meeting_confidence.items()
            if (evidence := getattr(meeting, f"{field}_evidence")) is not None
        }
        meeting = meeting.model_copy(update=rated)
        updates: dict[str, Any] = {}
        for field, value, reason, detail in self.meeting_failures:
            if keep_ungrounded:
                # A withdrawn value the article does state keeps its located words, flagged.
                located = getattr(meeting, f"{field}_evidence") or Evidence(quote=value)
                updates[f"{field}_evidence"] = located.model_copy(update={"problem": reason})
            else:
                updates |= {field: None, f"{field}_evidence": None}
                dropped.append(DroppedItem(field="meeting", item={field: value}, reason=reason, detail=detail))
        return meeting.model_copy(update=updates)


@cache
def _calendar_words(language: str) -> frozenset[str]:
    """Day and month names of a language, normalised, from Babel's CLDR data (English's as well)."""
    import babel
    from babel.dates import get_day_names, get_month_names

    words: set[str] = set()
    for code in {language, "en"}:
        try:
            locale = babel.Locale.parse(code)
        except (ValueError, TypeError, babel.UnknownLocaleError):
            continue
        for width in ("wide", "abbreviated"):
            words.update(normalize(n) for n in get_day_names(width, locale=locale).values())
            words.update(normalize(n) for n in get_month_names(width, locale=locale).values())
    return frozenset(words)


def _mentions(sentence: str, name: str) -> bool:
    """Whether a normalised sentence names an actor: the whole name, or a distinctive word of it."""
    return contains_words(sentence, name) or any(
        len(word) > 3 and contains_words(sentence, word) for word in name.split() if word not in _GENERIC_WORDS
    )


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

    def moved(evidence: Evidence | None) -> Evidence | None:
        if evidence is None or evidence.span is None:
            return evidence
        start, end = article.to_original(*evidence.span)
        return evidence.model_copy(update={"span": (start, end), "quote": article.original[start:end]})

    updates: dict[str, Any] = {
        field: [item.model_copy(update={"evidence": moved(getattr(item, "evidence", None))}) for item in items]
        for field in ITEM_FIELDS
        if (items := summary.items(field))
    }
    meeting = summary.meeting
    updates["meeting"] = meeting.model_copy(
        update={f"{field}_evidence": moved(getattr(meeting, f"{field}_evidence")) for field in MEETING_FIELDS}
    )
    dropped = []
    for entry in summary.dropped:  # a dropped item's quote may have been found, and its span is shown too
        raw = entry.item.get("evidence")
        evidence = moved(Evidence.model_validate(raw)) if isinstance(raw, dict) else None
        if evidence is not None:
            entry = entry.model_copy(update={"item": {**entry.item, "evidence": evidence.model_dump(mode="json")}})
        dropped.append(entry)
    return summary.model_copy(update={**updates, "dropped": dropped})
