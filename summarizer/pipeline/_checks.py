"""Checks: questions to the model about the summary so far, asked after the repair steps.

Each asks one narrow question that a small model answers better alone than
as one field among many, and code decides what of the answer to keep.

``subjects``: the subjects of the talks, asked on their own as short phrases
copied from the article, when the summary has fewer than two topics. Asked for
the whole meeting at once, a small model gives one broad topic where the
article names several subjects. Code keeps a phrase only if the article has
its words, it names no actor, and no topic covers it.

``mediators``: a free answer turned into a choice. Code lists the model's own
mediators and the actors the reader's wording casts as a third party
("X-brokered", "hosted by X", "X, serving as moderator"), and the model gives
each one a role from an enum: "mediator, side or neither?". A small model
misses half the mediators an article names with such wording, and lists a side
as the mediator. Choosing among a few named candidates costs a few output
tokens each, and cannot name anyone the article does not.
"""

from __future__ import annotations

from pydantic import BaseModel

from .._drafts import Subjects, ThirdPartyRole, roles_model
from .._names import same_name
from .._schema import ArticleSummary, DropReason, Evidence, Mediator, MediatorKind, Party, Topic
from ..reading import Reading
from ..text import contains_words, normalize
from ._repairs import Removals, mediator_kind, names_talks, topic_words
from ._steps import ModelRequest

__all__ = ["add_subjects", "ask_mediators", "ask_subjects", "confirm_mediators"]

# The subjects check tops a summary up to this many topics. A report of talks names a few broad subjects; past
# the first new one, the phrases a small model lists mostly split a subject already given or name a side
# issue (on the dev set, topping up to three lost what two gained).
_TOPPED_UP_TO = 2
# A subject is a short phrase; more words than this is a sentence.
_MAX_SUBJECT_WORDS = 8
# Enough for any article's third parties; each costs a few output tokens.
_MAX_CANDIDATES = 6


def ask_subjects(summary: ArticleSummary, reading: Reading) -> ModelRequest | None:
    """Asks for the subjects of the talks when the summary has fewer than two topics (and names talks)."""
    if len(summary.topics) >= _TOPPED_UP_TO:
        return None  # nothing would be added
    if not names_talks(summary):
        return None
    names = [p.name for p in summary.parties]
    sides = " and ".join(names) if 0 < len(names) <= 3 else "the sides"
    return ModelRequest("subjects", Subjects, {"sides": sides})


def add_subjects(summary: ArticleSummary, reading: Reading, request: ModelRequest, answer: BaseModel) -> ArticleSummary:
    """Adds the answer's phrases, in order, as topics quoted in those words, until the summary has two topics:
    each phrase the article contains, that names no actor and that no topic covers yet. A phrase the
    article does not contain is left out rather than re-asked."""
    article = normalize(reading.article)
    people = [p.name for p in summary.participants] + [m.name for m in summary.mediators]
    actors = {normalize(name) for name in [p.name for p in summary.parties] + people}
    topics = list(summary.topics)
    for phrase in Subjects.model_validate(answer.model_dump()).subjects:
        phrase = " ".join(phrase.split()).strip(" .,;:")
        if len(topics) >= _TOPPED_UP_TO:
            break
        if len(phrase.split()) > _MAX_SUBJECT_WORDS:
            continue  # a sentence copied whole, which a server that ignores the schema's bounds may give
        if not contains_words(article, normalize(phrase)) or _a_name(phrase, actors, reading.language):
            continue  # not the article's words, or an actor's name rather than a subject
        if not any(_covers(t.label, phrase) for t in topics):
            topics.append(Topic(label=phrase, detail=phrase, evidence=Evidence(quote=phrase)))
    return summary.model_copy(update={"topics": topics})


def _a_name(phrase: str, actors: set[str], language: str) -> bool:
    """Whether ``phrase`` is the name of an actor of the summary (normalised) or, in English, is written as a
    name: every word capitalised. A subject may still name a side ("the Ostrand referendum"). German
    capitalises every noun, and most scripts have no capitals: there only the actors' names count."""
    if normalize(phrase) in actors:
        return True
    return language == "en" and all(word[:1].isupper() for word in phrase.split())


