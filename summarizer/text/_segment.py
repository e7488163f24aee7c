"""Sentences and words, with character offsets: the one segmenter every reader, grounding and the quote
phrases share, so "Dr. Volta" is one sentence to all of them.

A sentence ends at ``.``, ``!`` or ``?`` (a closing quote may follow) before
whitespace and a word that does not start in lower case ("the U.S. military"
stays one sentence), unless the full stop closes a title's abbreviation
(``abbreviations.toml``); at ``。！？`` (CJK scripts write no space after
them); or at a line break. A word token is a run of letters, digits,
combining marks, underscores, apostrophes, hyphens and full stops ("O’Neill",
"Merwe-Lind", "U.S.", and "Maliki." at a sentence end: readers trim what
trails); any other non-space character is a token of its own. The list of
abbreviations is the same for every language (a title's abbreviation is
rarely a word of another language that ends a sentence).
pysbd was measured against this rule on the development set and split 149 of
its 448 sentences differently, most often a closing quote mark as a sentence
of its own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import regex

__all__ = [
    "TOKEN_PATTERN",
    "Token",
    "chunk_spans",
    "opens_with_title",
    "sentence_spans",
    "sentences",
    "token_texts",
    "tokens",
]

_ABBREVIATIONS = Path(__file__).with_name("abbreviations.toml")


@cache
def _sentence_end() -> regex.Pattern[str]:
    with _ABBREVIATIONS.open("rb") as file:
        listed = tomllib.load(file)
    abbreviations = sorted({a for words in listed.values() for a in words})
    not_after = "".join(rf"(?<!\b{regex.escape(a)}\.)" for a in abbreviations)
    return regex.compile(not_after + r"(?<=[.!?])[\"'”’]?\s+(?![a-z])|(?<=[。！？])[」』”’]?\s*|\n+")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


TOKEN_PATTERN = _TOKEN = regex.compile(r"[\p{L}\p{N}\p{M}_’'.\-]+|[^\p{L}\p{N}\p{M}_\s]")


def tokens(text: str) -> list[Token]:
    """The words and punctuation marks of ``text``, each with its ``[start, end)`` offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def token_texts(text: str) -> list[str]:
    """The tokens of ``text`` as strings."""
    return list(_TOKEN.findall(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each sentence of ``text``, without surrounding whitespace, in order."""
    return list(_sentence_spans(text))


@lru_cache(maxsize=8)  # one article is split by several readers in turn: once is enough
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans = []
    position = 0
    for boundary in [*_sentence_end().finditer(text), None]:
        end = boundary.start() if boundary is not None else len(text)
        if end == position and boundary is not None and boundary.end() == position:
            continue
        piece = text[position:end]
        stripped = piece.strip()
        if stripped:
            start = position + (len(piece) - len(piece.lstrip()))
            spans.append((start, start + len(stripped)))
        if boundary is not None:
            position = boundary.end()
    return tuple(spans)


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, stripped, in order."""
    return [text[start:end] for start, end in sentence_spans(text)]


# What ends a sentence, closing quotes and brackets after it allowed ("Minister denies 'secret deal'" ends in
# a quote mark, not a sentence). A headline is a first line without it, nor a colon or semicolon.
_CLOSERS = r"[\"'”’»)\]」』]*$"
_SENTENCE_END = regex.compile(r"[.!?…。！？]" + _CLOSERS)
_SENTENCE_FINAL = regex.compile(r"[.!?…。！？:;]" + _CLOSERS)


def ends_sentence(text: str) -> bool:
    """Whether ``text`` (trailing spaces aside) ends a sentence: a full stop, question or exclamation mark or
    ellipsis, in any script, closing quotes and brackets after it allowed."""
    return _SENTENCE_END.search(text.rstrip()) is not None


def opens_with_title(text: str) -> bool:
    """Whether the first sentence of ``text`` is a headline: its whole first line, with more lines after it,
    and without the punctuation that ends a sentence of running text."""
    spans = sentence_spans(text)
    if len(spans) < 2:
        return False
    start, end = spans[0]
    line_end = text.find("\n", start)
    return line_end == end and _SENTENCE_FINAL.search(text[start:end]) is None


def chunk_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """``[start, end)`` of consecutive chunks of ``text``, each at most ``max_chars`` code points, in order.

    Chunks end at line breaks where they can, else between sentences, else
    at a space, and only as a last resort between two characters a reader
    sees as one each (never inside a grapheme cluster). A chunk begins with
    the line or sentence that ended the one before when that is short (at
    most a quarter of ``max_chars``), so a report and a denial in the next
    paragraph meet in one chunk; otherwise whitespace between chunks belongs
    to none of them. Raises ``ValueError`` if ``max_chars`` < 1.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    units: list[tuple[int, int]] = []
    for line in regex.finditer(r"[^\n]+", text):
        start, end = line.span()
        if not text[start:end].strip():
            continue
        if end - start <= max_chars:
            units.append(_stripped(text, start, end))
            continue
        for s_start, s_end in sentence_spans(text[start:end]):
            units.extend(_pieces(text, start + s_start, start + s_end, max_chars))
    chunks: list[tuple[int, int]] = []
    previous: tuple[int, int] | None = None
    for start, end in units:
        if chunks and end - chunks[-1][0] <= max_chars:
            chunks[-1] = (chunks[-1][0], end)
        elif previous is not None and previous[1] - previous[0] <= max_chars // 4 and end - previous[0] <= max_chars:
            # A report in one paragraph and its denial in the next must meet in one chunk: a new chunk
            # repeats the short line or sentence that ended the one before.
            chunks.append((previous[0], end))
        else:
            chunks.append((start, end))
        previous = (start, end)
    return chunks


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())


def _pieces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """``text[start:end]`` in pieces of at most ``max_chars``, cut at spaces, else at grapheme edges."""
    pieces = []
    while end - start > max_chars:
        limit = start + max_chars
        cut = text.rfind(" ", start + 1, limit + 1)
        if cut <= start:
            edges = [m.start() for m in regex.finditer(r"\X", text[start : limit + 1])]
            cut = start + max((e for e in edges if 0 < e <= max_chars), default=max_chars)
        pieces.append(_stripped(text, start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append(_stripped(text, start, end))
    return pieces
