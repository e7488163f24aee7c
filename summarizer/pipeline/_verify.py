"""Verifications: questions to the model about what grounding kept, answered as probabilities.

A verification runs after the grounding re-ask, when nothing else will read
the article: its content-free question may replace the article in the
server's prompt cache at no cost to a later step.
"""

from __future__ import annotations

from collections.abc import Generator

from pydantic import BaseModel

from .._probabilities import CONTENT_FREE, ChoiceProbabilities, calibrated_log_odds, logistic
from .._schema import DropReason
from ..grounding import Grounding
from ..reading import Reading
from ._steps import ModelRequest

__all__ = ["VENUE_CALIBRATION", "VENUE_THRESHOLD", "venue_check", "venue_confidence", "venue_questions", "venue_score"]

#: The calibrated log-odds of "yes" below which a meeting place is withdrawn. Fit on dev half A by
#: ``evals/fit_venue_threshold.py`` (the highest location accuracy there, the lowest such threshold), for
#: qwen2.5-coder-1.5b; confirmed on half B and on both genre groups.
VENUE_THRESHOLD = 2.35

#: ``(slope, intercept)`` of the logistic curve (Platt scaling) that maps a venue score to the probability that
#: the place is right by the eval's location rule. Fit on dev half A by ``evals/fit_venue_threshold.py`` (maximum
#: likelihood), for qwen2.5-coder-1.5b, on the same scores as the threshold; its Brier score on half B is 0.133
#: against the base rate's 0.201 (half A: 0.118 against 0.204). At ``VENUE_THRESHOLD`` it gives 0.41, and 0.5 at
#: a score of 2.49: the threshold, fit for accuracy, keeps a few places that are right less often than not.
VENUE_CALIBRATION = (2.654, -6.619)

_CHOICES = ("yes", "no")


def venue_questions(grounding: Grounding) -> tuple[ModelRequest, ModelRequest] | None:
    """The venue question about the grounded meeting place, over the article and over a content-free input;
    None when there is no place to ask about."""
    place = grounding.kept_meeting("location")
    if place is None:
        return None
    sides = [party.name for party in grounding.summary.parties]
    values = {"place": place, "sides": " and ".join(sides) if sides else "the sides"}
    asked = ModelRequest("venue", ChoiceProbabilities, values, choices=_CHOICES)
    return asked, ModelRequest("venue", ChoiceProbabilities, values, article=CONTENT_FREE, choices=_CHOICES)


def venue_score(asked: BaseModel, prior: BaseModel) -> float | None:
    """The calibrated log-odds that the talks were held at the place (``calibrated_log_odds`` of "yes"); None
    when the server gave no log-probabilities."""
    if not isinstance(asked, ChoiceProbabilities) or not isinstance(prior, ChoiceProbabilities):
        return None
    return calibrated_log_odds(asked, prior, "yes")


def venue_confidence(score: float) -> float:
    """The probability, in [0, 1], that a place with this venue score is where the talks were
    (``VENUE_CALIBRATION``)."""
    slope, intercept = VENUE_CALIBRATION
    return logistic(slope * score + intercept)


def venue_check(grounding: Grounding, reading: Reading) -> Generator[ModelRequest, BaseModel, None]:
    """Withdraws a meeting place the model, asked yes or no, does not hold to be where the talks were.

    The 1.5B fills the place with wherever the article's events happened (a
    city someone visited, the scene of an incident, a dateline): asked
    directly whether the talks between the sides were held there, it is surer
    of the right places, but its bias toward "yes" differs from place to
    place, so the same question over a content-free input is its prior, and
    the place stays only if the article lifts "yes" by at least
    ``VENUE_THRESHOLD`` in log-odds. The place's evidence carries the score as
    a probability (``venue_confidence``). A withdrawn place is listed in
    ``dropped`` under ``meeting`` with the reason ``low_confidence``. A server
    without log-probabilities leaves the place as it is, unrated.
    """
    questions = venue_questions(grounding)
    if questions is None:
        return
    asked = yield questions[0]
    prior = yield questions[1]
    score = venue_score(asked, prior)
    if score is None:
        return
    confidence = venue_confidence(score)
    grounding.rate_meeting("location", confidence)
    if score < VENUE_THRESHOLD:
        place = grounding.kept_meeting("location")
        grounding.reject_meeting(
            "location",
            DropReason.low_confidence,
            f"the model does not hold {place!r} to be where the talks were "
            f"(calibrated log-odds {score:.2f} < {VENUE_THRESHOLD}; confidence {confidence:.2f})",
        )
