"""Extraction strategies: which passes to ask the model for, and how to combine them.

``single`` is the naive baseline: one call, a one-line instruction plus the
full JSON Schema, each item with its quote. ``focused`` asks two focused
questions about the same article, the meeting and then the disputes, which
share the system prompt and the article as a prompt prefix so llama.cpp reads
the article once. The disputes pass is pointed at the sentences that carry a
denial cue, and may only name the actors those passages name; it is skipped
when there are none. Code then reads the article's wording to correct and
complete the answers (who claims and who denies, who met, which subjects were
discussed), deterministic post-processing tidies them, and the summarizer asks
for the items' quotes in a last pass over the same prefix.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from pydantic import BaseModel

from ._cues import actor_mentions, dispute_passages, meeting_people, role_cues, topic_phrases
from ._exceptions import ConfigurationError
from ._postprocess import add_participants, add_topics, align_roles, tidy
from ._schema import (
    MEETING_DRAFTS,
    ArticleSummary,
    ArticleSummaryDraft,
    ClaimDraft,
    DisputeFinding,
    DisputeFindings,
    ItemDraft,
    MeetingFacts,
    dispute_findings_model,
    summary_from_answers,
)

__all__ = ["DEFAULT_STRATEGY", "STRATEGIES", "Pass", "Strategy", "get_strategy"]


@dataclass(frozen=True)
class Pass:
    """One model call: the prompt template it uses and the model it must answer.

    ``prepare`` reads the article for the pass: extra template values and
    the model to answer (which may depend on the article); when it returns
    None the pass has nothing to look at and is skipped.
    """

    name: str
    response_model: type[BaseModel]
    prepare: Callable[[str], tuple[dict[str, str], type[BaseModel]] | None] | None = None

    def request(self, article: str) -> tuple[dict[str, str], type[BaseModel]] | None:
        return self.prepare(article) if self.prepare else ({}, self.response_model)


@lru_cache(maxsize=8)
def _dispute_reading(article: str) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """The article's denial passages and the actors they name: asked for by the pass, used again to combine."""
    passages = dispute_passages(article)
    return tuple(passages), tuple(actor_mentions(passages, article))


def _dispute_request(article: str) -> tuple[dict[str, str], type[BaseModel]] | None:
    passages, actors = _dispute_reading(article)
    if not passages:
        return None
    candidates = "\n".join(f"{n}. {' '.join(p)}" for n, p in enumerate(passages, start=1))
    return {"candidates": candidates}, dispute_findings_model(actors)


class Strategy(ABC):
    name: str
    #: The prompt set (``prompts/<version>.*.txt``); it has a ``reground`` template for the grounding re-ask.
    prompt_version: str
    passes: tuple[Pass, ...]
    #: The item the model writes for each summary field; a grounding re-ask asks for it again, with a quote.
    drafts: ClassVar[dict[str, type[ItemDraft]]]

    @abstractmethod
    def combine(self, answers: dict[str, BaseModel], article: str) -> ArticleSummary:
        """Build the summary from each pass's validated answer; evidence is located afterwards."""


class SingleCall(Strategy):
    name = "single"
    prompt_version = "naive-v2"
    passes = (Pass("summary", ArticleSummaryDraft),)
    drafts: ClassVar[dict[str, type[ItemDraft]]] = {**MEETING_DRAFTS, "disputed_claims": ClaimDraft}

    def combine(self, answers: dict[str, BaseModel], article: str) -> ArticleSummary:
        return summary_from_answers(answers["summary"])


class FocusedPasses(Strategy):
    name = "focused"
    # The version names what shapes the answer, prompts and the code that completes them alike: a result
    # cache keyed on it must not serve answers from before the wording cues.
    prompt_version = "focused-v4"
    passes = (Pass("meeting", MeetingFacts), Pass("disputes", DisputeFindings, _dispute_request))
    drafts: ClassVar[dict[str, type[ItemDraft]]] = {**MEETING_DRAFTS, "disputed_claims": DisputeFinding}

    def combine(self, answers: dict[str, BaseModel], article: str) -> ArticleSummary:
        meeting = MeetingFacts.model_validate(answers["meeting"].model_dump())
        found = answers.get("disputes")  # skipped when no sentence carries a denial
        disputes = DisputeFindings.model_validate(found.model_dump()) if found else DisputeFindings(disputed_claims=[])
        summary = summary_from_answers(meeting, disputes.disputed_claims)
        passages, actors = _dispute_reading(article)
        cues = [role_cues(passage, actors) for passage in passages]
        claims = align_roles(summary.disputed_claims, passages, cues)
        summary = add_topics(add_participants(summary, meeting_people(article)), topic_phrases(article))
        return tidy(summary.model_copy(update={"disputed_claims": claims}))


STRATEGIES: dict[str, Strategy] = {s.name: s for s in (FocusedPasses(), SingleCall())}
DEFAULT_STRATEGY = "focused"


def get_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ConfigurationError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}") from None
