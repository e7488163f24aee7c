"""Scoring a predicted summary against a golden case, field by field.

Names match by the rules of ``_names`` (normalised equality, an alias as
whole words in a prediction at most four words longer, or rapidfuzz
``token_sort_ratio`` >= 90). Predictions
and gold entries are paired one-to-one by maximum bipartite matching, so a
duplicate prediction cannot claim the same gold entry twice. Predictions
that match nothing in gold but an ``allowed_extra`` entity (for participants
also a gold mediator) are left out of the counts.

The meeting block is scored apart, as accuracies over cases, and stays out of
the macro-F1 so that it is comparable with runs made before the block existed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from pydantic import BaseModel
from scipy.optimize import linear_sum_assignment

from ._cases import GoldCase, GoldClaim, GoldMeeting
from ._names import name_matches
from ._schema import ArticleSummary, DisputedClaim, Meeting
from .text import normalize

__all__ = [
    "ACCURACIES",
    "FIELDS",
    "MACRO_FIELDS",
    "Accuracy",
    "Counts",
    "FieldScore",
    "score_case",
    "score_meeting",
    "summarize_accuracy",
    "summarize_counts",
]

FIELDS = ("participants", "parties", "mediators", "topics", "claims", "claims_strict")
MACRO_FIELDS = ("participants", "parties", "mediators", "topics", "claims")
#: Right-or-wrong scores of one case's meeting block, pooled over cases as accuracies. ``place_precision`` is
#: the location scored only where the summary names a place: what a user who trusts the places given sees.
ACCURACIES = ("meeting_status", "meeting_location", "place_precision")

P = TypeVar("P")
G = TypeVar("G")


def _contains_any(text: str, keywords: Sequence[str]) -> bool:
    """Case- and accent-insensitive substring test; ``text`` is already normalised."""
    return any((k := normalize(keyword)) and k in text for keyword in keywords)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    ignored: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.ignored += other.ignored
        return self


class FieldScore(BaseModel):
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    ignored: int


def summarize_counts(counts: Counts) -> FieldScore:
    """Precision, recall and F1; nothing predicted and nothing expected counts as perfect."""
    precision = counts.tp / (counts.tp + counts.fp) if counts.tp + counts.fp else 1.0
    recall = counts.tp / (counts.tp + counts.fn) if counts.tp + counts.fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return FieldScore(
        precision=round(precision, 4),
        recall=round(recall, 4),
        f1=round(f1, 4),
        tp=counts.tp,
        fp=counts.fp,
        fn=counts.fn,
        ignored=counts.ignored,
    )


def _match_one_to_one(
    predictions: Sequence[P], gold: Sequence[G], matches: Callable[[P, G], bool]
) -> tuple[int, list[int]]:
    """Maximum one-to-one matching; returns (matched pairs, indices of unmatched predictions)."""
    if not predictions or not gold:
        return 0, list(range(len(predictions)))
    table = np.array([[matches(p, g) for g in gold] for p in predictions], dtype=float)
    rows, cols = linear_sum_assignment(table, maximize=True)
    paired = {int(r) for r, c in zip(rows, cols, strict=True) if table[r, c] > 0}
    return len(paired), [i for i in range(len(predictions)) if i not in paired]


def _score_names(predicted: list[str], gold: list[list[str]], tolerated: list[list[str]]) -> Counts:
    tp, unmatched = _match_one_to_one(predicted, gold, name_matches)
    ignored = sum(1 for i in unmatched if any(name_matches(predicted[i], aliases) for aliases in tolerated))
    return Counts(tp=tp, fp=len(unmatched) - ignored, fn=len(gold) - tp, ignored=ignored)


def _claim_text_matches(claim: DisputedClaim, gold: GoldClaim) -> bool:
    text = normalize(claim.claim)
    return all(_contains_any(text, group) for group in gold.keywords)


def _actors_match(names: list[str], gold_entities: list[list[str]]) -> bool:
    return any(name_matches(n, aliases) for n in names for aliases in gold_entities)


def _claim_strictly_matches(claim: DisputedClaim, gold: GoldClaim) -> bool:
    return (
        _claim_text_matches(claim, gold)
        and _actors_match(claim.claimed_by, gold.claimed_by)
        and _actors_match(claim.disputed_by, gold.disputed_by)
    )


def _score_items(predicted: Sequence[P], gold: Sequence[G], matches: Callable[[P, G], bool]) -> Counts:
    tp, unmatched = _match_one_to_one(predicted, gold, matches)
    return Counts(tp=tp, fp=len(unmatched), fn=len(gold) - tp)


def score_case(summary: ArticleSummary, case: GoldCase) -> dict[str, Counts]:
    """TP/FP/FN per field for one prediction."""
    topic_texts = [normalize(f"{t.label} {t.detail}") for t in summary.topics]
    return {
        "participants": _score_names(
            [p.name for p in summary.participants], case.participants, case.allowed_extra + case.mediators
        ),
        "parties": _score_names([p.name for p in summary.parties], case.parties, case.allowed_extra),
        "mediators": _score_names([m.name for m in summary.mediators], case.mediators, case.allowed_extra),
        "topics": _score_items(topic_texts, case.topics, _contains_any),
        "claims": _score_items(summary.disputed_claims, case.disputed_claims, _claim_text_matches),
        "claims_strict": _score_items(summary.disputed_claims, case.disputed_claims, _claim_strictly_matches),
    }


class Accuracy(BaseModel):
    """Cases scored right out of the cases that could be scored (``accuracy`` null when there are none)."""

    correct: int
    total: int
    accuracy: float | None


def summarize_accuracy(outcomes: Sequence[bool | None]) -> Accuracy:
    """Pool per-case outcomes; ``None`` (not scored for that case) is left out."""
    scored = [o for o in outcomes if o is not None]
    correct = sum(scored)
    return Accuracy(correct=correct, total=len(scored), accuracy=round(correct / len(scored), 4) if scored else None)


def score_meeting(meeting: Meeting, gold: GoldMeeting) -> dict[str, bool | None]:
    """Whether the summary's meeting status and location are right, by name in ``ACCURACIES``.

    The status is scored only where the article reports talks (gold status not ``none``) and must
    equal the gold status. The location is right when it names one of the gold aliases (the name
    rules above, so "Tripoli, Libya" names "Tripoli" and a whole clause names nothing), or when it
    is null where the article names no place for the talks. ``place_precision`` is the location's
    score where the summary names a place, and null where it names none.
    """
    status = None if gold.status == "none" else meeting.status == gold.status
    given = meeting.location is not None and bool(meeting.location.strip())
    if not given:
        location = not gold.location
    else:
        location = bool(gold.location) and name_matches(meeting.location or "", gold.location)
    return {"meeting_status": status, "meeting_location": location, "place_precision": location if given else None}
