"""Comparison keys: how two spellings of the same words are made equal.

``fold`` drops accents and case; ``normalize`` also turns punctuation
(quotes, dashes, apostrophes) into spaces and collapses them, for comparing
names word by word; ``letters_with_origin`` keeps only letters and digits,
each with its index in the text, for locating a quote whatever its spacing
and punctuation. Invisible format characters (soft hyphens, zero-width
spaces) never split a word.
"""

from __future__ import annotations

import unicodedata

import regex

__all__ = ["contains_words", "fold", "letters_with_origin", "normalize", "written_without_spaces"]

# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)
_PUNCTUATION = regex.compile(r"[^\p{L}\p{N}\p{M}\s]|_")
# Marks a reader may drop without changing the word: accents on Latin, Greek and Cyrillic letters, and the
# optional vowel points of Hebrew and Arabic. Not the vowel signs of Indic scripts or Thai, nor Japanese
# voicing marks: dropping those turns one word into another.
_OPTIONAL_MARKS = regex.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u0591-\u05c7\u064b-\u065f\u0670]"
)


def _visible(text: str) -> str:
    # Format characters (Cf: soft hyphen, zero-width space and joiners, BOM) are not part of any word's spelling.
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf") if not text.isascii() else text


def fold(text: str) -> str:
    """Accents dropped, casefolded; what is left of each character keeps its position's meaning."""
    decomposed = unicodedata.normalize("NFKD", _visible(text).translate(_UNDECOMPOSED))
    return _OPTIONAL_MARKS.sub("", decomposed).casefold()


def normalize(text: str) -> str:
    """``fold``, then punctuation to spaces, spaces collapsed: "Sørum-Baptiste's" -> "sorum baptiste s"."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())


# Scripts written without spaces between words: a name is found inside a run of them, not between spaces.
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]")


def written_without_spaces(text: str) -> bool:
    """Whether ``text`` holds a script that does not separate its words with spaces (Chinese, Japanese, Thai...)."""
    return _UNSPACED.search(text) is not None


def contains_words(text: str, words: str) -> bool:
    """Whether normalised ``words`` occur in normalised ``text`` as whole words (in a script written without
    spaces, anywhere in the text)."""
    if not words:
        return False
    return words in text if written_without_spaces(words) else f" {words} " in f" {text} "


def letters_with_origin(text: str) -> tuple[str, list[int]]:
    """The letters and digits of ``text``, folded, with each one's index in ``text``."""
    letters: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            if char.isalnum():
                letters.append(char.lower())
                origin.append(index)
            continue
        for part in fold(char):
            if part.isalnum() or unicodedata.category(part)[0] == "M":
                letters.append(part)
                origin.append(index)
    return "".join(letters), origin
