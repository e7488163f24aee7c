"""Merging the summaries of an article's chunks into one summary of the whole article.

Each chunk was summarized and grounded on its own, so its spans count from
the chunk's start: they are moved by the chunk's offset. Then one entity is
listed once: as first mentioned (a person by the fullest name given), with
the best-grounded quote of its mentions (exact before normalised before
fuzzy, the earlier on a tie) and any field the first left empty filled from
a later one; one topic once, one claim once. A list longer than the contract
allows keeps its first items and lists the rest in ``dropped``
(``over_limit``). The meeting's status is the first one a chunk could tell,
its date and place the first given; the summary sentence is the first
chunk's that has one, where an article sets out what it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from rapidfuzz import fuzz

from .._names import name_matches, same_name
from .._schema import (
    ITEM_FIELDS,
    MAX_ITEMS,
    MAX_PEOPLE,
    MEETING_FIELDS,
    ArticleSummary,
    DisputedClaim,
    DroppedItem,
    DropReason,
    Evidence,
    MatchKind,
    Meeting,
    MeetingStatus,
    Participant,
)
from ..text import normalize

__all__ = ["merge_summaries"]

T = TypeVar("T", bound=BaseModel)

# Claims worded this alike (rapidfuzz token-sort ratio) by the same sides are one claim read twice.
_SAME_CLAIM = 85
_MATCH_RANK = {MatchKind.exact: 0, MatchKind.normalized: 1, MatchKind.fuzzy: 2, None: 3}


def merge_summaries(parts: Sequence[tuple[int, ArticleSummary]]) -> ArticleSummary:
    """One summary from ``(offset, summary)`` per chunk, in article order; spans become article offsets."""
    if not parts:
        raise ValueError("no chunk summaries to merge")
    moved = [_moved(summary, offset) for offset, summary in parts]
    if len(moved) == 1:
        return moved[0]
    head = next((s for s in moved if s.summary.strip()), moved[0])
    # Sentences dropped from a summary that is not shown are no news to the reader.
    dropped = [d for s in moved for d in s.dropped if d.field != "summary" or s is head]
    lists: dict[str, list[BaseModel]] = {
        "parties": list(_once([i for s in moved for i in s.parties], _name, same_name)),
        "participants": list(_once([i for s in moved for i in s.participants], _name, same_name)),
        "mediators": list(_once([i for s in moved for i in s.mediators], _name, same_name)),
        "topics": list(_once([i for s in moved for i in s.topics], _label, _same_label)),
        "disputed_claims": list(_once([i for s in moved for i in s.disputed_claims], _claim, _same_claim)),
    }
    for field, items in lists.items():
        limit = MAX_PEOPLE if field == "participants" else MAX_ITEMS
        for item in items[limit:]:
            detail = f"more than {limit} {field} across the article's chunks; the first {limit} are kept"
            dropped.append(
                DroppedItem(field=field, item=item.model_dump(mode="json"), reason=DropReason.over_limit, detail=detail)
            )
        lists[field] = items[:limit]
    meeting = _meeting([s.meeting for s in moved])
    # A place or date one chunk could not ground is no news where another chunk grounded it.
    grounded = {f for f in MEETING_FIELDS if _spanned(getattr(meeting, f"{f}_evidence"))}
    dropped = [d for d in dropped if d.field != "meeting" or not set(d.item) & grounded]
    return head.model_copy(update={"meeting": meeting, **lists, "dropped": dropped})


def _name(item: BaseModel) -> str:
    return str(getattr(item, "name", ""))


def _label(item: BaseModel) -> str:
    return str(getattr(item, "label", ""))


def _claim(item: BaseModel) -> str:
    return str(getattr(item, "claim", ""))


def _same_label(a: str, b: str) -> bool:
    return normalize(a) == normalize(b)


def _moved(summary: ArticleSummary, offset: int) -> ArticleSummary:
    if offset == 0:
        return summary
    updates: dict[str, Any] = {}
    for field in ITEM_FIELDS:
        items = []
        for item in summary.items(field):
            evidence: Evidence | None = getattr(item, "evidence", None)
            items.append(item.model_copy(update={"evidence": _shifted(evidence, offset)}) if evidence else item)
        updates[field] = items
    meeting = summary.meeting
    updates["meeting"] = meeting.model_copy(
        update={f"{f}_evidence": _shifted(getattr(meeting, f"{f}_evidence"), offset) for f in MEETING_FIELDS}
    )
    return summary.model_copy(update=updates)


def _shifted(evidence: Evidence | None, offset: int) -> Evidence | None:
    """``evidence`` with its span moved by ``offset`` (a chunk's start in the article); unlocated stays so."""
    if evidence is None or evidence.span is None:
        return evidence
    start, end = evidence.span
    return evidence.model_copy(update={"span": (start + offset, end + offset)})


def _once(items: list[T], key: Callable[[T], str], same: Callable[[str, str], bool]) -> list[T]:
    """Each item once, in first-mention order: the first mention, completed by the later ones."""
    kept: list[T] = []
    for item in items:
        for index, existing in enumerate(kept):
            if same(key(item), key(existing)) and _same_sides(item, existing):
                kept[index] = _completed(existing, item)
                break
        else:
            kept.append(item)
    return kept


def _completed(first: T, later: T) -> T:
    """``first`` with the better-grounded evidence of the two, its empty fields filled from ``later``, and,
    for a person, the fuller name."""
    updates: dict[str, object] = {
        name: getattr(later, name)
        for name in type(first).model_fields
        if getattr(first, name) in (None, "", []) and getattr(later, name) not in (None, "", [])
    }
    if _rank(later) < _rank(first):
        updates["evidence"] = getattr(later, "evidence", None)
    if isinstance(first, Participant) and isinstance(later, Participant) and len(later.name) > len(first.name):
        updates["name"] = later.name
    return first.model_copy(update=updates)


def _same_sides(item: BaseModel, existing: BaseModel) -> bool:
    """Claims are one only when made by the same side as well."""
    if isinstance(item, DisputedClaim) and isinstance(existing, DisputedClaim):
        return any(name_matches(a, existing.claimed_by) for a in item.claimed_by) or not (
            item.claimed_by and existing.claimed_by
        )
    return True


def _same_claim(a: str, b: str) -> bool:
    # Sorted tokens, not a token set: a claim is not the same as a longer one that holds its words.
    return fuzz.token_sort_ratio(normalize(a), normalize(b)) >= _SAME_CLAIM


def _rank(item: BaseModel) -> int:
    evidence: Evidence | None = getattr(item, "evidence", None)
    return _MATCH_RANK[evidence.match if evidence is not None and evidence.span is not None else None]


def _meeting(meetings: list[Meeting]) -> Meeting:
    status = next((m.status for m in meetings if m.status is not MeetingStatus.unclear), MeetingStatus.unclear)
    # Each value with its own evidence: the chunk that names the place is the one whose span points at it. A
    # value grounded in its chunk comes before one kept ungrounded (--keep-ungrounded) from an earlier chunk.
    dated = next((m for m in meetings if m.date and _spanned(m.date_evidence)), None) or next(
        (m for m in meetings if m.date), None
    )
    placed = next((m for m in meetings if m.location and _spanned(m.location_evidence)), None) or next(
        (m for m in meetings if m.location), None
    )
    return Meeting(
        status=status,
        date=dated.date if dated else None,
        date_evidence=dated.date_evidence if dated else None,
        location=placed.location if placed else None,
        location_evidence=placed.location_evidence if placed else None,
    )


def _spanned(evidence: Evidence | None) -> bool:
    """Grounded and kept: located words, not flagged (a place the venue check withdrew keeps its span)."""
    return evidence is not None and evidence.span is not None and evidence.problem is None
