"""Scoring a predicted summary against a golden case, field by field.

Names match after normalisation (accents, case and punctuation ignored) by
equality, by an alias appearing as whole words in a prediction at most four
words longer, or by rapidfuzz ``token_sort_ratio`` >= 90 (not
``token_set_ratio``, which scores "Kim" equal to "Kim Jong Un"). Predictions
and gold entries are paired one-to-one by maximum bipartite matching, so a
duplicate prediction cannot claim the same gold entry twice. Predictions
that match nothing in gold but an ``allowed_extra`` entity (for participants
also a gold mediator) are left out of the counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from ._cases import GoldCase, GoldClaim
from ._schema import ArticleSummary, DisputedClaim

__all__ = [
    "FIELDS",
    "MACRO_FIELDS",
    "Counts",
    "FieldScore",
    "name_matches",
    "normalize",
    "score_case",
    "summarize_counts",
]

FIELDS = ("participants", "parties", "mediators", "topics", "claims", "claims_strict")
MACRO_FIELDS = ("participants", "parties", "mediators", "topics", "claims")

P = TypeVar("P")
G = TypeVar("G")

_FUZZY_THRESHOLD = 90
_MAX_EXTRA_WORDS = 4
_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)


def normalize(text: str) -> str:
    """NFKD, accents dropped, casefolded, punctuation to spaces, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_PUNCTUATION.sub(" ", stripped.casefold()).split())


def _alias_matches(prediction: str, alias: str) -> bool:
    if not prediction or not alias:
        return False
    if prediction == alias:
        return True
    p_words, a_words = prediction.split(), alias.split()
    extra = len(p_words) - len(a_words)
    if 0 <= extra <= _MAX_EXTRA_WORDS and f" {alias} " in f" {prediction} ":
        return True
    return fuzz.token_sort_ratio(prediction, alias) >= _FUZZY_THRESHOLD


def name_matches(prediction: str, aliases: Sequence[str]) -> bool:
    """Whether a predicted name is one of ``aliases`` under the scoring rules."""
    p = normalize(prediction)
    return any(_alias_matches(p, normalize(a)) for a in aliases)


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
