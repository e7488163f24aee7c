"""What a reader offers about who said what: shared by every reader and the repair steps that use it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Attribution", "RoleCues"]


@dataclass(frozen=True)
class RoleCues:
    """Actors a passage's own wording casts as a claimant ("X's report", "X accused") or a denier."""

    claimants: frozenset[str]
    deniers: frozenset[str]


@dataclass(frozen=True)
class Attribution:
    """One sentence of the article and the actors its wording names as the source of what it states
    ("X said", "according to X", "X's claim"): where a claim denied elsewhere may have been made."""

    #: The sentence's position among the article's sentences (``Reading.sentences``), from 0.
    index: int
    sentence: str
    sources: tuple[str, ...]
