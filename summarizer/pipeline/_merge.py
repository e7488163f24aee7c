"""Merging the summaries of an article's chunks into one summary of the whole article.

Each chunk was summarized and grounded on its own, so its spans count from
the chunk's start: they are moved by the chunk's offset. Then one entity is
listed once (its best-grounded mention: an exact quote before a normalised
or fuzzy one, the earlier chunk on a tie), one topic once, one claim once;
the meeting's status is the first one a chunk could tell, its date and place
the first given; the summary sentence is the first chunk's, where an article
sets out what it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel
from rapidfuzz import fuzz

from .._names import name_matches
from .._schema import ArticleSummary, DisputedClaim, Evidence, MatchKind, Meeting, MeetingStatus
from ..text import normalize

__all__ = ["merge_summaries"]

T = TypeVar("T", bound=BaseModel)

# Claims worded this alike (rapidfuzz token-set ratio) by the same sides are one claim read twice.
_SAME_CLAIM = 85
_MATCH_RANK = {MatchKind.exact: 0, MatchKind.normalized: 1, MatchKind.fuzzy: 2, None: 3}


def merge_summaries(parts: Sequence[tuple[int, ArticleSummary]]) -> ArticleSummary:
    """One summary from ``(offset, summary)`` per chunk, in article order; spans become article offsets."""
    if not parts:
        raise ValueError("no chunk summaries to merge")
    moved = [_moved(summary, offset) for offset, summary in parts]
    if len(moved) == 1:
        return moved[0]
    return moved[0].model_copy(
        update={
            "meeting": _meeting([s.meeting for s in moved]),
            "parties": _once([i for s in moved for i in s.parties], lambda p: p.name, _same_name),
            "participants": _once([i for s in moved for i in s.participants], lambda p: p.name, _same_name),
            "mediators": _once([i for s in moved for i in s.mediators], lambda m: m.name, _same_name),
            "topics": _once([i for s in moved for i in s.topics], lambda t: t.label, _same_label),
            "disputed_claims": _once([i for s in moved for i in s.disputed_claims], lambda c: c.claim, _same_claim),
            "dropped": [d for s in moved for d in s.dropped],
        }
    )


def _same_name(a: str, b: str) -> bool:
    return name_matches(a, [b]) or name_matches(b, [a])


def _same_label(a: str, b: str) -> bool:
    return normalize(a) == normalize(b)


def _moved(summary: ArticleSummary, offset: int) -> ArticleSummary:
    if offset == 0:
        return summary
    updates = {}
    for field in ("parties", "participants", "mediators", "topics", "disputed_claims"):
        items = []
        for item in getattr(summary, field):
            evidence: Evidence | None = getattr(item, "evidence", None)
            if evidence is not None and evidence.span is not None:
                start, end = evidence.span
                item = item.model_copy(
                    update={"evidence": evidence.model_copy(update={"span": (start + offset, end + offset)})}
                )
            items.append(item)
        updates[field] = items
    return summary.model_copy(update=updates)


def _once(items: list[T], key: Callable[[T], str], same: Callable[[str, str], bool]) -> list[T]:
    """Each item once, in first-mention order, as its best-grounded mention."""
    kept: list[T] = []
    for item in items:
        for index, existing in enumerate(kept):
            if same(key(item), key(existing)) and _same_sides(item, existing):
                if _rank(item) < _rank(existing):
                    kept[index] = item
                break
        else:
            kept.append(item)
    return kept


def _same_sides(item: BaseModel, existing: BaseModel) -> bool:
    """Claims are one only when made by the same side as well."""
    if isinstance(item, DisputedClaim) and isinstance(existing, DisputedClaim):
        return any(name_matches(a, existing.claimed_by) for a in item.claimed_by) or not (
            item.claimed_by and existing.claimed_by
        )
    return True


def _same_claim(a: str, b: str) -> bool:
    return fuzz.token_set_ratio(normalize(a), normalize(b)) >= _SAME_CLAIM


def _rank(item: BaseModel) -> int:
    evidence: Evidence | None = getattr(item, "evidence", None)
    return _MATCH_RANK[evidence.match if evidence is not None and evidence.span is not None else None]


def _meeting(meetings: list[Meeting]) -> Meeting:
    status = next((m.status for m in meetings if m.status is not MeetingStatus.unclear), MeetingStatus.unclear)
    date = next((m.date for m in meetings if m.date), None)
    location = next((m.location for m in meetings if m.location), None)
    return Meeting(status=status, date=date, location=location)
