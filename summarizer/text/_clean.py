"""The article as the model and the readers see it, with a map back to the article as given.

Real copy carries characters that mean nothing to a reader but break a
reader's code or a model's JSON: CRLF line ends, lines hard-wrapped at a
fixed width (a name broken across two lines), soft hyphens and zero-width
characters inside a word, tabs, vertical tabs and form feeds from Word or PDF
exports, no-break spaces, and accents typed as combining marks (NFD).
``clean`` removes or replaces them and composes accents (NFC), grapheme
cluster by grapheme cluster, and keeps for every character it outputs the
cluster of the original it came from. A span found in the clean text maps back
to a span of the original that never cuts a character a reader sees as one.

Joiners that change meaning stay: the zero-width joiner inside an emoji
sequence, and the zero-width non-joiner of Persian and Indic scripts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

__all__ = ["CleanText", "clean"]

# Invisible characters that only hint at layout: soft hyphen, zero-width space, word joiner, byte-order
# mark (a stray U+FEFF mid-text is a zero-width no-break space), Mongolian vowel separator.
_INVISIBLE = frozenset("\u00ad\u200b\u2060\ufeff\u180e")
_LINE_BREAKS = {"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n"}
_GRAPHEME = regex.compile(r"\X")
# A hard-wrapped paragraph: every line but its last fills most of a fixed width of at most this many characters.
_MAX_WRAP_WIDTH = 100
_MIN_WRAP_WIDTH = 40
_WRAP_FILL = 0.6
# A paragraph: consecutive lines that are not blank.
_PARAGRAPH = regex.compile(r"(?:^[^\n]*\S[^\n]*(?:\n|$))+", regex.MULTILINE)


@dataclass(frozen=True)
class CleanText:
    """``text``: the cleaned article; ``original``: the article as given.

    ``starts[i]``/``ends[i]`` are the original ``[start, end)`` of the
    grapheme cluster that clean character ``i`` came from.
    """

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` (code points) of the clean span ``[start, end)``; whole clusters only."""
        if not self.text:
            return 0, 0
        start = min(max(start, 0), len(self.text) - 1)
        end = min(max(end, start + 1), len(self.text))
        return self.starts[start], self.ends[end - 1]

    @property
    def changed(self) -> bool:
        return self.text != self.original


def clean(original: str) -> CleanText:
    """The article with line ends, invisible characters, odd spaces and hard wraps made plain, in NFC."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for cluster in _GRAPHEME.finditer(original):
        start, end = cluster.span()
        for char in _plain(cluster.group()):
            chars.append(char)
            starts.append(start)
            ends.append(end)
    joins = _wrapped_line_breaks("".join(chars))
    kept = [i for i in range(len(chars)) if joins.get(i) != ""]
    text = "".join(joins.get(i, chars[i]) for i in kept)
    return CleanText(original, text, tuple(starts[i] for i in kept), tuple(ends[i] for i in kept))


def _plain(cluster: str) -> str:
    """One grapheme cluster as it should read: composed, invisible parts removed, any space a plain one."""
    if cluster in ("\r\n", "\r"):
        return "\n"
    if cluster in _LINE_BREAKS:
        return _LINE_BREAKS[cluster]
    kept = "".join(ch for ch in cluster if ch not in _INVISIBLE)
    if not kept:
        return ""
    first = kept[0]
    if first != "\n" and (first.isspace() or unicodedata.category(first) == "Cc"):
        return " "  # tabs, vertical tabs, form feeds, no-break and narrow spaces, stray control characters
    return unicodedata.normalize("NFC", kept)


def _wrapped_line_breaks(text: str) -> dict[int, str]:
    """What each line break inside a hard-wrapped paragraph becomes: a space, or nothing after a hyphen
    (so "Merwe-" + "Lind" reads "Merwe-Lind"). A paragraph is hard-wrapped when every line but its last
    fills most of one fixed width; headlines, datelines and paragraphs of one line are left alone."""
    joins: dict[int, str] = {}
    for paragraph in _PARAGRAPH.finditer(text):
        lines = paragraph.group().rstrip("\n").split("\n")
        if len(lines) < 2:
            continue
        widths = [len(line.rstrip()) for line in lines]
        width = max(widths)
        if not (_MIN_WRAP_WIDTH <= width <= _MAX_WRAP_WIDTH and min(widths[:-1]) >= _WRAP_FILL * width):
            continue
        position = paragraph.start()
        for line in lines[:-1]:
            position += len(line)
            hyphenated = line.endswith("-") and not line.endswith(" -")
            joins[position] = "" if hyphenated else " "
            position += 1
    return joins
