"""The finishing step: free text a reader sees whole, and topic details that say something.

A small model bounded at generation (``_drafts``: 320, 160 and 240
characters) often stops inside a sentence it is copying from the article; the
bound marks such a text with "…". And a topic's detail often repeats its label
word for word, which the subjects check and the agenda repair do on purpose
(they add an article phrase as a topic). Both are fixed from the article's own
words, never invented:

- a cut text whose last words the article holds is completed with the article's
  words up to the end of that sentence (so is a text the model itself ended
  inside a sentence it was copying); else it keeps its whole sentences; a topic
  detail still cut becomes the article's sentence naming the topic, any other
  text still cut ends at its last clause past its middle, and only a text with
  no such clause keeps its "…", on a whole word;
- a detail that adds no word to its label becomes the article's sentence that
  names the label (or the detail).
"""

from __future__ import annotations

import itertools

from .._drafts import CUT_MARK
from .._schema import ArticleSummary
from ..grounding import ArticleIndex
from ..reading import Reading
from ..text import ends_sentence, normalize, sentence_spans

__all__ = ["echoes", "finish_text"]

# The last words of a cut text looked for in the article, longest first: enough to be one place.
_TAIL_WORDS = (6, 5, 4)
# Where a clause ends, in a text written with spaces and in one without (Chinese and Japanese commas).
_CLAUSE_MARKS = (", ", "; ", " – ", " — ", "，", "、", "；")
# A completion longer than this many characters is another sentence's worth, not the end of this one.
_MAX_COMPLETION = 240


def finish_text(summary: ArticleSummary, reading: Reading) -> ArticleSummary:
    """Completes cut free text from the article's words; an echoed topic detail becomes the article's sentence.

    A text the generation bound cut is completed, and a topic detail that repeats its label is replaced
    by the article's sentence that names it."""
    index = ArticleIndex(reading.article)
    topics = []
    for topic in summary.topics:
        # An echo first: completed, the label's phrase would read as the tail of a sentence ("supply line,
        # uninterrupted gas supply, as well as ..."); the whole sentence says what was said about it.
        detail = topic.detail if echoes(topic.label, topic.detail) else _completed(topic.detail, index)
        if echoes(topic.label, detail) or detail.endswith(CUT_MARK):
            # Still cut: a paraphrase the article cannot complete; the article's sentence naming the subject
            # says it whole.
            detail = _sentence_naming(topic.label, index) or _sentence_naming(detail, index) or _clause(detail)
        topics.append(topic if detail == topic.detail else topic.model_copy(update={"detail": detail}))
    claims = [
        c if (text := _clause(_completed(c.claim, index))) == c.claim else c.model_copy(update={"claim": text})
        for c in summary.disputed_claims
    ]
    text = _clause(_completed(summary.summary, index))
    return summary.model_copy(update={"summary": text, "topics": topics, "disputed_claims": claims})


def echoes(label: str, detail: str) -> bool:
    """Whether ``detail`` says nothing its label does not: every word of it is a word of the label."""
    words = set(normalize(detail).split())
    return not words or words <= set(normalize(label).split())


def _completed(text: str, index: ArticleIndex) -> str:
    cut = text.endswith(CUT_MARK)
    if not cut and ends_sentence(text):
        return text
    # A text the model itself ended inside a sentence it was copying ("... strike notice, indicating") is
    # completed the same way; one whose last words are not the article's it ended on purpose (a headline).
    kept = text[: -len(CUT_MARK)].rstrip() if cut else text.rstrip()
    words = kept.split()
    # A cut text's last word may be one the model put in place of the article's ("talks" for "meetings"):
    # then the words before it are looked for, and the article's own words follow them.
    for dropped, count in itertools.product((0, 1) if cut else (0,), _TAIL_WORDS):
        if len(words) < count + dropped:
            continue
        head = words[: len(words) - dropped]
        tail = " ".join(head[-count:])
        if len(normalize(tail).split()) < min(_TAIL_WORDS):
            continue  # a dash or a stray full stop is no word: too few words to be one place in the article
        found = index.locate_words(tail)
        if found is not None:
            rest = index.text[found.end : index.sentence_bounds(found.start, found.end)[1]]
            if len(rest) <= _MAX_COMPLETION:
                # The article's own spacing: "line" + ", uninterrupted" reads "line, uninterrupted".
                return " ".join((" ".join(head) + rest).split())
    if not cut:
        return text
    # Not the article's words: its whole sentences, if it has more than the cut one.
    spans = sentence_spans(kept)
    whole = kept[: spans[-2][1]].rstrip() if len(spans) > 1 else ""
    return whole if any(char.isalnum() for char in whole) else text


def _clause(text: str) -> str:
    """A text still cut, ended at its last whole clause: "They met in Oslo, and agreed to…" reads "They met
    in Oslo." Left cut where that clause would be less than half of it, which would lose what it says."""
    if not text.endswith(CUT_MARK):
        return text
    kept = text[: -len(CUT_MARK)]
    at = max(kept.rfind(mark) for mark in _CLAUSE_MARKS)
    if at < len(kept) // 2:
        return text
    return kept[:at].rstrip() + "."


def _sentence_naming(words: str, index: ArticleIndex) -> str | None:
    """The article's sentence that first names ``words``, on one line; None if the article does not.

    Where that sentence is the words alone (a headline copied as a topic), the sentence after it, which in
    a news story says the same in full (the lede)."""
    found = index.locate_words(words)
    if found is None:
        return None
    start, end = index.sentence_bounds(found.start, found.end)
    sentence = " ".join(index.text[start:end].split())
    if echoes(words, sentence):
        after = end + len(index.text[end:]) - len(index.text[end:].lstrip())
        sentence = " ".join(index.sentence_around(after, after + 1).split()) if after < len(index.text) else ""
    return sentence if sentence and not echoes(words, sentence) else None
