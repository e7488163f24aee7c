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
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["RoleCues", "actor_mentions", "dispute_passages", "role_cues"]

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


def dispute_passages(article: str, *, limit: int = 6) -> list[tuple[str, ...]]:
    """Passages with a denial cue, as sentences: each cue sentence with the one before it, in article order.

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
    return [tuple(sentences[start : end + 1]) for start, end in windows[:limit]]


_TOKEN = re.compile(r"[\w’'.\-]+|[^\w\s]")
# Lower-case words that join the capitalised words of one name ("Forces for the Liberation of ...").
_JOINERS = frozenset("of the for de del der den da do dos das du di el al bin ibn van von la le y".split())
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


def actor_mentions(passages: Sequence[tuple[str, ...]], article: str) -> list[str]:
    """The actors the passages name, in order of first mention, each once, spelled as the article does.

    A capitalised word that starts a sentence counts only if the article also
    capitalises it elsewhere ("Comments made by..." is not an actor).
    """
    found: dict[str, None] = {}
    for passage in passages:
        for sentence in passage:
            raw = _TOKEN.findall(sentence)
            tokens = [_bare(t) for t in raw]
            index = 0
            while index < len(tokens):
                token = tokens[index]
                if _capitalised(token):
                    end = _name_end(tokens, index)
                    name = tokens[index:end]
                    # "Tirel's state broadcaster" keeps its possessive: it is one name.
                    owner = [*tokens[index : end - 1], raw[end - 1]]
                    if end < len(tokens) and tokens[end].lower() in _BODIES:
                        found[" ".join([*owner, tokens[end]])] = None
                    elif end + 1 < len(tokens) and tokens[end].islower() and tokens[end + 1] in _BODIES:
                        found[" ".join([*owner, *tokens[end : end + 2]])] = None
                    opens_sentence = all(not t[:1].isalnum() for t in tokens[:index])
                    if not opens_sentence or end - index > 1 or _capitalised_elsewhere(token, article):
                        found[" ".join(name)] = None
                    index = end
                    continue
                if token.lower() == "the" and index + 1 < len(tokens) and tokens[index + 1] in _BODIES:
                    found[tokens[index + 1]] = None
                index += 1
    return [name for name in found if len(name) > 1]


def _capitalised_elsewhere(word: str, article: str) -> bool:
    return re.search(rf"(?<![.!?\n“\"]\s)(?<!^)\b{re.escape(word)}\b", article, re.MULTILINE) is not None


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


# How news copy marks whose claim is denied and who denies it. Each pattern has a slot, {actor}, for one of
# the passage's actors; an optional adverb may stand between an actor and its verb ("effectively refuted").
_ADVERB = r"(?:\w+ly |also |had |has |have |began |was |were )?"
_CLAIM_NOUN = (
    r"(?:claims?|reports?|account|charges?|accusations?|allegations?|announcement|statements?|assertions?|"
    r"version|comments|remarks|demands?)"
)
_CLAIM_VERB = (
    r"(?:reported|reports|claimed|claims|alleged|alleges|alleging|accused|accuses|accusing|announced|announces|"
    r"demanded|demands|asserted|asserts|speculating|published)"
)
_DENY_VERB = (
    r"(?:den(?:y|ies|ied|ying)|reject(?:s|ed|ing)?|refut(?:e|es|ed|ing)|dismiss(?:es|ed|ing)?|disput(?:e|es|ed|ing))"
)
_CLAIMANT_PATTERNS = (
    r"{actor}(?:[’']s?)? (?:[\w-]+ )?" + _CLAIM_NOUN + r"\b",
    r"{actor},? " + _ADVERB + _CLAIM_VERB + r"\b",
    r"\b(?:made|issued|published|spread) by (?:the )?{actor}",
)
_DENIER_PATTERNS = (r"{actor}(?: and [\w’'-]+)?,? " + _ADVERB + _DENY_VERB + r"\b",)
# In a sentence that carries a denial cue, its speaker is the denier; in one that does not, its speaker claims.
_SPEAKER_PATTERNS = (
    r"[,”\"’]\s*said (?:[\w’'.-]+ ){{0,4}}{actor}",
    r"{actor},? (?:[\w’'-]+ ){{0,2}}(?:said|says|told)\b",
)


@dataclass(frozen=True)
class RoleCues:
    """Actors the passages' own wording casts as a claimant ("X's report", "X accused") or a denier."""

    claimants: frozenset[str]
    deniers: frozenset[str]


def role_cues(passage: tuple[str, ...], actors: Sequence[str]) -> RoleCues:
    """Which of ``actors`` the passage's wording casts as claimant or denier."""
    claimants: set[str] = set()
    deniers: set[str] = set()
    for sentence in passage:
        denial = _CUES.search(sentence) is not None
        for actor in actors:
            slot = rf"(?<![\w-]){re.escape(actor)}(?![\w-])"

            def says(patterns: tuple[str, ...], slot: str = slot, sentence: str = sentence) -> bool:
                return any(re.search(p.format(actor=slot), sentence, re.IGNORECASE) for p in patterns)

            if says(_CLAIMANT_PATTERNS) or (not denial and says(_SPEAKER_PATTERNS)):
                claimants.add(actor)
            if says(_DENIER_PATTERNS) or (denial and says(_SPEAKER_PATTERNS)):
                deniers.add(actor)
    return RoleCues(frozenset(claimants), frozenset(deniers))
