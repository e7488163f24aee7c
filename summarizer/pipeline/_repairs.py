"""Repair steps: what a careful editor fixes in a model's summary without re-reading the article.

Each step is ``(summary, reading) -> summary`` and is declared, with a name,
by the strategy that uses it (``_strategies``), so it can be switched off for
an ablation. Small models repeat an entity under two spellings, list a
delegation as a "person", put the mediator among the participants, swap who
claims and who denies, or give one broad topic for several subjects. Steps
that remove an item list it in the summary's ``dropped`` with the reason;
``align_roles``, ``add_participants`` and ``add_topics`` take the reader's
evidence (``reading``) over the model's answer, or add what it left out. Each
rule is generic: no names or phrases from any article.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import babel
import regex
from pydantic import BaseModel

from .._names import name_matches, same_name, same_side
from .._schema import (
    MAX_CLAIM_ACTORS,
    MAX_ITEMS,
    MAX_PEOPLE,
    ArticleSummary,
    DisputedClaim,
    DroppedItem,
    DropReason,
    Evidence,
    Mediator,
    MediatorKind,
    Participant,
    Party,
    Topic,
)
from ..reading import Reading, english
from ..text import contains_words, normalize, written_without_spaces

__all__ = [
    "add_participants",
    "add_topics",
    "align_roles",
    "credit_sources",
    "dedupe",
    "mediator_kind",
    "mediator_kinds",
    "names_talks",
    "people_only",
    "place_name",
    "place_not_a_side",
    "topic_words",
    "two_sided_claims",
]

T = TypeVar("T", bound=BaseModel)

# English words that make a name a group ("delegation", "ministry"), applied to every language as a
# default: the model-only reader has no list of its own, and these rarely spell a person's name.
_LEXICON = english()


class Removals:
    def __init__(self) -> None:
        self.dropped: list[DroppedItem] = []

    def drop(self, field: str, item: BaseModel, reason: DropReason, detail: str) -> None:
        self.dropped.append(DroppedItem(field=field, item=item.model_dump(mode="json"), reason=reason, detail=detail))

    def applied(self, summary: ArticleSummary, **updates: Any) -> ArticleSummary:
        """``summary`` with ``updates`` and the removals appended to its ``dropped``."""
        return summary.model_copy(update={**updates, "dropped": [*summary.dropped, *self.dropped]})


def people_only(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """Drop participants that are not one named person.

    A group ("the Velmoran delegation"), a description ("a company spokesman":
    cased letters, none a capital; scripts without case are never judged so),
    or a side or mediator under another spelling.
    """
    removals = Removals()
    side_names = [p.name for p in summary.parties] + [m.name for m in summary.mediators]
    people = []
    for person in summary.participants:
        if _LEXICON.names_a_group(person.name):
            removals.drop(
                "participants", person, DropReason.not_a_person, f"{person.name!r} names a group, not a person"
            )
        elif person.name == person.name.lower() != person.name.upper():
            removals.drop("participants", person, DropReason.not_a_person, f"{person.name!r} is not a name")
        elif any(name_matches(person.name, [other]) for other in side_names):
            removals.drop(
                "participants", person, DropReason.mediator_or_side, f"{person.name!r} is listed as a side or mediator"
            )
        else:
            people.append(person)
    return removals.applied(summary, participants=people)


def dedupe(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """Keep one item per entity.

    Sides and mediators by their shortest name, people by their fullest,
    topics by their exact label; names, sides and labels trimmed (a model may write " opposition").
    A claim's claimants and deniers each name an actor once: a small model, held to the passage's
    actors by the grammar, may pick the same one twice ("Velmoran", "Velmoran").
    """
    removals = Removals()
    parties = _dedupe("parties", _trimmed(summary.parties), lambda p: p.name, removals, prefer_longer=False)
    mediators = _dedupe("mediators", _trimmed(summary.mediators), lambda m: m.name, removals, prefer_longer=False)
    participants = _dedupe(
        "participants", _trimmed(summary.participants), lambda p: p.name, removals, prefer_longer=True
    )
    topics = _dedupe("topics", summary.topics, lambda t: t.label, removals, fuzzy=False)
    return removals.applied(
        summary,
        parties=parties,
        mediators=mediators,
        participants=participants,
        topics=[t.model_copy(update={"label": t.label.strip(), "detail": t.detail.strip()}) for t in topics],
        disputed_claims=[
            c.model_copy(
                update={
                    "claimed_by": _distinct(c.claimed_by),
                    "disputed_by": _distinct(c.disputed_by),
                }
            )
            for c in summary.disputed_claims
        ],
    )


def _distinct(names: list[str]) -> list[str]:
    """``names`` trimmed, each spelling once (compared normalised), in order. Only the same spelling: two
    names of one entity ("Velmora", "Velmora's ministry") may each match a different way of naming it."""
    kept: dict[str, str] = {}
    for name in (n.strip() for n in names):
        kept.setdefault(normalize(name) or name, name)
    return list(kept.values())


_Named = TypeVar("_Named", Party, Participant, Mediator)


def _trimmed(items: list[_Named]) -> list[_Named]:
    trimmed = []
    for item in items:
        update: dict[str, str] = {"name": item.name.strip()}
        if isinstance(item, Participant) and item.side is not None:
            update["side"] = item.side.strip()
        trimmed.append(item.model_copy(update=update))
    return trimmed


def two_sided_claims(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """Drop claims without two sides.

    Nobody disputes their own claim, and a claim without a claimant and a
    denier is not a dispute.
    """
    removals = Removals()
    claims = []
    for claim in map(_untangle, summary.disputed_claims):
        if claim.claim.strip() and claim.claimed_by and claim.disputed_by:
            claims.append(claim)
        else:
            removals.drop(
                "disputed_claims", claim, DropReason.incomplete_claim, "the claim lacks a claimant or a denier"
            )
    return removals.applied(summary, disputed_claims=claims)


def _dedupe(
    field: str,
    items: list[T],
    name_of: Callable[[T], str],
    removals: Removals,
    *,
    fuzzy: bool = True,
    prefer_longer: bool = False,
) -> list[T]:
    """Keep one item per entity, the first mention unless ``prefer_longer`` and a later one is fuller.

    People are best kept by their fullest name ("Anton Keller" over "Keller"); sides by
    their shortest ("Velmora" over "Velmora delegation").
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
    claimed_by = [name for name in claim.claimed_by if not any(same_name(name, o) for o in claim.disputed_by)]
    return claim.model_copy(update={"claimed_by": claimed_by})


