"""Choosing an item's quote by code, from the article's own phrases, so the model need not write one.

Every output token costs the model ~0.1 s on two cores, and a quote is
eight of them per item. Where code can tell which words show an item, it
picks them: the first phrase that opens with the item's name (else the
first that holds it) for a party, participant or mediator; the phrase that
shares the most content words with a topic's label and detail, or with a
claim's sentence, for those. A phrase is one of ``quotable_phrases``, so
the quote is the article's words by construction and ``Grounding`` still
locates it like any other. Items code cannot place keep no quote and go to
the model's evidence pass as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from .._schema import ITEM_FIELDS, NAME_FIELDS, ArticleSummary, DisputedClaim, Evidence, Topic
from ..text import contains_words, normalize

__all__ = ["PhraseChooser"]

# Words this short are mostly function words in the languages we read ("the", "and", "los", "der").
_MIN_CONTENT_CHARS = 4
# Words compare by their first letters, so "negotiations" meets "negotiators" and "talks" meets "talked".
_STEM_CHARS = 5
# Fewer shared words than this and a phrase is about something else.
_MIN_SHARED = 2


@dataclass(frozen=True)
class _Phrase:
    text: str
    folded: str
    words: frozenset[str]


class PhraseChooser:
    """The article's quotable phrases (``quotable_phrases``), prepared once to choose quotes from."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self._phrases = [_Phrase(p, normalize(p), frozenset(_content_words(p))) for p in phrases]

    def quote_items(self, summary: ArticleSummary) -> ArticleSummary:
        """``summary`` with a quote chosen for each item that has none and whose words code can find."""
        updates: dict[str, list[BaseModel]] = {}
        for field in ITEM_FIELDS:
            items = list(summary.items(field))
            for index, item in enumerate(items):
                if getattr(item, "evidence", None) is None:
                    quote = self.choose(field, item)
                    if quote is not None:
                        items[index] = item.model_copy(update={"evidence": Evidence(quote=quote)})
            updates[field] = items
        return summary.model_copy(update=updates)

    def choose(self, field: str, item: BaseModel) -> str | None:
        """The phrase that shows ``item`` of summary field ``field``; None when no phrase clearly does."""
        if field in NAME_FIELDS:
            return self._naming(str(getattr(item, "name", "")))
        if isinstance(item, Topic):
            return self._sharing_words(f"{item.label} {item.detail}")
        if isinstance(item, DisputedClaim):
            return self._sharing_words(item.claim)
        return None

    def _naming(self, name: str) -> str | None:
        folded = normalize(name)
        if not folded:
            return None
        holding = [p for p in self._phrases if contains_words(p.folded, folded)]
        # A phrase that opens with the name says what that actor did; the first mention introduces it.
        opening = [p for p in holding if p.folded.startswith(folded)]
        chosen = opening or holding
        return chosen[0].text if chosen else None

    def _sharing_words(self, text: str) -> str | None:
        wanted = _content_words(text)
        best, best_shared = None, 0
        for phrase in self._phrases:
            shared = len(wanted & phrase.words)
            if shared > best_shared:  # the first phrase wins a tie: the article names a subject first
                best, best_shared = phrase, shared
        needed = min(_MIN_SHARED, len(wanted))
        return best.text if best is not None and needed and best_shared >= needed else None


def _content_words(text: str) -> set[str]:
    """The stems of the words of ``text`` long enough to carry content."""
    return {word[:_STEM_CHARS] for word in normalize(text).split() if len(word) >= _MIN_CONTENT_CHARS}
