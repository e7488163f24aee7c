"""Readers: code that reads an article's wording and offers what it finds to the pipeline.

A reader never decides that a pass is skipped or an item dropped; it offers
evidence (passages that carry a denial, the actors they name, who their
wording casts as claimant or denier, the people its wording puts in the
meeting, the subjects it says were discussed) and the pipeline decides. Each
language with a reader has its wording as data; an article in any other
language gets the model-only reader, which offers nothing, so the model reads
it alone. The article's language is detected with py3langid unless given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import py3langid
import regex

from ..text import sentences
from . import _english
from ._evidence import Attribution, RoleCues
from ._instructions import instruction_passages, withhold
from ._passages import cue_passages, denial_cues

__all__ = ["AUTO", "EnglishReader", "ModelOnlyReader", "Reader", "Reading", "detect_language", "read", "reader_for"]

#: The ``language`` setting that asks for detection.
AUTO = "auto"


class Reader(Protocol):
    """What a language's reader can find in an article's wording."""

    name: str
    #: Whether finding nothing means something: a reader that reads the wording and finds no denial cue
    #: says the article has none; the model-only reader finds nothing because it does not look.
    reads_wording: bool

    def dispute_passages(self, article: str) -> list[tuple[str, ...]]:
        """Passages (as tuples of sentences) whose wording may carry a denial, in article order."""
        ...

    def actors(self, passages: Sequence[tuple[str, ...]], article: str) -> list[str]:
        """The actors the passages name, spelled as the article does."""
        ...

    def role_cues(self, passage: tuple[str, ...], actors: Sequence[str]) -> RoleCues:
        """Which actors the passage's wording casts as claimant or denier."""
        ...

    def claim_sources(self, article: str) -> list[Attribution]:
        """The sentences whose wording names who stated or reported what they say, in article order."""
        ...

    def meeting_people(self, article: str) -> list[str]:
        """People the article's wording puts in the meeting."""
        ...

    def agenda_phrases(self, article: str) -> list[str]:
        """Subjects the article says were discussed, in its own words."""
        ...

    def mediator_candidates(self, article: str) -> list[str]:
        """Actors the wording casts as a third party to talks ("X-brokered", "hosted by X"), for the model
        to confirm."""
        ...


class EnglishReader:
    """English news wording: denial cues, attribution, meeting and agenda phrases (``english.toml``)."""

    name = "english"
    reads_wording = True

    def dispute_passages(self, article: str) -> list[tuple[str, ...]]:
        return _english.dispute_passages(article)

    def actors(self, passages: Sequence[tuple[str, ...]], article: str) -> list[str]:
        return _english.actor_mentions(passages, article)

    def role_cues(self, passage: tuple[str, ...], actors: Sequence[str]) -> RoleCues:
        return _english.role_cues(passage, actors)

    def claim_sources(self, article: str) -> list[Attribution]:
        return _english.claim_sources(article)

    def meeting_people(self, article: str) -> list[str]:
        return _english.meeting_people(article)

    def agenda_phrases(self, article: str) -> list[str]:
        return _english.topic_phrases(article)

    def mediator_candidates(self, article: str) -> list[str]:
        return _english.mediator_candidates(article)


class ModelOnlyReader:
    """Any language without a full reader: the model reads the article; code only points the disputes pass
    at the sentences with a denial cue, for the languages ``denials.toml`` lists."""

    name = "model-only"
    reads_wording = False

    def __init__(self, language: str = "") -> None:
        self.language = language

    def dispute_passages(self, article: str) -> list[tuple[str, ...]]:
        cues = denial_cues(self.language) if self.language else None
        return cue_passages(article, cues.search) if cues is not None else []

    def actors(self, passages: Sequence[tuple[str, ...]], article: str) -> list[str]:
        return []

    def role_cues(self, passage: tuple[str, ...], actors: Sequence[str]) -> RoleCues:
        return RoleCues(frozenset(), frozenset())

    def claim_sources(self, article: str) -> list[Attribution]:
        return []

    def meeting_people(self, article: str) -> list[str]:
        return []

    def agenda_phrases(self, article: str) -> list[str]:
        return []

    def mediator_candidates(self, article: str) -> list[str]:
        return []


_READERS: dict[str, Reader] = {"en": EnglishReader()}


def reader_for(language: str) -> Reader:
    """The reader for an ISO 639-1 language code; the model-only reader for a language without one."""
    return _READERS.get(language.lower()) or ModelOnlyReader(language.lower())


# Capitalised words are mostly names, which belong to no language: "Velmora and Ostrand met in Karsvik"
# reads as Swedish with them and as English without.
_CAPITALISED = regex.compile(r"\b\p{Lu}[\p{L}\p{M}’'\-]*")
_MIN_LETTERS = 10


def detect_language(article: str) -> str:
    """The article's language as an ISO 639-1 code: py3langid's guess (97 languages) from its words other
    than capitalised ones, or from all of them when too few are left."""
    words = _CAPITALISED.sub(" ", article)
    sample = words if sum(ch.isalpha() for ch in words) >= _MIN_LETTERS else article
    language, _score = py3langid.classify(sample)
    return str(language)


@dataclass(frozen=True)
class Reading:
    """What the reader found in one article: built once, passed to every pass and repair step."""

    #: The article as the model sees it (``text.clean``), passages addressed to an AI system blanked.
    article: str
    language: str
    reader: str
    reads_wording: bool
    sentences: tuple[str, ...]
    #: Passages whose wording may carry a denial, and the actors they name.
    passages: tuple[tuple[str, ...], ...]
    actors: tuple[str, ...]
    #: For each passage, whom its wording casts as claimant and as denier.
    cues: tuple[RoleCues, ...]
    #: Sentences whose wording names a statement's source ("X said", "according to X"), anywhere in the
    #: article: where a claim denied in a passage may have been made.
    attributions: tuple[Attribution, ...]
    #: People the wording puts in the meeting; subjects it says were discussed.
    people: tuple[str, ...]
    agenda: tuple[str, ...]
    #: Actors the wording casts as a third party to the talks: candidates, not mediators.
    third_parties: tuple[str, ...] = ()
    #: ``[start, end)`` of each passage withheld from the model because it addresses an AI system.
    withheld: tuple[tuple[int, int], ...] = ()


def read(article: str, language: str = AUTO) -> Reading:
    """Read ``article`` (already cleaned) with the reader for ``language`` (``"auto"``: detected).

    Passages that address an AI system are blanked first, at the same offsets, whatever the language.
    """
    withheld = instruction_passages(article)
    article = withhold(article, withheld)
    language = detect_language(article) if language == AUTO else language.lower()
    reader = reader_for(language)
    passages = reader.dispute_passages(article)
    actors = reader.actors(passages, article)
    return Reading(
        article=article,
        language=language,
        reader=reader.name,
        reads_wording=reader.reads_wording,
        sentences=tuple(sentences(article)),
        passages=tuple(passages),
        actors=tuple(actors),
        cues=tuple(reader.role_cues(passage, actors) for passage in passages),
        attributions=tuple(reader.claim_sources(article)) if passages else (),
        people=tuple(reader.meeting_people(article)),
        agenda=tuple(reader.agenda_phrases(article)),
        third_parties=tuple(reader.mediator_candidates(article)),
        withheld=tuple(withheld),
    )
