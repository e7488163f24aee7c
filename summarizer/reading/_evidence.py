"""What a reader offers about who said what: shared by every reader and the repair steps that use it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RoleCues"]


@dataclass(frozen=True)
class RoleCues:
    """Actors a passage's own wording casts as a claimant ("X's report", "X accused") or a denier."""

    claimants: frozenset[str]
    deniers: frozenset[str]
