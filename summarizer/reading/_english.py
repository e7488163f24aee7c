"""Reading an article's wording: which passages may carry a dispute, and which actors they name.

Denials in news copy are signalled by a small, stable vocabulary ("denied",
"rejected", "refuted", "false", "disinformation", "does not correspond to
reality"...). Pointing the model at those passages, each with the sentence
before it for context, lets a small model find disputes it would otherwise
miss; finding none is evidence too, on which the pipeline may leave the
disputes pass out.

The actors a passage names (capitalised names, with a trailing "press",
"ministry", "side"... and "the council"-style bodies) become the only names
the disputes pass may answer with: a 1.5B model otherwise names whoever is
most prominent in the article as the claimant, whether or not the passage
mentions them.

Meetings and their agendas have a stable vocabulary too ("a delegation headed
by X", "met with X", "in the presence of X"; "discussed X, Y and Z"): the
people and subjects it names complete what the model's meeting answer left
out. Every pattern here is generic English news wording, never a name or
phrase taken from a particular article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import regex

from ..text import TOKEN_PATTERN, contains_words, normalize, opens_with_title
from ..text import sentences as split_sentences
from ._evidence import Attribution, RoleCues
from ._lexicon import alternation, english
from ._passages import cue_passages

__all__ = [
    "RoleCues",
    "actor_mentions",
    "claim_sources",
    "dispute_passages",
    "mediator_candidates",
    "meeting_people",
    "role_cues",
    "topic_phrases",
]

_LEXICON = english()
_CUES = _LEXICON.denial_pattern()
# A cue word that denies nothing: a refused offer ("rejected a takeover offer", "dismissed Y's bid as too
# low"), the object ending its phrase (not "dismissed the job cuts", not "dismissed reports of a bid"); and
# "dispute" as the name of a conflict ("a four-week dispute", "the dispute was over", "disputes over pay"),
# not the verb ("the two sides dispute the figures", "groups that dispute the results").
_NOT_A_DENIAL = re.compile(
    rf"\b(?P<refusal>{alternation(_LEXICON.refusal_verbs)}) (?:(?:a|an|the|its|their|his|her|this) )?"
    rf"(?:(?!(?:about|of|on|over|that)\b)[\w’'-]+ ){{0,3}}?{alternation(_LEXICON.refused_objects)}"
    r"(?=[.,;:!?)\"”]|$| (?:to|from|for|worth|as|and|by|because|after|on|in|with|which)\b)"
    r"|\b(?:a|an|the|this|its|their|his|her|our) (?:[\w’']+-[\w’'-]+ )?(?P<conflict>disputes?)\b"
    r"(?! (?:the|a|an|that|this|his|her|its|their|any|claims?|reports?)\b)"
    r"|\b(?P<conflicts>disputes) (?:over|between)\b",
    re.IGNORECASE,
)


# "X insisted that she had no part in it", "insisted it was not", "insisted he didn't": a denial of a fact
# without a denying word. Not a position held ("insisted the talks must not fail", "insisted on no
# preconditions"): only a negated "had", "was", "did"... counts.
_INSISTED_NOT = (
    r"insist(?:s|ed|ing)?,? (?:that )?(?:[\w’'-]+ ){0,3}?"
    r"(?:had|has|have|was|were|did|does|is|are)(?: (?:never|not|no|nothing)\b|n[’']t\b)"
)
_INSISTED_DENIAL = re.compile(rf"\b{_INSISTED_NOT}", re.IGNORECASE)


def _has_denial_cue(sentence: str) -> bool:
    """Whether a cue word in ``sentence`` may mark a denial (not a refused offer, not a named conflict)."""
    if _INSISTED_DENIAL.search(sentence):
        return True
    cues = [cue.start() for cue in _CUES.finditer(sentence)]
    if not cues:
        return False  # most sentences: no need to look for refusals
    idle = {
        match.start(group)
        for match in _NOT_A_DENIAL.finditer(sentence)
        for group in ("refusal", "conflict", "conflicts")
        if match.group(group)
    }
    return any(start not in idle for start in cues)


def dispute_passages(article: str, *, limit: int = 6) -> list[tuple[str, ...]]:
    """Passages with an English denial cue (``cue_passages``)."""
    return cue_passages(article, _has_denial_cue, limit=limit)


_TOKEN = TOKEN_PATTERN
_JOINERS = _LEXICON.joiners
_BODIES = _LEXICON.bodies
_NOT_ACTORS = _LEXICON.not_actors


def _bare(token: str) -> str:
    """A token without a possessive or trailing punctuation; "U.S." keeps its dots."""
    token = re.sub(r"[’']s?$", "", token)
    return token if "." in token[:-1] else token.rstrip(".-")


# A surname written with a lower-case particle fused to it: "d'Estaing", "al-Maliki", "el-Sisi".
_PARTICLE_NAME = regex.compile(
    r"^(?:" + "|".join(sorted(map(regex.escape, _LEXICON.fused_particles))) + r")['’-]\p{Lu}"
)


def _capitalised(token: str) -> bool:
    return bool(token) and (token[0].isupper() or _PARTICLE_NAME.match(token) is not None) and token not in _NOT_ACTORS


def actor_mentions(passages: Sequence[tuple[str, ...]], article: str) -> list[str]:
    """The actors the passages (and the headline) name, in order of first mention, each once, spelled as the
    article does.

    A capitalised word that starts a sentence counts only if the article also
    capitalises it elsewhere ("Comments made by..." is not an actor), and one the
    article also writes in lower case is dropped from the name it opens
    ("Former envoy Ada Brook" names Ada Brook where the article says "former").
    """
    found: dict[str, None] = {}
    # The headline names the story's actors though it is kept out of the passages' text (``dispute_passages``):
    # "X denies asking Y" may be the only place Y is named as the one who claimed it.
    headline = [(split_sentences(article)[0],)] if passages and opens_with_title(article) else []
    for passage in [*passages, *headline]:
        for sentence in passage:
            found.update(dict.fromkeys(_names_in(sentence, article)))
        for sentence in passage if passage not in headline else ():
            for report in _DENIED_REPORT.finditer(sentence):
                found[report.group("report")] = None
    return [name for name in found if len(name) > 1]


# Verbs that may stand between a name and a body's noun without being part of its name: "X denied media
# reports", "X said officials", "X has media".
_NOT_A_MODIFIER = _LEXICON.deny_verbs | _LEXICON.clause_verbs | _LEXICON.attribution_verbs


def _names_in(sentence: str, article: str) -> list[str]:
    """The actors one sentence names, in order (``actor_mentions``)."""
    found: dict[str, None] = {}
    raw = _TOKEN.findall(sentence)
    tokens = [_bare(t) for t in raw]
    first_word = next((i for i, t in enumerate(tokens) if t[:1].isalnum()), len(tokens))
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if _capitalised(token):
            end = _name_end(tokens, index)
            start = index
            opens_sentence = index <= first_word
            if opens_sentence and end - index > 1 and _written_lower_case(token, article):
                # Capitalised only because it opens the sentence: "Former X", "Shares of Y" name X, Y.
                start += 1
                while start < end and tokens[start] in _JOINERS:
                    start += 1
            if start < end:
                name = tokens[start:end]
                # "Tirel's state broadcaster" keeps its possessive: it is one name.
                owner = [*tokens[start : end - 1], raw[end - 1]]
                if end < len(tokens) and tokens[end].lower() in _BODIES:
                    found[" ".join([*owner, tokens[end]])] = None
                elif (
                    end + 1 < len(tokens)
                    and tokens[end].islower()
                    and tokens[end].lower() not in _NOT_A_MODIFIER  # "X foreign ministry", not "X denied media"
                    and tokens[end + 1] in _BODIES
                ):
                    found[" ".join([*owner, *tokens[end : end + 2]])] = None
                lone_opener = opens_sentence and end - start == 1 and start == index
                if not lone_opener or _capitalised_elsewhere(token, article):
                    found[" ".join(name)] = None
            index = end
            continue
        if token.lower() == "the" and index + 1 < len(tokens) and tokens[index + 1] in _BODIES:
            found[tokens[index + 1]] = None
        index += 1
    return list(found)


# "X denied reports that...", "dismissed the media reports": the report, unnamed, is the claimant the
# article gives; a 1.5B otherwise names the story's most prominent actor as the one who claimed it.
_DETERMINER = r"(?:(?:the|these|those|such|a|an|recent|earlier|weekend) )?"
_REPORT = rf"(?:{alternation(_LEXICON.report_modifiers)} )?{alternation(_LEXICON.report_nouns)}"
# Not "the report by the Herald": that names its source, an actor of its own.
_NAMED_SOURCE = r"(?! (?:by|from|in|of) (?:the )?(?-i:\p{Lu}))"
_DENIED_REPORT = regex.compile(
    rf"\b{_LEXICON.deny_verb_pattern()},? {_DETERMINER}(?P<report>{_REPORT})\b" + _NAMED_SOURCE, regex.IGNORECASE
)


@dataclass(frozen=True)
class _ArticleWords:
    """The article's words, gathered in one pass: what a reader asks of every name it meets ("is this word
    also written in lower case?") answered without searching the whole article once per name."""

    #: Every run of word characters, as written.
    written: frozenset[str]
    #: Those written somewhere other than at the start of a line or a sentence or right after a quote mark.
    inside: frozenset[str]


