"""Probability questions: the model's own distribution over a few answer words, read from its log-probabilities.

A small model's greedy pick under a grammar is often an option it gives
little weight to; a question answered with one free word ("yes", "no") and
read from the server's ``top_logprobs`` shows how sure it is. What a model
says with no article at all (a content-free input, Zhao et al., "Calibrate
Before Use", ICML 2021) is its bias for that question; dividing it out
(``calibrated_log_odds``) leaves what the article adds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from openai.types.chat import ChatCompletion
from pydantic import BaseModel, Field

__all__ = [
    "CONTENT_FREE",
    "ChoiceProbabilities",
    "calibrated_log_odds",
    "choice_probabilities",
    "logistic",
    "probability_params",
]

#: The stand-in article of a content-free question.
CONTENT_FREE = "N/A"

#: How many of the first token's alternatives to ask the server for: enough that every answer word shows.
_TOP_LOGPROBS = 20
#: Probabilities are clipped to this distance from 0 and 1 before taking log-odds.
_EPSILON = 1e-6


class ChoiceProbabilities(BaseModel):
    """The answer to a probability question: each choice's probability as the model's first token, normalised
    over the choices (they sum to 1), case and surrounding spaces ignored.

    ``probabilities`` is empty when the server returned no log-probabilities, or none of the choices was among
    its top tokens: the question has no answer, and a step that asked it changes nothing.
    """

    probabilities: dict[str, float] = Field(default_factory=dict)

    def of(self, choice: str) -> float | None:
        """The probability of ``choice``, in [0, 1]; None when the question has no answer."""
        return self.probabilities.get(choice) if self.probabilities else None


def probability_params(request: dict[str, Any]) -> dict[str, Any]:
    """A chat request's parameters for a probability question: one free token and its alternatives' log-probs,
    no response format and no re-asks."""
    kept: dict[str, Any] = {key: request[key] for key in ("messages", "seed") if key in request}
    return {**kept, "max_tokens": 1, "temperature": 0.0, "logprobs": True, "top_logprobs": _TOP_LOGPROBS}


def choice_probabilities(response: ChatCompletion, choices: Sequence[str]) -> ChoiceProbabilities:
    """Each of ``choices`` as the first token of ``response``, from its ``top_logprobs``: a choice's mass sums
    the tokens that spell it ("yes", " Yes"), and the masses are normalised over the choices.

    A choice missing from the list is less likely than every token listed: it gets the least listed
    probability, an upper bound. A list of fewer than two tokens (a server that returns only the one it
    wrote), one holding none of the choices, or one with a log-probability that is not a finite number (NaN,
    infinity: nothing to normalise) is no answer.
    """
    logprobs = response.choices[0].logprobs if response.choices else None
    content = logprobs.content if logprobs is not None else None
    tops = content[0].top_logprobs if content else []
    if len(tops) < 2 or not all(math.isfinite(top.logprob) for top in tops):
        return ChoiceProbabilities()
    wanted = {choice.casefold(): choice for choice in choices}
    mass: dict[str, float] = {}
    for top in tops:
        choice = wanted.get(top.token.strip().casefold())
        if choice is not None:
            mass[choice] = mass.get(choice, 0.0) + math.exp(top.logprob)
    if not mass:
        return ChoiceProbabilities()
    bound = math.exp(min(top.logprob for top in tops))
    mass = {choice: mass.get(choice, bound) for choice in choices}
    total = sum(mass.values())
    return ChoiceProbabilities(probabilities={choice: value / total for choice, value in mass.items()})


def calibrated_log_odds(asked: ChoiceProbabilities, prior: ChoiceProbabilities, choice: str) -> float | None:
    """The log-odds of ``choice`` given the article less its log-odds given a content-free input: above 0, the
    article makes the model surer of ``choice`` than its bias alone does. None when either has no answer."""
    p, q = asked.of(choice), prior.of(choice)
    if p is None or q is None:
        return None
    return _log_odds(p) - _log_odds(q)


def _log_odds(p: float) -> float:
    p = min(max(p, _EPSILON), 1 - _EPSILON)
    return math.log(p / (1 - p))


def logistic(logit: float) -> float:
    """The probability, in [0, 1], whose log-odds are ``logit`` (the inverse of log-odds); written so that
    neither branch's exp can overflow."""
    if logit >= 0:
        return 1 / (1 + math.exp(-logit))
    return math.exp(logit) / (1 + math.exp(logit))
