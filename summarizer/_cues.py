"""Reading an article's wording: which passages may carry a dispute, and which actors they name.

Denials in news copy are signalled by a small, stable vocabulary ("denied",
"rejected", "refuted", "false", "disinformation", "does not correspond to
reality"...). Pointing the model at those passages, each with the sentence
before it for context, lets a small model find disputes it would otherwise
miss, and lets the disputes pass be skipped when an article has none.

The actors a passage names (capitalised names, with a trailing "press",
"ministry", "side"... and "the council"-style bodies) become the only names
the disputes pass may answer with: a 1.5B model otherwise names whoever is
most prominent in the article as the claimant, whether or not the passage
mentions them.
"""

from __future__ import annotations

import re

__all__ = ["actor_mentions", "dispute_passages"]

_CUES = re.compile(
    r"\b(?:den(?:y|ies|ied|ying|ial|ials)|reject(?:s|ed|ing|ion)?|refut(?:e|es|ed|ing|ation)|"
    r"dismiss(?:es|ed|ing)?|rebuff(?:s|ed)?|contradict(?:s|ed|ing)?|disput(?:e|es|ed|ing)|"
    r"contest(?:s|ed|ing)?|false(?:ly|hood)?|untrue|not true|baseless|groundless|unfounded|"
    r"(?:dis|mis)information|fabricat(?:ed|ion|ions)|lies|speculat(?:ion|ions|ing|ed)|"
    r"(?:do|does|did) not correspond|no truth|never (?:agreed|said|happened)|nonsense|propaganda)\b",
    re.IGNORECASE,
)
# A sentence ends at . ! or ? (optionally followed by a closing quote) before whitespace and a word that
# does not start in lower case ("the U.S. military" is one sentence), or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’]?\s+(?![a-z])|\n+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def dispute_passages(article: str, *, limit: int = 6) -> list[str]:
    """Passages with a denial cue: each cue sentence with the sentence before it, in article order.

    Windows that overlap or touch are merged, so a report and the denials that
    follow it are read as one passage rather than repeated as several.
    """
    sentences = _sentences(article)
    windows: list[list[int]] = []
    for index, sentence in enumerate(sentences):
        if not _CUES.search(sentence):
            continue
        start = max(0, index - 1)
        if windows and start <= windows[-1][1] + 1:
            windows[-1][1] = index
        else:
            windows.append([start, index])
    return [" ".join(sentences[start : end + 1]) for start, end in windows[:limit]]


_TOKEN = re.compile(r"[\w’'.\-]+|[^\w\s]")
# Lower-case words that join the capitalised words of one name ("Forces for the Liberation of ...").
_JOINERS = frozenset("of the for de del da do dos du al bin van von la le".split())
# Lower-case nouns that name a body after a capitalised word ("Azerbaijani press", "Artsakh foreign ministry")
# or on their own after "the" ("the council").
_BODIES = frozenset(
    (
        "press media side government ministry officials official delegation authorities military army navy "
        "forces troops representatives leaders leader leadership rebels spokesman spokeswoman spokesperson "
        "broadcaster embassy administration council union opposition police agency company operator "
        "confederation committee court parliament movement party board coalition"
    ).split()
)
# Capitalised words that start sentences or name dates rather than actors.
_NOT_ACTORS = frozenset(
    (
        "The A An He She It They We I You This That These Those In On At By For From With But And Or If As "
        "However Meanwhile Speaking Such No Not Our Their His Her Its Mr Mrs Ms Dr Earlier Later After Before "
        "When While Although Yet So Also According Last Next Immediately Official Officials Monday Tuesday "
        "Wednesday Thursday Friday Saturday Sunday January February March April May June July August September "
        "October November December"
    ).split()
)


def _bare(token: str) -> str:
    """A token without a possessive or trailing punctuation; "U.S." keeps its dots."""
    token = re.sub(r"[’']s?$", "", token)
    return token if "." in token[:-1] else token.rstrip(".-")


def _capitalised(token: str) -> bool:
    return bool(token) and token[0].isupper() and token not in _NOT_ACTORS


def actor_mentions(passages: list[str]) -> list[str]:
    """The actors the passages name, in order of first mention, each once."""
    found: dict[str, None] = {}
    for passage in passages:
        for sentence in _sentences(passage):
            tokens = [_bare(t) for t in _TOKEN.findall(sentence)]
            index = 0
            while index < len(tokens):
                token = tokens[index]
                if _capitalised(token):
                    end = _name_end(tokens, index)
                    name = tokens[index:end]
                    if end < len(tokens) and tokens[end].lower() in _BODIES:
                        found[" ".join([*name, tokens[end]])] = None
                    elif end + 1 < len(tokens) and tokens[end].islower() and tokens[end + 1] in _BODIES:
                        found[" ".join([*name, *tokens[end : end + 2]])] = None
                    found[" ".join(name)] = None
                    index = end
                    continue
                if token.lower() == "the" and index + 1 < len(tokens) and tokens[index + 1] in _BODIES:
                    found[tokens[index + 1]] = None
                index += 1
    return [name for name in found if len(name) > 1]


def _name_end(tokens: list[str], start: int) -> int:
    """The index after the capitalised name starting at ``start``, joiners included ("Republic of Artsakh")."""
    end = start + 1
    while end < len(tokens):
        if _capitalised(tokens[end]):
            end += 1
            continue
        after = end
        while after < len(tokens) and tokens[after] in _JOINERS:
            after += 1
        if after > end and after < len(tokens) and _capitalised(tokens[after]):
            end = after + 1
            continue
        break
    return end