def _covers(label: str, phrase: str) -> bool:
    """Whether a topic already listed covers a new phrase: one holds the other's words ("oil" and "oil", in
    scripts without spaces too), or they share a content word. The model's own topic is usually the broadest,
    and a phrase on the same word ("pension scheme" beside "pension reform") repeats it.

    Looser than the agenda-topics repair's rule (most of the shorter phrase's words), on purpose: the model's
    phrases mostly restate its own topic, while the items of an article's own list are separate subjects that
    may share a word ("rail fares", "rail safety"). Measured on the dev set (40 cases), either rule used
    for both steps lost topics: this one in the repair, 0.690 -> 0.687 overall; that one here, 0.690 -> 0.678."""
    one, other = normalize(label), normalize(phrase)
    if contains_words(one, other) or contains_words(other, one):
        return True
    return bool(topic_words(phrase) & topic_words(label))


def ask_mediators(summary: ArticleSummary, reading: Reading) -> ModelRequest | None:
    """Asks, for the model's mediators and the reader's third parties, which mediated, which is a side."""
    if not summary.mediators and not reading.third_parties:
        return None  # nothing says a third party was there
    candidates: list[str] = []
    # Not the sides: asked about them, the 1.5B called most of them mediators. A side the wording casts as a
    # host ("X hosted the other side's envoys") stays a side; the model's own mediators are all asked about.
    sides = [p.name for p in summary.parties]
    offered = [t for t in reading.third_parties if not any(same_name(t, side) for side in sides)]
    for name in [m.name for m in summary.mediators] + offered:
        if not normalize(name):
            continue  # no letters to ask about, nor to tell apart from another candidate
        same = [index for index, other in enumerate(candidates) if same_name(name, other)]
        if not same:
            candidates.append(name)
        elif len(name) > len(candidates[same[0]]):
            candidates[same[0]] = name  # one entity under two names: ask about its fuller name
    if not candidates:
        return None
    candidates = candidates[:_MAX_CANDIDATES]
    listed = "\n".join(f"- {name}" for name in candidates)
    return ModelRequest("mediators", roles_model(tuple(candidates)), {"candidates": listed})


def confirm_mediators(
    summary: ArticleSummary, reading: Reading, request: ModelRequest, answer: BaseModel
) -> ArticleSummary:
    """Mediators as the model's roles say: a confirmed one is listed (and is no longer a participant); a side
    listed as the mediator becomes a side; one that is neither is dropped (``not_a_mediator``)."""
    roles: dict[str, ThirdPartyRole] = answer.model_dump(by_alias=True)
    removals = Removals()
    mediators, parties, participants = list(summary.mediators), list(summary.parties), list(summary.participants)
    for name, role in roles.items():
        listed = [m for m in mediators if same_name(m.name, name)]
        if role == ThirdPartyRole.mediator:
            if not listed:
                mediators.append(Mediator(name=name, kind=mediator_kind(name) or MediatorKind.organization))
            # Sides stay: a host may negotiate for itself too, and is then both.
            for person in [p for p in participants if same_name(p.name, name)]:
                participants.remove(person)
                removals.drop("participants", person, DropReason.mediator_or_side, f"{person.name!r} is the mediator")
            continue
        for mediator in listed:
            mediators.remove(mediator)
            reason = "is one of the sides" if role == ThirdPartyRole.side else "did not mediate these talks"
            removals.drop("mediators", mediator, DropReason.not_a_mediator, f"{mediator.name!r} {reason}")
        if role == ThirdPartyRole.side and listed and not any(same_name(p.name, name) for p in parties):
            parties.append(Party(name=listed[0].name, evidence=listed[0].evidence))
    return removals.applied(summary, mediators=mediators, parties=parties, participants=participants)
