"""Passages that may carry a denial: each sentence with a denial cue, with the sentence before it.

Shared by every reader: the English reader finds cues with its full wording
(``english.toml``); the model-only reader with the short cue lists of
``denials.toml`` for the languages it names, so the disputes pass reads the
sentences that matter in a Spanish or German article as it does in an
English one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from ..text import opens_with_title, sentences, written_without_spaces
from ._lexicon import alternation

__all__ = ["cue_passages", "denial_cues"]

DATA_FILE = Path(__file__).with_name("denials.toml")


def cue_passages(article: str, has_cue: Callable[[str], object], *, limit: int = 6) -> list[tuple[str, ...]]:
    """Passages with a cue, as sentences: each cue sentence with the one before it, in article order.

    Windows that overlap or touch are merged, so a report and the denials that
    follow it are read as one passage rather than repeated as several. A
    headline is never part of a passage: in a headline's few words ("X denies
    link report") a small model finds a claim it copies whole, and the lede
    that follows says the same in full ("X has denied reports that..."),
    so a cue in the headline points at the lede instead.
    """
    found = sentences(article)
    body = 1 if opens_with_title(article) else 0
    windows: list[list[int]] = []
    for index, sentence in enumerate(found):
        if not has_cue(sentence):
            continue
        index = max(index, body)
        start = max(body, index - 1)
        if windows and start <= windows[-1][1] + 1:
            windows[-1][1] = index
        else:
            windows.append([start, index])
    return [tuple(found[start : end + 1]) for start, end in windows[:limit]]


@cache
def denial_cues(language: str) -> re.Pattern[str] | None:
    """The denial cues of ``denials.toml`` for an ISO 639-1 code, as one pattern; None for a language it lacks."""
    with DATA_FILE.open("rb") as file:
        words = tomllib.load(file).get(language.lower())
    if not words:
        return None
    alternatives = alternation(words)
    if all(written_without_spaces(w) for w in words):
        return re.compile(alternatives)  # no spaces, no word edges: a cue is found inside a sentence
    return re.compile(rf"(?<!\w){alternatives}(?!\w)", re.IGNORECASE)
