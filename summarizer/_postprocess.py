"""Deterministic clean-up of a model's summary: what a careful editor would fix without re-reading.

Small models repeat an entity under two spellings, list a delegation or a
country as a "person", put the mediator among the participants, or name
someone the article never mentions. Each rule here is generic (no names or
phrases from any article) and only ever removes or merges items.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ._names import contains_words, name_matches, normalize
from ._schema import ArticleSummary, DisputedClaim, Topic

__all__ = ["tidy"]

T = TypeVar("T")

# Words that make a "participant" a body rather than a person.
_GROUP_WORDS = frozenset(
    (
        "delegation delegations government governments ministry ministries military army navy forces troops "
        "command team teams side sides representatives officials authorities administration office agency "
        "embassy parliament committee council movement group union coalition press media peacekeepers "
        "negotiators envoys leaders"
    ).split()
)
_MIN_GROUNDING_WORD = 3


def tidy(summary: ArticleSummary, article: str) -> ArticleSummary:
    text = normalize(article)
    article_words = set(text.split())

    def grounded(name: str) -> bool:
        """Some word of the name (or a stem of it, "Iran" for "Iranian") is in the article."""
        words = [w for w in normalize(name).split() if len(w) >= _MIN_GROUNDING_WORD]
        return any(w in article_words or any(a.startswith(w) for a in article_words) for w in words)

    def person_grounded(name: str) -> bool:
        words = normalize(name).split()
        return bool(words) and words[-1] in article_words

    parties = _dedupe([p for p in summary.parties if grounded(p.name)], lambda p: p.name, prefer_longer=False)
    mediators = _dedupe([m for m in summary.mediators if grounded(m.name)], lambda m: m.name, prefer_longer=False)
    side_names = [p.name for p in parties] + [m.name for m in mediators]
    participants = _dedupe(
        [
            p
            for p in summary.participants
            if person_grounded(p.name)
            and not _is_group(p.name)
            and not any(name_matches(p.name, [other]) for other in side_names)
        ],
        lambda p: p.name,
        prefer_longer=True,
    )
    topics = _dedupe([t for t in summary.topics if t.label.strip()], lambda t: t.label, fuzzy=False)
    # A dispute has two sides: an answer that cannot name both is not one.
    claims = [c for c in map(_untangle, summary.disputed_claims) if c.claim.strip() and c.claimed_by and c.disputed_by]
    return summary.model_copy(
        update={
            "parties": parties,
            "participants": participants,
            "mediators": mediators,
            "topics": [Topic(label=t.label.strip(), detail=t.detail.strip()) for t in topics],
            "disputed_claims": claims,
        }
    )


def _is_group(name: str) -> bool:
    return any(word in _GROUP_WORDS for word in normalize(name).split())


def _dedupe(items: list[T], name_of: Callable[[T], str], *, fuzzy: bool = True, prefer_longer: bool = False) -> list[T]:
    """Keep one item per entity, the first mention unless ``prefer_longer`` and a later one is fuller.

    People are best kept by their fullest name ("Ramin Mamedov" over "Mamedov"); sides by
    their shortest ("Hamas" over "Hamas delegation").
    """
    kept: list[T] = []
    for item in items:
        name = normalize(name_of(item))
        if not name:
            continue
        for index, existing in enumerate(kept):
            other = normalize(name_of(existing))
            same = name == other or (fuzzy and name_matches(name_of(item), [name_of(existing)]))
            nested = contains_words(name, other) or contains_words(other, name)
            if same or (fuzzy and nested):
                if (len(name) > len(other)) == prefer_longer and len(name) != len(other):
                    kept[index] = item
                break
        else:
            kept.append(item)
    return kept


def _untangle(claim: DisputedClaim) -> DisputedClaim:
    """Nobody disputes their own claim: drop claimants who are also listed as disputers."""
    disputers = {normalize(n) for n in claim.disputed_by}
    claimed_by = [n for n in claim.claimed_by if normalize(n) not in disputers]
    return claim.model_copy(update={"claimed_by": claimed_by})
