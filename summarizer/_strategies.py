"""Extraction strategies: which passes to ask the model for, and how to combine them.

``single`` is the naive baseline: one call, a one-line instruction plus the
full JSON Schema. ``focused`` asks two focused questions about the same
article, the meeting and then the disputes, which share the system prompt
and the article as a prompt prefix so llama.cpp reads the article once. The
disputes pass is pointed at the sentences that carry a denial cue, and
skipped when there are none; the answers are then tidied by deterministic
post-processing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from ._cues import dispute_sentences
from ._exceptions import ConfigurationError
from ._postprocess import tidy
from ._schema import ArticleSummary, DisputeFindings, MeetingFacts

__all__ = ["DEFAULT_STRATEGY", "STRATEGIES", "Pass", "Strategy", "get_strategy"]


@dataclass(frozen=True)
class Pass:
    """One model call: the prompt template it uses and the model it must answer.

    ``context`` computes extra template values from the article; when it
    returns None the pass has nothing to look at and is skipped.
    """

    name: str
    response_model: type[BaseModel]
    context: Callable[[str], dict[str, str] | None] | None = None

    def values(self, article: str) -> dict[str, str] | None:
        return self.context(article) if self.context else {}


def _dispute_candidates(article: str) -> dict[str, str] | None:
    passages = dispute_sentences(article)
    if not passages:
        return None
    return {"candidates": "\n".join(f"{n}. {p}" for n, p in enumerate(passages, start=1))}


class Strategy(ABC):
    name: str
    prompt_version: str
    passes: tuple[Pass, ...]

    @abstractmethod
    def combine(self, answers: dict[str, BaseModel], article: str) -> ArticleSummary:
        """Build the summary from each pass's validated answer."""


class SingleCall(Strategy):
    name = "single"
    prompt_version = "naive-v1"
    passes = (Pass("summary", ArticleSummary),)

    def combine(self, answers: dict[str, BaseModel], article: str) -> ArticleSummary:
        return ArticleSummary.model_validate(answers["summary"].model_dump())


class FocusedPasses(Strategy):
    name = "focused"
    prompt_version = "focused-v1"
    passes = (Pass("meeting", MeetingFacts), Pass("disputes", DisputeFindings, _dispute_candidates))

    def combine(self, answers: dict[str, BaseModel], article: str) -> ArticleSummary:
        meeting = MeetingFacts.model_validate(answers["meeting"].model_dump())
        found = answers.get("disputes")  # skipped when no sentence carries a denial
        disputes = DisputeFindings.model_validate(found.model_dump()) if found else DisputeFindings(disputed_claims=[])
        summary = ArticleSummary(
            **meeting.model_dump(),
            disputed_claims=[finding.as_claim() for finding in disputes.disputed_claims],
        )
        return tidy(summary, article)


STRATEGIES: dict[str, Strategy] = {s.name: s for s in (FocusedPasses(), SingleCall())}
DEFAULT_STRATEGY = "focused"


def get_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ConfigurationError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}") from None
