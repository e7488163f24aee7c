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

import itertools
import unicodedata
from dataclasses import dataclass

import regex

from ._normalize import written_without_spaces

__all__ = ["CleanText", "clean"]

# Invisible characters that only hint at layout: soft hyphen, zero-width space, word joiner, byte-order
# mark (a stray U+FEFF mid-text is a zero-width no-break space), Mongolian vowel separator.
_INVISIBLE = frozenset("\u00ad\u200b\u2060\ufeff\u180e")
_LINE_BREAKS = {"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n"}
_GRAPHEME = regex.compile(r"\X")
# A hard-wrapped text: most lines that continue on the next fill most of one width of at most this many characters.
_MAX_WRAP_WIDTH = 100
_MIN_WRAP_WIDTH = 40
_WRAP_FILL = 0.7
_WRAPPED_SHARE = 0.75
# Fewer lines than this cannot tell a fixed width from a headline over a short paragraph.
_MIN_WRAPPED_LINES = 3
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
        start = min(max(start, 0), len(self.text))
        end = min(max(end, start), len(self.text))
        if start == end:  # an empty span stays empty, at the start of its cluster (or the end of the text)
            at = self.starts[start] if start < len(self.text) else len(self.original)
            return at, at
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
    """What each line break inside a hard-wrapped text becomes: a space; nothing after a hyphen (so "Merwe-"
    + "Lind" reads "Merwe-Lind") or between two characters of a script written without spaces.

    A text is hard-wrapped when its lines are cut at one width of at most 100
    characters (no line is longer) and most lines that continue on the next
    line fill it. Only such a line is joined to the next; a headline, a
    dateline or a list item shorter than the width keeps its line break.
    """
    paragraphs = [(p.start(), p.group().rstrip("\n").split("\n")) for p in _PARAGRAPH.finditer(text)]
    continued = [line for _, lines in paragraphs for line in lines[:-1]]
    if len(continued) < _MIN_WRAPPED_LINES:
        return {}
    width = max(len(line.rstrip()) for _, lines in paragraphs for line in lines)
    filled = [line for line in continued if len(line.rstrip()) >= _WRAP_FILL * width]
    if not (_MIN_WRAP_WIDTH <= width <= _MAX_WRAP_WIDTH and len(filled) >= _WRAPPED_SHARE * len(continued)):
        return {}
    joins: dict[int, str] = {}
    for position, lines in paragraphs:
        for line, after in itertools.pairwise(lines):
            position += len(line)
            if len(line.rstrip()) >= _WRAP_FILL * width:
                hyphenated = line.endswith("-") and not line.endswith(" -")
                unspaced = written_without_spaces(line[-1:]) and written_without_spaces(after[:1])
                joins[position] = "" if hyphenated or unspaced else " "
            position += 1
    return joins