_WORD = re.compile(r"\w+")
_WORD_INSIDE = re.compile(r"(?<![.!?\n“\"]\s)(?<![“\"‘])(?<!^)\b\w+", re.MULTILINE)


@lru_cache(maxsize=4)  # the article is the same string for every sentence of one reading
def _article_words(article: str) -> _ArticleWords:
    return _ArticleWords(
        frozenset(_WORD.findall(article)), frozenset(m.group() for m in _WORD_INSIDE.finditer(article))
    )


def _written_as_word(word: str, article: str) -> bool:
    """Whether ``article`` writes ``word`` (case as given) as a whole word."""
    if _WORD.fullmatch(word):
        return word in _article_words(article).written
    return re.search(rf"\b{re.escape(word)}\b", article) is not None  # a hyphen or apostrophe in it: rare


def _written_lower_case(word: str, article: str) -> bool:
    """Whether the article also writes ``word`` in lower case: a common word, not part of a name. An acronym
    ("US", "WHO") is a name whatever the article writes in lower case ("us", "who")."""
    return word[:1].isupper() and not word.isupper() and _written_as_word(word.lower(), article)


def _capitalised_elsewhere(word: str, article: str) -> bool:
    """Whether ``word`` is written somewhere other than where any word is capitalised: a line's or a sentence's
    start, or right after a quote mark."""
    if _WORD.fullmatch(word):
        return word in _article_words(article).inside
    pattern = rf"(?<![.!?\n“\"]\s)(?<![“\"‘])(?<!^)\b{re.escape(word)}\b"
    return re.search(pattern, article, re.MULTILINE) is not None


