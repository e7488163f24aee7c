"""Comparing names of people and organisations, as written by different hands.

Names are compared after normalisation (NFKD, accents dropped, casefolded,
punctuation to spaces). Two names match when they are equal, when one holds
the other as whole words and is at most four words longer, or when
rapidfuzz's ``token_sort_ratio`` is at least 90 (not ``token_set_ratio``,
which scores "Kim" equal to "Kim Jong Un").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz

__all__ = ["contains_words", "fold", "name_matches", "normalize"]

_FUZZY_THRESHOLD = 90
_MAX_EXTRA_WORDS = 4
_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)


# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)


def fold(text: str) -> str:
    """Accents dropped, casefolded; what is left of each character keeps its position's meaning."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalize(text: str) -> str:
    """NFKD, accents dropped, casefolded, punctuation to spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_PUNCTUATION.sub(" ", stripped.casefold()).split())


def contains_words(text: str, words: str) -> bool:
    """Whether normalised ``words`` occur in normalised ``text`` as whole words."""
    return bool(words) and f" {words} " in f" {text} "


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
