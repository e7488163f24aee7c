"""A reader's word lists, loaded from a data file shipped beside it (``english.toml``)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..text import normalize

__all__ = ["Lexicon", "alternation", "english"]


@dataclass(frozen=True)
class Lexicon:
    """The word lists of one language's news wording; see the data file for what each list is for."""

    deny_verbs: frozenset[str]
    denial_words: frozenset[str]
    denial_phrases: frozenset[str]
    refusal_verbs: frozenset[str]
    refused_objects: frozenset[str]
    body_nouns: frozenset[str]
    body_names: frozenset[str]
    group_words: frozenset[str]
    role_nouns: frozenset[str]
    joiners: frozenset[str]
    not_person_joiners: frozenset[str]
    not_actors: frozenset[str]
    titles: frozenset[str]
    not_person_words: frozenset[str]
    place_prepositions: frozenset[str]
    clause_words: frozenset[str]
    clause_verbs: frozenset[str]
    generic_words: frozenset[str]
    linking_words: frozenset[str]
    fused_particles: frozenset[str]
    mediation_verbs: frozenset[str]
    mediation_nouns: frozenset[str]
    report_nouns: frozenset[str]
    report_modifiers: frozenset[str]
    source_nouns: frozenset[str]
    attribution_verbs: frozenset[str]
    date_words: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        with path.open("rb") as file:
            lists = tomllib.load(file)
        return cls(**{name: frozenset(words) for name, words in lists.items()})

    # Lists built from others: each word is written down once.

    @property
    def bodies(self) -> frozenset[str]:
        """Nouns that name a body after a capitalised word ("Velmoran press") or after "the"."""
        return self.body_nouns | self.body_names

    @property
    def groups(self) -> frozenset[str]:
        """Words that make a name a group of people rather than a person."""
        return self.body_nouns | self.group_words

    @property
    def modifier_nouns(self) -> frozenset[str]:
        """Nouns after a capitalised run that make it a modifier rather than a name."""
        return self.bodies | self.role_nouns

    @property
    def name_joiners(self) -> frozenset[str]:
        """Joiners inside a person's name ("Mohammed bin Salman")."""
        return self.joiners - self.not_person_joiners

    def names_a_group(self, name: str) -> bool:
        """Whether a name holds a word that makes it a group of people ("the Velmoran delegation")."""
        return any(word in self.groups for word in normalize(name).split())

    def denial_pattern(self) -> re.Pattern[str]:
        """Any word or phrase that marks a denial, as whole words, any case."""
        return re.compile(
            rf"\b{alternation(self.deny_verbs | self.denial_words | self.denial_phrases)}\b", re.IGNORECASE
        )

    def deny_verb_pattern(self) -> str:
        """A regular expression fragment for one denying verb."""
        return alternation(self.deny_verbs)


def alternation(words: Iterable[str]) -> str:
    """A regular expression fragment for any one of ``words``, the longest tried first."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"


@cache
def english() -> Lexicon:
    return Lexicon.load(Path(__file__).with_name("english.toml"))
