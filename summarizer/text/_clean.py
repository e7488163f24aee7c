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
_WRAPPED_SHARE = 0.6
# Fewer lines than this cannot tell a fixed width from a headline over a short paragraph.
_MIN_WRAPPED_LINES = 3
# A line that is structure, not prose: a table row (a tab, or a run of spaces inside), a quoted reply.
_STRUCTURED = regex.compile(r"^\s*>|.*\t|.*\S {2,}\S")
# A line that starts a block of its own: a list item, a quoted reply, a dateline ("GENEVA (Reuters) -").
_STARTS_BLOCK = regex.compile(
    r"^\s*(?:[-*•–—>]\s|\d{1,3}[.)]\s|\p{Lu}[\p{Lu}\p{M}'’. -]{2,}(?:\s*\([^)]*\))?\s*[-–—,:]\s)|^\s"
)
# A line that stops mid-word or mid-phrase: on a letter, a digit or a hyphen.
_OPEN_END = regex.compile(r"[\p{L}\p{N}\p{M}-]$")
# Chinese and Japanese, with their punctuation: lines of these join without a space.
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef]")
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
        if start == end:  # an empty span stays empty: before the character it precedes, or after the last
            at = self.starts[start] if start < len(self.text) else self.ends[-1]
            return at, at
        return self.starts[start], self.ends[end - 1]


def clean(original: str) -> CleanText:
    """The article with line ends, invisible characters, odd spaces and hard wraps made plain, in NFC."""
    every = range(len(original))
    chars, starts, ends = _replain(original, list(every), [i + 1 for i in every])
    # Removing a character can bring a base letter and a mark together (e + soft hyphen + accent): the
    # clusters of what is left are made plain once more, each spanning the original clusters it came from.
    chars, starts, ends = _replain("".join(chars), starts, ends)
    joins = _wrapped_line_breaks("".join(chars))
    kept = [i for i in range(len(chars)) if joins.get(i) != ""]
    text = "".join(joins.get(i, chars[i]).replace("\t", " ") for i in kept)
    return CleanText(original, text, tuple(starts[i] for i in kept), tuple(ends[i] for i in kept))


def _replain(text: str, starts: list[int], ends: list[int]) -> tuple[list[str], list[int], list[int]]:
    """Each grapheme cluster of ``text`` made plain; every character it gives spans, in the original, from
    the start of the cluster's first character to the end of its last (``starts``/``ends``: per character
    of ``text``)."""
    chars: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    for cluster in _GRAPHEME.finditer(text):
        first, last = cluster.span()
        for char in _plain(cluster.group()):
            chars.append(char)
            new_starts.append(starts[first])
            new_ends.append(ends[last - 1])
    return chars, new_starts, new_ends


def _plain(cluster: str) -> str:
    """One grapheme cluster as it should read: composed, invisible parts removed, any space a plain one
    (a tab stays a tab until the hard wraps are found: it marks a table, not prose)."""
    if cluster in ("\r\n", "\r"):
        return "\n"
    if cluster in _LINE_BREAKS:
        return _LINE_BREAKS[cluster]
    kept = "".join(ch for ch in cluster if ch not in _INVISIBLE)
    if not kept:
        return ""
    first = kept[0]
    if first == "\t":
        return "\t"
    if first != "\n" and (first.isspace() or unicodedata.category(first) == "Cc"):
        return " "  # vertical tabs, form feeds, no-break and narrow spaces, stray control characters
    return unicodedata.normalize("NFC", kept)


def _wrapped_line_breaks(text: str) -> dict[int, str]:
    """What each line break inside hard-wrapped prose becomes: a space; nothing after a hyphen (so "Merwe-"
    + "Lind" reads "Merwe-Lind") or between two characters of Chinese or Japanese.

    A text is hard-wrapped when its lines are cut at one width of at most 100
    characters (no prose line is longer), most lines that continue on the next
    fill that width, and most of them stop mid-sentence (on a letter, a digit
    or a hyphen, or on a comma before a lower-case word). Only a line that fills the width is joined to the
    next, and never to a line that starts a list item, a quoted reply, a table
    row or a dateline ("GENEVA (Reuters) -").
    """
    paragraphs = [(p.start(), p.group().rstrip("\n").split("\n")) for p in _PARAGRAPH.finditer(text)]
    prose = [line.rstrip() for _, lines in paragraphs for line in lines if not _STRUCTURED.match(line)]
    pairs = [
        (line.rstrip(), after)
        for _, lines in paragraphs
        for line, after in itertools.pairwise(lines)
        if not _STRUCTURED.match(line) and not _STARTS_BLOCK.match(after)
    ]
    continued = [line for line, _ in pairs]
    if len(continued) < _MIN_WRAPPED_LINES:
        return {}
    width = max(map(len, prose))
    filled = [line for line in continued if len(line) >= _WRAP_FILL * width]
    # Mid-sentence: the line stops on a letter, digit or hyphen, or on a comma before a lower-case word.
    open_ended = [
        line for line, after in pairs if _OPEN_END.search(line) or (line.endswith((",", ";")) and after[:1].islower())
    ]
    if not (
        _MIN_WRAP_WIDTH <= width <= _MAX_WRAP_WIDTH
        and len(filled) >= _WRAPPED_SHARE * len(continued)
        and len(open_ended) >= _WRAPPED_SHARE * len(continued)
    ):
        return {}
    joins: dict[int, str] = {}
    for position, lines in paragraphs:
        for line, after in itertools.pairwise(lines):
            position += len(line)
            body = line.rstrip()
            if len(body) >= _WRAP_FILL * width and not _STRUCTURED.match(line) and not _STARTS_BLOCK.match(after):
                hyphenated = body.endswith("-") and not body.endswith(("--", " -"))
                unspaced = _CJK.match(body[-1:]) is not None and _CJK.match(after[:1]) is not None
                joins[position] = "" if (hyphenated and body == line) or unspaced else " "
            position += 1
    return joins