def _name_end(tokens: list[str], start: int, joiners: frozenset[str] = _JOINERS) -> int:
    """The index after the capitalised name starting at ``start``, joiners included ("Republic of Ostrand")."""
    end = start + 1
    while end < len(tokens):
        if _capitalised(tokens[end]):
            end += 1
            continue
        after = end
        while after < len(tokens) and tokens[after] in joiners:
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
_DENY_VERB = _LEXICON.deny_verb_pattern()
_DENIAL_WORD = alternation(_LEXICON.deny_verbs | _LEXICON.denial_words)
# Whose claim it is, by the claim's own wording.
_CLAIM_OF = (
    # "rejected X's offer": whose offer, claim or suggestion was rejected.
    _DENY_VERB + r",? " + _DETERMINER + r"{actor}[’']s\b",
    r"\b(?:reports?|article|story|claims?) (?:in|by|from) (?:the )?{actor}",
    # Not "X denied reports" (the word between is no denial), nor "X's statement denied" (X's own denial).
    r"{actor}(?:[’']s?)? (?:(?!"
    + _DENIAL_WORD
    + r"\b)[\w-]+ )?"
    + _CLAIM_NOUN
    + r"\b(?!,? (?:\w+ly )?"
    + _DENY_VERB
    + r"\b)",
    r"\b(?:made|issued|published|spread) by (?:the )?{actor}",
)
_CLAIMANT_PATTERNS = (*_CLAIM_OF, r"{actor},? " + _ADVERB + _CLAIM_VERB + r"\b")
# "X has pledged to contest", "X (XYZ) denied": an intent before the verb, an abbreviation after the name.
_INTENT = r"(?:(?:pledged|vowed|promised|threatened|moved|sought|was quick|were quick) to )?"
_DENIER_PATTERNS = (
    r"{actor}(?: \([^()]{{1,40}}\))?\)?(?: and [\w’'-]+)?,? " + _ADVERB + _INTENT + _DENY_VERB + r"\b",
    r"{actor},? " + _ADVERB + _INSISTED_NOT.replace("{", "{{").replace("}", "}}"),  # a template: braces doubled
)
# In a sentence that carries a denial cue, its speaker is the denier; in one that does not, its speaker claims.
_SPEAKER_PATTERNS = (
    r"[,”\"’]\s*said (?:[\w’'.-]+ ){{0,4}}{actor}",
    r"{actor},? (?:[\w’'-]+ ){{0,2}}(?:said|says|told)\b",
)


# The patterns above and below are templates with one slot, {actor}, for a name. Filled in by str.format and
# compiled for each name, they cost a compilation per name and pattern (milliseconds each: their word lists are
# long), which made reading a long article slow beyond use. Each template is instead split at its slot and its
# two sides compiled once: a template matches where the text before a place the name stands ends with its
# first side and the text after it opens with its second.
@cache
def _template_sides(template: str) -> tuple[re.Pattern[str] | None, re.Pattern[str]]:
    before, after = (part.replace("{{", "{").replace("}}", "}") for part in template.split("{actor}"))
    return (re.compile(rf"(?:{before})\Z", re.IGNORECASE) if before else None), re.compile(after, re.IGNORECASE)


