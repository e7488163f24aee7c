"""Deterministic clean-up of a model's summary: what a careful editor would fix without re-reading.

Small models repeat an entity under two spellings, list a delegation or a
country as a "person", put the mediator among the participants, or give a
dispute with only one side. Each rule here is generic (no names or phrases
from any article). ``tidy`` only ever removes or merges items, and lists every
removal in the summary's ``dropped`` with its reason; ``align_roles``,
``add_participants`` and ``add_topics`` take the article's own wording (read
in ``_cues``) over the model's answer or add what it left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel

from ._cues import RoleCues
from ._names import contains_words, name_matches, normalize
from ._schema import (
    MAX_ITEMS,
    MAX_PEOPLE,
    ArticleSummary,
    DisputedClaim,
    DroppedItem,
    DropReason,
    Evidence,
    Participant,
    Topic,
)

__all__ = ["add_participants", "add_topics", "align_roles", "tidy"]

T = TypeVar("T", bound=BaseModel)

# Words that make a "participant" a body rather than a person.
_GROUP_WORDS = frozenset(
    (
        "delegation delegations government governments ministry ministries military army navy forces troops "
        "command team teams side sides representatives officials authorities administration office agency "
        "embassy parliament committee council movement group union coalition press media peacekeepers "
        "negotiators envoys leaders"
    ).split()
)


class _Removals:
    def __init__(self) -> None:
        self.dropped: list[DroppedItem] = []

    def drop(self, field: str, item: BaseModel, reason: DropReason, detail: str) -> None:
        self.dropped.append(DroppedItem(field=field, item=item.model_dump(mode="json"), reason=reason, detail=detail))


def tidy(summary: ArticleSummary) -> ArticleSummary:
    removals = _Removals()
    parties = _dedupe("parties", summary.parties, lambda p: p.name, removals, prefer_longer=False)
    mediators = _dedupe("mediators", summary.mediators, lambda m: m.name, removals, prefer_longer=False)
    side_names = [p.name for p in parties] + [m.name for m in mediators]
    people = []
    for person in summary.participants:
        if _is_group(person.name):
            removals.drop(
                "participants", person, DropReason.not_a_person, f"{person.name!r} names a group, not a person"
            )
        elif not any(character.isupper() for character in person.name):
            # "a company spokesman" describes someone the article does not name.
            removals.drop("participants", person, DropReason.not_a_person, f"{person.name!r} is not a name")
        elif any(name_matches(person.name, [other]) for other in side_names):
            removals.drop(
                "participants", person, DropReason.mediator_or_side, f"{person.name!r} is listed as a side or mediator"
            )
        else:
            people.append(person)
    participants = _dedupe("participants", people, lambda p: p.name, removals, prefer_longer=True)
    topics = _dedupe("topics", summary.topics, lambda t: t.label, removals, fuzzy=False)
    claims = []
    for claim in map(_untangle, summary.disputed_claims):
        # A dispute has two sides: an answer that cannot name both is not one.
        if claim.claim.strip() and claim.claimed_by and claim.disputed_by:
            claims.append(claim)
        else:
            removals.drop(
                "disputed_claims", claim, DropReason.incomplete_claim, "the claim lacks a claimant or a denier"
            )
    return summary.model_copy(
        update={
            "parties": parties,
            "participants": participants,
            "mediators": mediators,
            "topics": [t.model_copy(update={"label": t.label.strip(), "detail": t.detail.strip()}) for t in topics],
            "disputed_claims": claims,
            "dropped": [*summary.dropped, *removals.dropped],
        }
    )


def _is_group(name: str) -> bool:
    return any(word in _GROUP_WORDS for word in normalize(name).split())


def _dedupe(
    field: str,
    items: list[T],
    name_of: Callable[[T], str],
    removals: _Removals,
    *,
    fuzzy: bool = True,
    prefer_longer: bool = False,
) -> list[T]:
    """Keep one item per entity, the first mention unless ``prefer_longer`` and a later one is fuller.

    People are best kept by their fullest name ("Ramin Mamedov" over "Mamedov"); sides by
    their shortest ("Hamas" over "Hamas delegation").
    """
    kept: list[T] = []
    for item in items:
        name = normalize(name_of(item))
        if not name:
            removals.drop(field, item, DropReason.empty, "the item has no name")
            continue
        for index, existing in enumerate(kept):
            other = normalize(name_of(existing))
            same = name == other or (fuzzy and name_matches(name_of(item), [name_of(existing)]))
            nested = contains_words(name, other) or contains_words(other, name)
            if same or (fuzzy and nested):
                if (len(name) > len(other)) == prefer_longer and len(name) != len(other):
                    kept[index], item = item, existing
                removals.drop(field, item, DropReason.duplicate, f"same as {name_of(kept[index])!r}")
                break
        else:
            kept.append(item)
    return kept


def _untangle(claim: DisputedClaim) -> DisputedClaim:
    """Nobody disputes their own claim: drop claimants who are also listed as disputers, under any spelling."""
    claimed_by = [name for name in claim.claimed_by if not any(_same_actor(name, o) for o in claim.disputed_by)]
    return claim.model_copy(update={"claimed_by": claimed_by})


def align_roles(
    claims: list[DisputedClaim], passages: Sequence[tuple[str, ...]], cues: Sequence[RoleCues]
) -> list[DisputedClaim]:
    """Let the passages' wording settle who claims and who denies where the model's answer disagrees with it.

    Each passage is read against the claim it shares most words with. A small
    model often swaps the two sides, names the same side twice, or names who
    the claim is about ("Azerbaijan agreed...") instead of who made it; the
    wording ("X's report", "X accused", "Y denied") is the better witness.
    """
    if not claims:
        return claims
    merged: list[tuple[set[str], set[str]]] = [(set(), set()) for _ in claims]
    texts = [_content_words(" ".join([c.claim, *c.claimed_by, *c.disputed_by])) for c in claims]
    for passage, cue in zip(passages, cues, strict=True):
        words = _content_words(" ".join(passage))
        overlaps = [len(words & text) for text in texts]
        best = max(range(len(claims)), key=lambda i: overlaps[i])
        if overlaps[best] or len(claims) == 1:
            merged[best][0].update(cue.claimants)
            merged[best][1].update(cue.deniers)
    return [_align(claim, *roles) for claim, roles in zip(claims, merged, strict=True)]


def _align(claim: DisputedClaim, claimants: set[str], deniers: set[str]) -> DisputedClaim:
    def cast(names: list[str], role: set[str]) -> list[str]:
        return [n for n in names if any(_same_actor(n, r) for r in role)]

    claimed_by, disputed_by = list(claim.claimed_by), list(claim.disputed_by)
    for name in [n for n in claimed_by if n in disputed_by]:  # one side named twice: the wording decides which
        if cast([name], claimants) and not cast([name], deniers):
            disputed_by.remove(name)
        elif cast([name], deniers) and not cast([name], claimants):
            claimed_by.remove(name)
    supported = cast(claimed_by, claimants) or cast(disputed_by, deniers)
    if not supported and (cast(claimed_by, deniers) or cast(disputed_by, claimants)):
        claimed_by, disputed_by = disputed_by, claimed_by
    if claimants and not cast(claimed_by, claimants) and not cast(claimed_by, deniers):
        claimed_by = sorted(claimants)[:4]
    if deniers and not cast(disputed_by, deniers) and not cast(disputed_by, claimants):
        disputed_by = sorted(deniers)[:4]
    return claim.model_copy(update={"claimed_by": claimed_by, "disputed_by": disputed_by})


def add_participants(summary: ArticleSummary, people: Sequence[str]) -> ArticleSummary:
    """Add the people the article's wording puts in the meeting ("a delegation headed by X") whom the model left out.

    A small model lists "the Hamas delegation" and leaves out who headed it, or
    names the spokesperson it quotes rather than who met; the wording is read
    by code. ``tidy`` afterwards drops any who are also a side or the mediator.
    """
    participants = list(summary.participants)
    for name in people:
        if len(participants) >= MAX_PEOPLE:
            break
        if not any(_same_actor(name, p.name) for p in participants):
            participants.append(Participant(name=name, role=None, side=None))
    return summary.model_copy(update={"participants": participants})


def add_topics(summary: ArticleSummary, phrases: Sequence[str]) -> ArticleSummary:
    """Add the subjects the article says were discussed ("discussed X, Y and Z") that no topic already covers.

    A small model gives one broad topic where the article lists several
    subjects; each listed subject becomes its own topic, quoted in the
    article's words.
    """
    topics = list(summary.topics)
    for phrase in phrases:
        if len(topics) >= MAX_ITEMS:
            break
        if not any(_same_subject(phrase, t.label) for t in topics):
            topics.append(Topic(label=phrase, detail=phrase, evidence=Evidence(quote=phrase)))
    return summary.model_copy(update={"topics": topics})


def _same_subject(one: str, other: str) -> bool:
    """Whether most of the shorter phrase's content words are in the other ("Lachin Corridor")."""
    words, others = _topic_words(one), _topic_words(other)
    return bool(words and others) and len(words & others) > min(len(words), len(others)) / 2


def _topic_words(text: str) -> set[str]:
    return _content_words(text) - _LINKING_WORDS


# Prepositions and pronouns long enough to pass for content words.
_LINKING_WORDS = frozenset("with from that this their there about into over under along within which".split())


def _same_actor(one: str, other: str) -> bool:
    """One actor under two spellings, either way round ("Artsakh foreign ministry" and "Artsakh")."""
    return name_matches(one, [other]) or name_matches(other, [one])


def _content_words(text: str) -> set[str]:
    return {w for w in normalize(text).split() if len(w) > 3}
