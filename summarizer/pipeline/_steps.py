"""The parts a strategy is declared from: model requests, passes and repair steps."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

from pydantic import BaseModel

from .._schema import ArticleSummary
from ..grounding import Grounding
from ..reading import Reading

__all__ = ["Check", "ModelRequest", "Pass", "Repair", "Verification", "current_request"]


@dataclass(frozen=True)
class ModelRequest:
    """One question for the model, before it is rendered into messages; what a fake backend receives.

    ``pass_name`` names the prompt template; ``values`` fill the variables the
    pass declares; ``items`` are the summary items the question is about
    (evidence: the items to quote; reground: the items that failed
    grounding), by summary field, in the order the answer must follow.
    ``article`` is the text the question is asked over when that is one
    chunk of a long article, or a content-free stand-in; None for the whole
    article.

    With ``choices``, the request is a probability question, not a
    structured one: the model writes one free token, and the answer is a
    ``ChoiceProbabilities`` of each choice as that token (read from the
    server's log-probabilities; empty when it gives none).
    """

    pass_name: str
    response_model: type[BaseModel]
    values: Mapping[str, str] = field(default_factory=dict)
    items: Mapping[str, tuple[BaseModel, ...]] = field(default_factory=dict)
    article: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pass:
    """One model call of a strategy: its template, the variables it fills and how it asks.

    ``ask`` builds the request from the reading, or returns None when the
    reading shows there is nothing to ask; without it the pass always asks
    for ``response_model`` with no extra values.
    """

    name: str
    response_model: type[BaseModel]
    variables: tuple[str, ...] = ()
    ask: Callable[[Reading], ModelRequest | None] | None = None
    #: Whether ``--without NAME`` may switch it off (a pass whose answer the summary cannot do without may not).
    optional: bool = False

    def request(self, reading: Reading) -> ModelRequest | None:
        return self.ask(reading) if self.ask else ModelRequest(self.name, self.response_model)


@dataclass(frozen=True)
class Repair:
    """A named step ``(summary, reading) -> summary`` run after the passes; removals go to ``dropped``."""

    name: str
    apply: Callable[[ArticleSummary, Reading], ArticleSummary]

    def __call__(self, summary: ArticleSummary, reading: Reading) -> ArticleSummary:
        return self.apply(summary, reading)


@dataclass(frozen=True)
class Check:
    """A question about the summary so far, asked after the repair steps: ``ask`` builds it from the summary
    and the reading (None when there is nothing to ask), ``apply`` folds the validated answer back in, with the
    reading at hand."""

    name: str
    ask: Callable[[ArticleSummary, Reading], ModelRequest | None]
    apply: Callable[[ArticleSummary, Reading, ModelRequest, BaseModel], ArticleSummary]
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verification:
    """A step after grounding that asks the model about what grounding kept, and may withdraw it.

    ``run`` is a generator: it yields its requests, receives each answer,
    and changes the ``Grounding`` in place (``Grounding.reject_meeting``).
    ``variables`` are the values its template fills.
    """

    name: str
    run: Callable[[Grounding, Reading], Generator[ModelRequest, BaseModel, None]]
    variables: tuple[str, ...] = ()


#: The request being sent, while it is sent: a test's fake backend answers from it instead of parsing the
#: prompt's wording (``summarizer.testing.TaskBackend``). Real backends never look at it.
current_request: ContextVar[ModelRequest | None] = ContextVar("current_request", default=None)
