"""How well a finished summary is grounded: the rates ``--meta`` and the eval report give."""

from __future__ import annotations

from dataclasses import dataclass

from .._schema import GROUNDING_REASONS, ITEM_FIELDS, NAME_FIELDS, ArticleSummary, DropReason, Evidence

__all__ = ["GroundingCounts", "grounding_counts"]


@dataclass(frozen=True)
class GroundingCounts:
    """How well a summary is grounded: items whose evidence was found, and names not in the article."""

    items: int = 0
    grounded: int = 0
    names: int = 0
    names_not_in_article: int = 0

    def __add__(self, other: GroundingCounts) -> GroundingCounts:
        return GroundingCounts(
            self.items + other.items,
            self.grounded + other.grounded,
            self.names + other.names,
            self.names_not_in_article + other.names_not_in_article,
        )

    @property
    def grounding_rate(self) -> float | None:
        return round(self.grounded / self.items, 4) if self.items else None

    @property
    def hallucinated_entity_rate(self) -> float | None:
        return round(self.names_not_in_article / self.names, 4) if self.names else None


def grounding_counts(summary: ArticleSummary) -> GroundingCounts:
    """Count from a finished summary: its kept items, and the items dropped for want of grounding.

    Items dropped as duplicates or for their role were never a grounding
    question and are not counted; nor is the meeting's place or date, which is
    not an item (a model that writes "not specified" there is not quoting).
    """
    items = grounded = names = missing_names = 0
    for field in ITEM_FIELDS:
        for item in summary.items(field):
            evidence: Evidence | None = getattr(item, "evidence", None)
            items += 1
            ok = evidence is not None and evidence.span is not None and evidence.problem is None
            grounded += ok
            if field in NAME_FIELDS:
                names += 1
                missing_names += evidence is not None and evidence.problem is DropReason.name_not_in_article
    for entry in summary.dropped:
        if entry.reason in GROUNDING_REASONS and entry.field != "meeting":
            items += 1
            if entry.field in NAME_FIELDS:
                names += 1
                missing_names += entry.reason is DropReason.name_not_in_article
    return GroundingCounts(items, grounded, names, missing_names)
