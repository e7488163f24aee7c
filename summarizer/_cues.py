"""Finding the sentences of an article that may carry a dispute, by their wording.

Denials in news copy are signalled by a small, stable vocabulary ("denied",
"rejected", "refuted", "false", "disinformation", "does not correspond to
reality"...). Pointing the model at those sentences, each with the sentence
before it for context, lets a small model find disputes it would otherwise
miss, and lets the disputes pass be skipped when an article has none.
"""

from __future__ import annotations

import re

__all__ = ["dispute_sentences"]

_CUES = re.compile(
    r"\b(?:den(?:y|ies|ied|ying|ial|ials)|reject(?:s|ed|ing|ion)?|refut(?:e|es|ed|ing|ation)|"
    r"dismiss(?:es|ed|ing)?|rebuff(?:s|ed)?|contradict(?:s|ed|ing)?|disput(?:e|es|ed|ing)|"
    r"contest(?:s|ed|ing)?|false(?:ly|hood)?|untrue|not true|baseless|groundless|unfounded|"
    r"(?:dis|mis)information|fabricat(?:ed|ion|ions)|lies|speculat(?:ion|ions|ing|ed)|"
    r"(?:do|does|did) not correspond|no truth|never (?:agreed|said|happened)|nonsense|propaganda)\b",
    re.IGNORECASE,
)
# A sentence ends at . ! or ? (optionally followed by a closing quote) before whitespace, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’]?\s+|\n+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def dispute_sentences(article: str, *, limit: int = 8) -> list[str]:
    """Sentences with a denial cue, each preceded by the sentence before it; in article order, at most ``limit``."""
    sentences = _sentences(article)
    picked: list[str] = []
    for index, sentence in enumerate(sentences):
        if _CUES.search(sentence):
            context = sentences[index - 1] + " " if index > 0 else ""
            picked.append(context + sentence)
            if len(picked) == limit:
                break
    return picked