def align_roles(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """Let the passages' wording settle who claims and who denies.

    Each passage is read against the claim it shares most words with. A small
    model often swaps the two sides, names the same side twice, or names who
    the claim is about ("Velmora agreed...") instead of who made it; the
    wording ("X's report", "X accused", "Y denied") is the better witness.
    """
    claims = summary.disputed_claims
    if not claims:
        return summary
    merged: list[tuple[set[str], set[str]]] = [(set(), set()) for _ in claims]
    texts = [_content_words(" ".join([c.claim, *c.claimed_by, *c.disputed_by])) for c in claims]
    for passage, cue in zip(reading.passages, reading.cues, strict=True):
        words = _content_words(" ".join(passage))
        overlaps = [len(words & text) for text in texts]
        best = max(range(len(claims)), key=lambda i: overlaps[i])
        if overlaps[best] or len(claims) == 1:
            merged[best][0].update(cue.claimants)
            merged[best][1].update(cue.deniers)
    aligned = [_align(claim, *roles) for claim, roles in zip(claims, merged, strict=True)]
    return summary.model_copy(update={"disputed_claims": aligned})


def _align(claim: DisputedClaim, claimants: set[str], deniers: set[str]) -> DisputedClaim:
    def cast(names: list[str], role: set[str]) -> list[str]:
        return [n for n in names if any(same_name(n, r) for r in role)]

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
        claimed_by = sorted(claimants)[:MAX_CLAIM_ACTORS]
    if deniers and not cast(disputed_by, deniers) and not cast(disputed_by, claimants):
        disputed_by = sorted(deniers)[:MAX_CLAIM_ACTORS]
    return claim.model_copy(update={"claimed_by": claimed_by, "disputed_by": disputed_by})


def credit_sources(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """Name the source the article gives for a claim whose claimants nothing in its wording supports.

    The disputes pass sees only the passages that deny, and may answer only with the actors they name;
    where the claim was made elsewhere ("... amid X's claim", "X said last week ...", "according to X"),
    a small model names the denier's own country or the story's most prominent actor. The claim's words
    are those of its text and of its passage, less the deniers' names and the wording of attribution,
    denial and dates. A claimant is supported when a passage's wording casts it as claimant or a sentence
    that shares a claim word names it as a source (``Reading.attributions``); one on a denier's side
    (``same_side``) never is, and is dropped. If no claimant is left supported, the list gives way to the
    sources, other than the deniers, of the sharing sentence nearest the claim's passage (the one sharing
    most among equally near ones); with no such sentence the model's answer stands.
    """
    if not summary.disputed_claims or not reading.attributions:
        return summary
    claims = [_credited(claim, reading) for claim in summary.disputed_claims]
    return summary.model_copy(update={"disputed_claims": claims})


def _credited(claim: DisputedClaim, reading: Reading) -> DisputedClaim:
    def denies(name: str) -> bool:
        return any(same_side(name, denier) for denier in claim.disputed_by)

    said = _content_words(claim.claim)
    passage = max(reading.passages, key=lambda p: len(_content_words(" ".join(p)) & said), default=())
    words = (said | _content_words(" ".join(passage))) - _content_words(" ".join(claim.disputed_by))
    words -= _NOT_CLAIM_WORDS
    at = [index for index, sentence in enumerate(reading.sentences) if sentence in passage]
    sharing = [
        (min((abs(found.index - index) for index in at), default=found.index), -shared, found)
        for found in reading.attributions
        if (shared := len(_content_words(found.sentence) & words))
    ]
    vouched = {name for cue in reading.cues for name in cue.claimants}
    vouched |= {name for _distance, _shared, found in sharing for name in found.sources}
    claimed_by = [name for name in claim.claimed_by if not denies(name)]
    if any(same_name(name, source) for name in claimed_by for source in vouched):
        return claim.model_copy(update={"claimed_by": claimed_by})
    # The claim a denial answers is mostly stated beside it: the sentence before or after, the headline.
    for _distance, _shared, found in sorted(sharing, key=lambda entry: entry[:2]):
        sources = [name for name in found.sources if not denies(name)]
        if sources:
            return claim.model_copy(update={"claimed_by": sources[:MAX_CLAIM_ACTORS]})
    return claim.model_copy(update={"claimed_by": claimed_by or list(claim.claimed_by)})


def add_participants(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """Add the people the wording puts in the meeting ("headed by X") whom the model left out.


    A small model lists "the Velmoran delegation" and leaves out who headed it, or
    names the spokesperson it quotes rather than who met; the wording is read
    by code. ``people_only`` afterwards drops any who are also a side or the mediator.
    """
    participants = list(summary.participants)
    for name in reading.people:
        if len(participants) >= MAX_PEOPLE:
            break
        if not any(same_name(name, p.name) for p in participants):
            participants.append(Participant(name=name, role=None, side=None))
    return summary.model_copy(update={"participants": participants})


def add_topics(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """Add the subjects the article says were discussed ("discussed X, Y and Z") or the talks were for ("talks
    aimed at X") that no topic covers.


    A small model gives one broad topic where the article lists several
    subjects; each listed subject becomes its own topic, quoted in the
    article's words. A summary that names no talks (no side, participant or
    topic) gets none: the article reports no talks, so nothing was discussed.
    """
    if not names_talks(summary):
        return summary
    topics = list(summary.topics)
    for phrase in reading.agenda:
        if len(topics) >= MAX_ITEMS:
            break
        if not any(_same_subject(phrase, t.label) for t in topics):
            topics.append(Topic(label=phrase, detail=phrase, evidence=Evidence(quote=phrase)))
    return summary.model_copy(update={"topics": topics})


def names_talks(summary: ArticleSummary) -> bool:
    """Whether the summary names talks at all (a side, a participant or a topic): an article that reports
    none had nothing discussed, and gets no topics from code or from the subjects check."""
    return bool(summary.parties or summary.participants or summary.topics)


def _same_subject(one: str, other: str) -> bool:
    """Whether most of the shorter phrase's content words are in the other ("harbour toll" in "the new harbour
    toll"). Stricter than the subjects check's rule (any shared word): an article's list names separate
    subjects that may share a word (see ``_checks._covers``)."""
    words, others = topic_words(one), topic_words(other)
    return bool(words and others) and len(words & others) > min(len(words), len(others)) / 2


def topic_words(text: str) -> set[str]:
    return _content_words(text) - _LINKING_WORDS


_LINKING_WORDS = _LEXICON.linking_words
# Words that say who said or denied something, or when, rather than what: no sign that two sentences
# state the same claim.
_NOT_CLAIM_WORDS = (
    _LINKING_WORDS
    | _LEXICON.attribution_verbs
    | _LEXICON.deny_verbs
    | _LEXICON.denial_words
    | _LEXICON.report_nouns
    | _LEXICON.date_words
)


def _content_words(text: str) -> set[str]:
    return {w for w in normalize(text).split() if len(w) > 3}


def mediator_kinds(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """Each mediator's kind from its name, where the name settles it.

    A country's name is a state, and a name with a group word ("command", "ministry") is not a person. A
    small model types commands "person" and countries "person". The weaker rule for a new mediator (two
    or more words read as a person's name) does not overrule the model: "Arab League", "Egypt and Qatar".
    """
    mediators = []
    for mediator in summary.mediators:
        kind = mediator_kind(mediator.name)
        settled = kind is MediatorKind.state or (
            kind is MediatorKind.organization and mediator.kind is MediatorKind.person
        )
        mediators.append(mediator.model_copy(update={"kind": kind}) if settled else mediator)
    return summary.model_copy(update={"mediators": mediators})


# Words in lower case after a place's last capitalised word that make a clause about the place ("... Ada
# Brook in a bid to end the row"), not part of its name; a few may be part of it ("Kent house", "U.S. embassy
# in the capital"). Among the 51 distinct places the 1.5B named in the dev-set eval runs of 6-7 December 2026,
# any minimum from 2 to 10 cuts the same two (clauses of 6 and 10 words), and no right place there ends in
# more than one lower-case word; 5, inside that range, also leaves whole the longer venue descriptions those
# runs happened not to hold.
_CLAUSE_MIN_WORDS = 5
_WORD = regex.compile(r"\S+")


def place_name(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """The meeting's place as a name, without the clause a small model copies on after it.

    Asked for the place, a small model sometimes copies the rest of the sentence ("Harbour Hall, Pier Road,
    St Anne, in full view of the press"), which names no place the eval or a
    reader can use. Code cuts (``_clause_start``) what letter case marks as a clause; the value is otherwise
    kept as the model spelled it, and ``meeting-place`` and grounding then judge the cut value.
    """
    place = summary.meeting.location
    cut = _clause_start(place) if place else None
    if place is None or cut is None:
        return summary
    meeting = summary.meeting.model_copy(update={"location": place[:cut].rstrip(" ,;:")})
    return summary.model_copy(update={"meeting": meeting})


def _clause_start(place: str) -> int | None:
    """Where the clause after a place's name begins, or None when letter case marks none.

    A clause is a comma-separated tail that begins in lower case and holds no capital letter ("Nairobi,
    where the talks began"; not "Genève, palais des Nations", whose tail names a place), or
    ``_CLAUSE_MIN_WORDS`` or more words in lower case after the last word that holds a capital ("... Ada
    Brook in a bid to end the row"; a particle such as "el-" or "al-" counts as part of a capitalised word).
    Nothing is cut where the name left would open a bracket or quote it does not close, or where there is no
    capital to mark a name: scripts without letter case (Chinese, Arabic, Thai) keep their value whole, and
    so does "the town hall". What the rule cannot tell is where a lower-case head noun ends and the clause
    begins: "Union headquarters in a bid to end the row" keeps only "Union", which ``meeting-place`` then drops
    as a side's name where that is how a side's name opens.
    """
    words = [(match.start(), match.group()) for match in _WORD.finditer(place)]
    if not any(_has_capital(word) for _, word in words):
        return None
    cut: int | None = None
    for comma in (index for index, char in enumerate(place) if char == ","):
        tail = [word for start, word in words if start > comma and _has_letter(word)]
        if tail and all(_lower_case(word) for word in tail):
            cut = comma
            break
    if cut is None:
        last = max(index for index, (_, word) in enumerate(words) if _has_capital(word))
        tail = [word for _, word in words[last + 1 :] if _has_letter(word)]
        if len(tail) >= _CLAUSE_MIN_WORDS and all(_lower_case(word) for word in tail):
            start, word = words[last]
            cut = start + len(word)
    if cut is None or not _balanced(place[:cut]):
        return None
    return cut


def _has_letter(word: str) -> bool:
    return any(char.isalpha() for char in word)


def _has_capital(word: str) -> bool:
    return any(char.isupper() for char in word)


def _lower_case(word: str) -> bool:
    """Whether a word's letters are all lower case (an uncased letter, as in Chinese, is not)."""
    letters = [char for char in word if char.isalpha()]
    return bool(letters) and all(char.islower() for char in letters)


def _balanced(text: str) -> bool:
    """Whether ``text`` closes every bracket and quote it opens."""
    pairs = (("(", ")"), ("[", "]"), ("«", "»"))
    return all(text.count(open_) <= text.count(close) for open_, close in pairs) and text.count('"') % 2 == 0


def place_not_a_side(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """A meeting place that names one of the sides is the side, not where the talks were held: dropped.

    A small model fills the place with a side's own name ("Cameroon", "Brighton and Hove City Council")
    or the place word that opens it ("Akron" for "Akron Education Association"), where the article names no
    venue. The place is dropped when it is a side's whole name or the words that open it; never by a fuzzy
    match, so "10 Downing Street" stays beside a side "Downing Street". A place that ends a side's name
    ("Valdeluz" in "Sindicato de Estibadores de Valdeluz") or holds it ("the headquarters of the union")
    stays: an organisation of a place often meets there. In a script written without spaces only the whole
    name counts, since there a run of characters is no word ("東京" opens "東京電力").

    Code does not read the article here: a side named by its capital ("Beijing") whose talks were held in
    that capital loses a right place. The meeting prompt asks for sides as states, and no dev run's answers
    named a side so; replayed, the place was right in 18 -> 20 of half A and 21 -> 22 of half B (the
    baseline run's answers), 20 -> 22 and 19 -> 21 (the last CI run's).
    """
    place = normalize(summary.meeting.location or "")
    if not place or not any(_names_side(normalize(party.name), place) for party in summary.parties):
        return summary
    dropped = DroppedItem(
        field="meeting",
        item={"location": summary.meeting.location},
        reason=DropReason.mediator_or_side,
        detail=f"{summary.meeting.location!r} names one of the sides, not where the talks were held",
    )
    meeting = summary.meeting.model_copy(update={"location": None, "location_evidence": None})
    return summary.model_copy(update={"meeting": meeting, "dropped": [*summary.dropped, dropped]})


def _names_side(side: str, place: str) -> bool:
    """Whether a place (normalised) is a side's name (normalised) or the whole words that open it."""
    if side == place:
        return True
    return not written_without_spaces(side) and side.startswith(f"{place} ")


def mediator_kind(name: str) -> MediatorKind | None:
    """A state if the name is a country's (CLDR's English names of ISO territories); a body if its words name
    a group ("command", "ministry"); a person if it is two or more words otherwise; None for one word that
    is no country, which code cannot tell."""
    if name in _country_names() or name.removeprefix("the ") in _country_names():
        return MediatorKind.state
    words = name.split()
    if _LEXICON.names_a_group(name) or set(words) & _LEXICON.not_person_words:
        return MediatorKind.organization
    return MediatorKind.person if len(words) > 1 else None


@cache
def _country_names() -> frozenset[str]:
    """CLDR's English names of the territories with a two-letter code, less those that are not states."""
    territories = babel.Locale("en").territories
    return frozenset(
        name for code, name in territories.items() if len(code) == 2 and code.isalpha() and code not in _NOT_STATES
    )


# CLDR codes of territories that are not states: the EU, the euro area, the UN, "outlying Oceania", unknown.
_NOT_STATES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})
