"""Comparing names of people and organisations, as written by different hands.

Names are compared after normalisation (``text.normalize``: accents dropped,
casefolded, punctuation to spaces). Two names match when they are equal, when one holds
the other as whole words and is at most four words longer, or when
rapidfuzz's ``token_sort_ratio`` is at least 90 (not ``token_set_ratio``,
which scores "Kim" equal to "Kim Jong Un").
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz

from .text import contains_words, normalize

__all__ = ["name_matches", "same_name", "same_side"]

_FUZZY_THRESHOLD = 90
_MAX_EXTRA_WORDS = 4


def _normalized_match(prediction: str, alias: str) -> bool:
    if not prediction or not alias:
        return False
    if prediction == alias:
        return True
    extra = len(prediction.split()) - len(alias.split())
    if 0 <= extra <= _MAX_EXTRA_WORDS and contains_words(prediction, alias):
        return True
    return fuzz.token_sort_ratio(prediction, alias) >= _FUZZY_THRESHOLD


def name_matches(prediction: str, aliases: Sequence[str]) -> bool:
    """Whether ``prediction`` names the entity whose acceptable names are ``aliases``."""
    p = normalize(prediction)
    return any(_normalized_match(p, normalize(a)) for a in aliases)


def same_name(one: str, other: str) -> bool:
    """One entity under two spellings, either way round ("Ostrand foreign ministry" and "Ostrand")."""
    return name_matches(one, [other]) or name_matches(other, [one])


# How English forms a demonym from a country's name: "Velmora" -> "Velmoran", "Iraq" -> "Iraqi", "Kenya"
# -> "Kenyan", "China" -> "Chinese", "Oman" -> "Omani". Rules, not a list: "Niger" and "Nigerian" pass too.
_DEMONYM_ENDINGS = frozenset({"n", "an", "ian", "ean", "i", "ese", "ish", "ic"})
_MIN_COUNTRY_LETTERS = 4
_DETERMINERS = frozenset({"the", "a", "an"})


def _demonym_of(word: str, country: str) -> bool:
    if len(country) < _MIN_COUNTRY_LETTERS or word == country:
        return False
    stem = country[:-1] if country[-1] in "aeiouy" else country
    return word.startswith(stem) and word[len(stem) :] in _DEMONYM_ENDINGS


def _words(name: str) -> list[str]:
    words = normalize(name).split()
    while words and words[0] in _DETERMINERS:
        words = words[1:]
    return words


def same_side(one: str, other: str) -> bool:
    """One side under two names: two spellings of one entity (``same_name``), or a one-word country and a
    body its demonym opens, after the words both names open with ("Velmora" and "the Velmoran government",
    "South Ostrand" and "the South Ostrandi army"). Two people ("Julia Brook", "Julian Smith") never are."""
    if same_name(one, other):
        return True
    first, second = _words(one), _words(other)
    while first and second and first[0] == second[0]:
        first, second = first[1:], second[1:]
    if not first or not second:
        return False
    return (len(first) == 1 and _demonym_of(second[0], first[0])) or (
        len(second) == 1 and _demonym_of(first[0], second[0])
    )