def _fills(template: str, sentence: str, spans: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """The first of ``spans`` (where a name stands, in the order to try them) with which ``template`` matches
    ``sentence``; None when none does."""
    before, after = _template_sides(template)
    for start, end in spans:
        if after.match(sentence, end) and (before is None or before.search(sentence, 0, start)):
            return start, end
    return None


@lru_cache(maxsize=4096)
def _name_pattern(actor: str, hyphen_after: bool) -> re.Pattern[str]:
    after = r"(?![\w])" if hyphen_after else r"(?![\w-])"
    return re.compile(rf"(?<![\w-]){re.escape(actor)}{after}", re.IGNORECASE)


def _spans(actor: str, sentence: str, *, hyphen_after: bool = False) -> list[tuple[int, int]]:
    """Where ``actor`` stands in ``sentence`` as a whole name."""
    return [m.span() for m in _name_pattern(actor, hyphen_after).finditer(sentence)]


@lru_cache(maxsize=4096)
def _written_pattern(actor: str) -> re.Pattern[str]:
    # The name as the article writes it: "Velmora's President Ada Brook" is read "Velmora President...".
    written = r"(?:[’']s)? ".join(re.escape(word) for word in actor.split(" "))
    return re.compile(rf"(?<![\w-]){written}", re.IGNORECASE)


# What may follow a source's name and belongs to it ("a Velmoran diplomat", "Ostrandi state media"), longest
# first: a word and a source noun, then the noun alone.
_SOURCE_TAILS = (
    re.compile(rf"(?: (?!{alternation(_NOT_A_MODIFIER)}\b)[a-z]+) {alternation(_LEXICON.source_nouns)}\b"),
    re.compile(rf" {alternation(_LEXICON.source_nouns)}\b"),
)
_WORD_GOES_ON = re.compile(r"[\w-]")


def _source_spans(actor: str, sentence: str) -> list[tuple[int, int]]:
    """Where ``actor`` stands in ``sentence`` as a source, with the noun that makes it one if it has it, each
    place longest first: the order a regex with the noun optional would try them."""
    spans = []
    for found in _written_pattern(actor).finditer(sentence):
        start, end = found.span()
        tails = [tail.match(sentence, end) for tail in _SOURCE_TAILS]
        for stop in [*(t.end() for t in tails if t is not None), end]:
            if not _WORD_GOES_ON.match(sentence, stop):
                spans.append((start, stop))
    return spans


def role_cues(passage: tuple[str, ...], actors: Sequence[str]) -> RoleCues:
    """Which of ``actors`` the passage's wording casts as claimant or denier."""
    claimants: set[str] = set()
    deniers: set[str] = set()
    for sentence in passage:
        denial = _has_denial_cue(sentence)
        reports = {found.group("report") for found in _DENIED_REPORT.finditer(sentence)}
        for actor in actors:
            spans = _spans(actor, sentence)

            def says(patterns: tuple[str, ...], spans: list[tuple[int, int]] = spans, sentence: str = sentence) -> bool:
                return any(_fills(p, sentence, spans) is not None for p in patterns)

            # "denied reports that...": the report itself, an actor of the passage (``actor_mentions``).
            if actor in reports or says(_CLAIMANT_PATTERNS) or (not denial and says(_SPEAKER_PATTERNS)):
                claimants.add(actor)
            if says(_DENIER_PATTERNS) or (denial and says(_SPEAKER_PATTERNS)):
                deniers.add(actor)
    return RoleCues(frozenset(claimants), frozenset(deniers))


# Who an article says made a statement or a report: "X said", "X last week said", "X and Y told reporters",
# "X's foreign minister said", "according to X", "as reported by X", "X's claim". The claim a passage denies
# is often made in another sentence ("... amid X's claim", "The move comes after X said ..."), out of the
# passage's sight.
_SOURCE_VERB = alternation(_LEXICON.attribution_verbs)
# Lower-case words between a source and its verb ("X last week said", "X's foreign minister said"), or
# another source ("X and a Velmoran diplomat told"); never a form of "be" ("X was reported to" makes X what a
# report is about), nor a denial ("X on Monday rejected press reports": X denies).
_BETWEEN = (
    rf"(?-i:(?:(?!(?:is|are|was|were|be|been|being|who|which|that|it|they)\b|{_DENIAL_WORD}\b)"
    r"[a-z][\w’'-]* |and (?:[a-z]+ )?[A-Z][\w’'-]* |(?:on )?[A-Z][a-z]+day ){{0,4}})"
)
_SOURCE_PATTERNS = (
    *_CLAIM_OF,
    r"{actor}(?:[’']s)?(?: \([^()]{{1,40}}\))?\)?,? " + _BETWEEN + _SOURCE_VERB + r"\b",
    r"\baccording to (?:the )?{actor}",
    r"\bas (?:\w+ly )?reported,? (?:by |in )?(?:the )?{actor}",
    r"\breported (?:by|in) (?:the )?{actor}",
    r"[,”\"’]\s*(?:said|says|told|wrote) (?:[\w’'.-]+ ){{0,4}}{actor}",
)
# In a sentence that denies, its speaker is the denier: only the claim's wording names a source.
_SOURCE_IN_DENIAL = (*_CLAIM_OF, r"{actor},? " + _BETWEEN + _CLAIM_VERB + r"\b")
# "X was reported to have...", "it is alleged that...", "reportedly": the source is reports, unnamed.
_UNNAMED_REPORT = re.compile(
    r"\b(?:is|are|was|were|been) (?:widely |also )?(?:reported|rumoured|rumored) to\b"
    r"|\bit (?:is|was|has been|had been) (?:widely )?(?:reported|alleged|claimed|rumoured|rumored)\b|\breportedly\b",
    re.IGNORECASE,
)
# The name the article's own noun gives unnamed reports ("denied reports that..."): grounded by its stem.
_REPORTS = "reports"
_SOURCE_NOUN = rf"(?-i:(?:(?: (?!{alternation(_NOT_A_MODIFIER)}\b)[a-z]+)? {alternation(_LEXICON.source_nouns)}\b)?)"
_OPENS_QUOTE = re.compile(r"^\s*[\"“‘']")


def claim_sources(article: str) -> list[Attribution]:
    """The sentences whose wording names who stated or reported what they say, with those sources.

    In a sentence that carries a denial cue, and in a quote right after one (the denier's own words), only
    the wording of a claim counts ("amid X's claim", "denied X's report"): its speaker is the one who
    denies. A source is named as the article writes it, with the noun that makes it a source ("a
    Velmoran diplomat", "Ostrandi media"). Sentences are numbered as ``text.sentences`` numbers them.
    """
    found: list[Attribution] = []
    denied = False
    for index, sentence in enumerate(split_sentences(article)):
        quoted_denial = denied and _OPENS_QUOTE.match(sentence) is not None
        denied = _has_denial_cue(sentence)
        patterns = _SOURCE_IN_DENIAL if denied or quoted_denial else _SOURCE_PATTERNS
        sources: dict[str, None] = {}
        for actor in _names_in(sentence, article):
            spans = _source_spans(actor, sentence)
            for pattern in patterns:
                cast = _fills(pattern, sentence, spans)
                if cast is not None:
                    sources[sentence[cast[0] : cast[1]]] = None
                    break
        if not sources and _UNNAMED_REPORT.search(sentence):
            sources[_REPORTS] = None
        # "according to the Velmoran government" names one source, not "Velmoran" too.
        named = [name for name in sources if not any(o != name and contains_words(o, name) for o in sources)]
        if named:
            found.append(Attribution(index, sentence, tuple(named)))
    return found


# Who took part in a meeting, by the wording news copy uses for it: "a delegation headed by X", "X met
# with Y", "X received the delegation in the presence of Y", "the council was represented by X".
# A person's name joins its words with these ("Mohammed bin Salman"), never with "of" or "the".
_NAME_JOINERS = _LEXICON.name_joiners
_PLACE_PREPOSITIONS = _LEXICON.place_prepositions
_TITLES = _LEXICON.titles
_NOT_PERSON_WORDS = _LEXICON.not_person_words
_ROLE_NOUNS = _LEXICON.modifier_nouns
# A name after one of these took part, if it comes within so many words: "headed by X", "met with the head
# of the agency, X", "in the presence of X", "hosted X"; the looser the cue, the closer the name must be.
_AFTER_CUES = tuple(
    (re.compile(pattern), reach)
    for pattern, reach in (
        (r"\b(?:headed|led|chaired|represented|accompanied|joined|attended) by\b", 10),
        (r"\b(?:meet|meets|met|meeting|talks|negotiations|negotiated|negotiating) with\b", 12),
        (r"\bin the presence of\b", 12),
        (r"\b(?:head|leader|chief) of the (?:[\w-]+ ){0,2}(?:delegation|team|side) (?:was|is)\b", 12),
        (r"\b(?:met|meets|hosted|received|receives)\b(?! with)", 3),
        (r"\bpresent (?:was|were)\b", 4),
    )
)
# A name before one of these took part: "X met", "X and Y held talks", "X, the head of ..., received".
# Not "X hosted": a host is as often the mediator.
_BEFORE_CUES = re.compile(
    r"\b(?:met|meets|(?:held|holds|hold) (?:talks|negotiations)|received|receives|"
    r"(?:also )?represented|(?:headed|led|heads|leads) the (?:[\w-]+ ){0,2}(?:delegation|team|talks|side))\b"
)
_CLAUSE_WORDS = _LEXICON.clause_words


def meeting_people(article: str) -> list[str]:
    """People the article's wording puts in a meeting, in order of first mention, by their fullest name."""
    readings = [_SentenceReading(sentence) for sentence in split_sentences(article)]
    # Every name the article gives, in order: "Keller" is spelled out as the first that ends with it.
    fuller: dict[str, str] = {}
    for reading in readings:
        for _, _, name in reading.runs:
            words = name.split(" ")
            for cut in range(1, len(words)):
                fuller.setdefault(" ".join(words[cut:]), name)
    people: dict[str, None] = {}
    for reading in readings:
        for name in reading.people_around_cues():
            fullest = fuller.get(name, name)
            # A lone word ("Keller") is a person only if the article gives it as the end of a fuller name.
            if " " in fullest and not _plural_of_a_word_in(fullest, article):
                people[fullest] = None
    return list(people)


def _plural_of_a_word_in(name: str, article: str) -> bool:
    """ "Ostrand Velmorans" names a people, not a person: the article also says "Velmoran"."""
    last = name.split()[-1]
    return last.endswith("s") and _written_as_word(last[:-1], article)


class _SentenceReading:
    """One sentence's tokens, their offsets and the person names among them, read once."""

    def __init__(self, sentence: str) -> None:
        matches = list(_TOKEN.finditer(sentence))
        self.sentence = sentence
        self.tokens = [_bare(m.group()) for m in matches]
        self.starts = [m.start() for m in matches]
        self.runs = _person_runs([m.group() for m in matches])

    def people_around_cues(self) -> list[str]:
        """The people the sentence's meeting cues point at, in the order the sentence names them."""
        found: set[tuple[int, int, str]] = set()
        for pattern, reach in _AFTER_CUES:
            for cue in pattern.finditer(self.sentence):
                at = _first_index_at(self.starts, cue.end())
                after = [r for r in self.runs if r[0] >= at]
                found.update(_named_after(self.tokens, at, after, reach))
        for cue in _BEFORE_CUES.finditer(self.sentence):
            at = _first_index_at(self.starts, cue.start())
            found.update(_named_before(self.tokens, at, [r for r in self.runs if r[1] <= at]))
        return [name for _, _, name in sorted(found)]


def _first_index_at(starts: list[int], offset: int) -> int:
    return next((i for i, start in enumerate(starts) if start >= offset), len(starts))


def _named_after(
    tokens: list[str], cue_index: int, runs: list[tuple[int, int, str]], reach: int
) -> list[tuple[int, int, str]]:
    """The first name within ``reach`` words after the cue, and any joined to it by "and", in the same clause."""
    names: list[tuple[int, int, str]] = []
    position, limit = cue_index, cue_index + reach
    for start, end, name in runs:
        gap = tokens[position:start]
        if start >= limit or any(t.lower() in _CLAUSE_WORDS for t in gap) or (names and "and" not in gap):
            break
        names.append((start, end, name))
        position, limit = end, end + 6
    return names


def _named_before(tokens: list[str], cue_index: int, runs: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Every name between the start of the cue's clause and the cue."""
    boundary = max((i for i in range(cue_index) if tokens[i].lower() in _CLAUSE_WORDS), default=-1)
    return [run for run in runs if run[0] > boundary]


def _person_runs(raw: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, name) of each capitalised run of the tokens that reads as a person's name, titles stripped."""
    tokens = [_bare(t) for t in raw]
    runs = []
    index = 0
    while index < len(tokens):
        if not (_capitalised(tokens[index]) or tokens[index] in _TITLES):
            index += 1
            continue
        end = _name_end(tokens, index, _NAME_JOINERS)
        run = tokens[index:end]
        titled = [i for i, token in enumerate(run) if token in _TITLES]
        name = run[titled[-1] + 1 :] if titled else run
        before = tokens[index - 1].lower() if index else ""
        after = tokens[end].lower() if end < len(tokens) else ""
        modifier = after in _ROLE_NOUNS or (before == "the" and not titled) or before in _PLACE_PREPOSITIONS
        if name and not modifier and not any(t in _NOT_PERSON_WORDS or t.isupper() for t in name):
            runs.append((index + len(run) - len(name), end, " ".join(name)))
        index = end
    return runs


# What was discussed, in the wording news copy uses for it: "discussed X, Y and the Z", "talks focused on
# X and on Y", "issues were discussed, particularly regarding X, Y, as well as Z". Not "did not discuss".
_TOPIC_CUES = re.compile(
    r"\b(?<!not )(?:discuss(?:ed|es|ing)?|focus(?:ed|es|ing)? (?:on|upon)|(?:talks|negotiations) (?:about|over))\b"
    r"(?P<list>,? (?:particularly|in particular|notably|including|such as|namely|mainly|mostly)(?: regarding| on)?)?"
)
# What the talks were for, which news copy gives as their subject: "talks aimed at ending X", "negotiations
# toward a deal on X", "in a bid to X" (not "talks expected toward the end of the week"); and the issues named
# in a sentence on the talks: "bargaining on the key issues of X, Y and Z" (not "an interview covering
# issues such as X").
_TALKS = r"\b(?:talks|negotiations|dialogue|discussions|bargaining|mediation)\b"
_PURPOSE_CUES = re.compile(
    _TALKS + r"(?: [\w’'-]+){0,4}? (?:(?:were|was|are|is) )?"
    r"(?:aimed at|aiming (?:at|for)|in a bid to|with the (?:\w+ )?aim of)\b"
    r"|" + _TALKS + r" towards?\b(?! the (?:end|middle|close|start|beginning) of\b)"
    r"|" + _TALKS + r"[^.;]{0,120}?\bissues,? (?:such as|including|like|of)\b",
    re.IGNORECASE,
)
# "X was discussed" names its subject before the cue; only a list after it ("..., particularly Y") is read.
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)(?: \w+ly| also| not)? $")
# "discussed on Friday", "discussed in public": no subject follows.
_NO_SUBJECT = re.compile(r"\s*(?:in|on|at|by|for|during|with|until|since|behind|before|after)\b")
# Where the list of subjects ends: a new clause, an attribution, or punctuation that ends the phrase.
_TOPICS_END_PATTERN = (
    r" and (?=\w+ed )|,? (?:which|who|where|while|when|but|because|after|before|during the (?:meeting|talks))\b"
    r"|[,;]? (?:the (?:(?!as )[\w’'-]+ ){1,8}said|(?:as (?:[\w’'-]+ ){1,3})?said|told|according to)\b"
    r"|[,;] (?:[\w’'-]+ ){1,3}(?:said|says|told)\b|[.“”\"—–(]"
)
_TOPICS_END = re.compile(_TOPICS_END_PATTERN)
# After "talks aimed at X" the sentence's own verb may follow X ("... collapsed on Friday"); after "discussed"
# a verb belongs to the subject ("discussed how the two sides could share the water").
_PURPOSE_END = re.compile(_TOPICS_END_PATTERN + rf"| {alternation(_LEXICON.clause_verbs)}\b")
# Where one subject ends and the next begins: a comma or semicolon, "as well as", or an "and" that starts a new
# noun phrase ("... and the return of families"); not the "and" inside one ("regional and continental matters").
_TOPICS_SPLIT = re.compile(
    r";|,? as well as |, and |, |\band (?=(?:the|a|an|on|its|their|further|other)\b)|\band (?=\w+ing\b)"
)
# The last item of a list with commas ("X, Y and Z"): its "and" joins two subjects.
_LAST_AND = re.compile(r" and ")
_TOPIC_LEAD = re.compile(r"^(?:(?:and|on|both|the|a|an|in particular|particularly|notably|especially)\s+)+")


def _overlap(one: str, other: str) -> bool:
    """Whether one subject phrase holds the other, word for word ("key issues of water" and "water")."""
    one, other = normalize(one), normalize(other)
    return contains_words(one, other) or contains_words(other, one)


def topic_phrases(article: str) -> list[str]:
    """The subjects the article says were discussed or the talks were for, each as the article words it, once,
    in order."""
    phrases: list[str] = []
    for sentence in split_sentences(article):
        # What the talks were for first: where a "discussed" list overlaps it, the finer split is kept.
        rests = [(sentence[cue.end() :], _PURPOSE_END) for cue in _PURPOSE_CUES.finditer(sentence)]
        for cue in _TOPIC_CUES.finditer(sentence):
            rest = sentence[cue.end() :]
            passive = _PASSIVE.search(sentence[: cue.start()]) is not None
            if not ((passive and not cue.group("list")) or (not cue.group("list") and _NO_SUBJECT.match(rest))):
                rests.append((rest, _TOPICS_END))
        for rest, end_pattern in rests:
            end = end_pattern.search(rest)
            parts = _TOPICS_SPLIT.split(rest[: end.start()] if end else rest)
            if len(parts) > 1:
                parts[-1:] = _LAST_AND.split(parts[-1], maxsplit=1)
            for part in parts:
                phrase = _TOPIC_LEAD.sub("", part.strip(" ,"))
                if len(phrase) > 3 and not any(_overlap(phrase, other) for other in phrases):
                    phrases.append(phrase)
    return phrases


# Who the wording casts as a third party to the talks: "X-brokered", "hosted by X", "X's mediation", "the
# mediator, X", "X, serving as moderator", "conciliation service X". Each pattern has a slot, {actor}. Words
# that may stand between a cue and the actor never include those that introduce the sides ("between").
_MEDIATION_VERB = alternation(_LEXICON.mediation_verbs)
_MEDIATION_NOUN = alternation(_LEXICON.mediation_nouns)
_FILLER = r"(?:(?!(?:between|with|and|to|in|on|for|from|against|over)\b)[\w’'.-]+ )"
# Templates with an {actor} slot, filled per actor by ``str.format`` (so a literal brace is doubled).
_MEDIATOR_PATTERNS = tuple(
    pattern.replace("<verb>", _MEDIATION_VERB).replace("<noun>", _MEDIATION_NOUN)
    for pattern in (
        r"{actor}(?:[’']s?)?[-\s]<verb>\b",
        r"\b<verb> by (?:the )?" + _FILLER + r"{{0,4}}{actor}",
        r"{actor}(?:[’']s?)? <noun>\b",
        r"\b<noun>(?: (?:of|by|from))?(?: (?:service|body|agency|board|team|panel))?,? (?:the )?"
        + _FILLER
        + "{{0,3}}{actor}",
        r"{actor},? " + _FILLER + r"{{0,2}}(?:serving|acting|working) as (?:a |an |the )?(?:[\w-]+ )?<noun>\b",
    )
)
_MEDIATION_CUE = re.compile(rf"\b(?:{_MEDIATION_VERB}|{_MEDIATION_NOUN})\b", re.IGNORECASE)
_MEDIATION_WORD = r"(?:Mediation|Conciliation|Arbitration|Mediators?)"
_MEDIATION_NAME = re.compile(rf"\b{_MEDIATION_WORD}\b")
# A body named for its office: "the Northern Mediation and Conciliation Board". "and" joins only two such
# words, never the body to the next name ("the Velmora Mediation Service and Karsvik negotiators").
_MEDIATION_BODY = regex.compile(
    rf"(?:(?!The\b)\p{{Lu}}\p{{L}}+ (?:(?:of|for|the) )?)*{_MEDIATION_WORD}\b(?: and {_MEDIATION_WORD}\b)?"
    rf"(?: (?:(?:of|for|the) )?\p{{Lu}}\p{{L}}+)*"
)


# Third parties gathered at most: the mediator check asks about six; comparing every pair of names found grows
# with the square of their number, which a long live blog naming hundreds would make minutes.
_MAX_THIRD_PARTIES = 64


def mediator_candidates(article: str) -> list[str]:
    """Actors the wording casts as a third party to talks (mediator, host, moderator, broker), each once, in
    the order found (sentence by sentence), a person by their name less the titles ``titles`` lists:
    candidates for the model to confirm, never mediators by themselves."""
    found: dict[str, None] = {}
    bodies: dict[str, None] = {}  # each once: a long article names its mediator again and again
    sentences = split_sentences(article)
    # A headline is set in title case, its capitalised words not all names ("Port Workers In Mediation Bid");
    # the story names its mediator again.
    for sentence in sentences[1:] if opens_with_title(article) else sentences:
        if not _MEDIATION_CUE.search(sentence):
            continue
        for named in _MEDIATION_BODY.finditer(sentence):
            if " " in named.group():
                bodies[named.group()] = None
                found[named.group()] = None
        # "Oman-mediated" is one token: its capitalised head is the actor.
        for fused in _FUSED_MEDIATION.finditer(sentence):
            found[fused.group("actor")] = None
        for actor in _names_in(sentence, article):
            if any(_holds(body, actor) for body in bodies):
                continue  # a part of a body's name found whole
            # Here the slot may be followed by a hyphen: "Oman-mediated" is the actor, then the verb.
            spans = _spans(actor, sentence, hyphen_after=True)
            if _MEDIATION_NAME.search(actor) or any(_fills(p, sentence, spans) is not None for p in _MEDIATOR_PATTERNS):
                # A person by their name ("Velmoran Foreign Minister X" is X); a body keeps its whole name.
                people = [] if set(actor.split()) & _NOT_PERSON_WORDS else _person_runs(_TOKEN.findall(actor))
                found[people[0][2] if people else actor] = None
        if len(found) >= _MAX_THIRD_PARTIES:
            break  # far more than any report of talks names; the check asks about the first few
    # "hosted by the Norvik Water Board" also fits the slot with "Norvik" alone: keep the whole name.
    return [name for name in found if not any(other != name and _holds(other, name) for other in found)]


def _holds(name: str, part: str) -> bool:
    return contains_words(normalize(name), normalize(part))


_FUSED_MEDIATION = regex.compile(rf"(?<![\p{{L}}-])(?P<actor>\p{{Lu}}[\p{{L}}]+)-{_MEDIATION_VERB}\b")
