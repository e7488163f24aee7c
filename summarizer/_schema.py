"""The summary contract: pydantic models whose field names other tools read.

Descriptions are written for the model as much as for people: they are
rendered into the prompt's field guide and exported with the JSON Schema.
List lengths are bounded so a grammar-constrained small model cannot loop
forever inside an array. What each pass asks the model for is in ``_drafts``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "GROUNDING_REASONS",
    "ITEM_FIELDS",
    "MEETING_FIELDS",
    "NAME_FIELDS",
    "SCHEMA_VERSION",
    "ArticleSummary",
    "DisputedClaim",
    "DropReason",
    "DroppedItem",
    "Evidence",
    "MatchKind",
    "Mediator",
    "MediatorKind",
    "Meeting",
    "MeetingStatus",
    "Participant",
    "Party",
    "Stance",
    "Topic",
    "export_schemas",
    "schema_documents",
]

# Bump when a change to the models changes what a consumer reads.
SCHEMA_VERSION = "7"

MAX_PEOPLE = 12
MAX_ITEMS = 8
#: Names per side of one disputed claim (``claimed_by``, ``disputed_by``).
MAX_CLAIM_ACTORS = 4


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MatchKind(StrEnum):
    exact = "exact"
    normalized = "normalized"
    fuzzy = "fuzzy"


class DropReason(StrEnum):
    """Why an item was removed from a summary (or, for the first three, flagged by --keep-ungrounded)."""

    missing_quote = "missing_quote"
    quote_not_found = "quote_not_found"
    name_not_in_article = "name_not_in_article"
    duplicate = "duplicate"
    empty = "empty"
    not_a_person = "not_a_person"
    mediator_or_side = "mediator_or_side"
    not_a_mediator = "not_a_mediator"
    incomplete_claim = "incomplete_claim"
    over_limit = "over_limit"
    #: The model's calibrated confidence in the value is too low: its log-odds below a verification's threshold
    #: fit on the dev set, or its probability below a user's minimum (``ArticleSummary.at_confidence``).
    low_confidence = "low_confidence"


#: The reasons that mean an item is not supported by the article's words.
GROUNDING_REASONS = frozenset((DropReason.missing_quote, DropReason.quote_not_found, DropReason.name_not_in_article))


class Evidence(_Strict):
    quote: str = Field(description="A short quote from the article, chosen by the model, that supports the item.")
    span: tuple[int, int] | None = Field(
        default=None,
        description="[start, end) offsets of the quote in the article as given, counted in Unicode code points "
        "(Python string indices), located by code; null when the quote was not found.",
    )
    match: MatchKind | None = Field(
        default=None,
        description="How the quote was found: exact, normalized (case, spacing, quotes, dashes, accents, "
        "hyphenation) or fuzzy (alignment score >= 90); null when not found.",
    )
    problem: DropReason | None = Field(
        default=None, description="Why the item failed grounding; set only on items kept with --keep-ungrounded."
    )
    confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="The probability, 0 to 1, that the item is right, from the model's own calibrated answer to a "
        "verification question about it (today only the meeting location: were the talks held there?), mapped to "
        "a probability on dev half A for the embedded model; null where no verification asked, where the value "
        "has no evidence (meeting grounding switched off), or where the server gave no log-probabilities.",
    )


def _evidence_field() -> Any:
    return Field(default=None, description="Where the article supports this item; null if not grounded.")


class MeetingStatus(StrEnum):
    """Whether the talks took place, as the article reports it."""

    held = "held"
    ongoing = "ongoing"
    planned = "planned"
    postponed = "postponed"
    cancelled = "cancelled"
    refused = "refused"
    denied = "denied"
    unclear = "unclear"


_STATUS_DESCRIPTION = (
    "Whether the talks took place: held, ongoing (going on as reported), planned, postponed, "
    "cancelled, refused (a side would not take part), denied (a side says they never happened "
    "or are not happening) or unclear."
)


#: The meeting's fields that code grounds, each with its evidence in ``<field>_evidence``.
MEETING_FIELDS = ("location", "date")


class Meeting(_Strict):
    # Defaulted so that summaries written before the field (schema version 2) still read.
    status: MeetingStatus = Field(default=MeetingStatus.unclear, description=_STATUS_DESCRIPTION)
    date: str | None = Field(
        description="When the meeting took place, worded as the article words it "
        "(e.g. 'Wednesday', 'March 1'); null if the article does not say."
    )
    location: str | None = Field(
        description="Where the meeting took place, as the article names it; null if the article does not say."
    )
    # Filled by code, never asked of the model; defaulted so that summaries of schema version 4 still read.
    location_evidence: Evidence | None = Field(
        default=None,
        description="Where the article names the location: the words and their span, located by code. A location "
        "the article does not name is removed (null) and listed in `dropped` under the field `meeting`.",
    )
    date_evidence: Evidence | None = Field(
        default=None, description="Where the article states the date, located by code like the location's."
    )


class Party(_Strict):
    name: str = Field(description="Short name of the side, e.g. the country's name.")
    evidence: Evidence | None = _evidence_field()


class Participant(_Strict):
    name: str = Field(description="Full name of a person who sat in the meeting, as written in the article.")
    role: str | None = Field(description="Their title or function, from the article; null if not given.")
    side: str | None = Field(description="The party they represented (one of `parties`); null if unclear.")
    evidence: Evidence | None = _evidence_field()


class MediatorKind(StrEnum):
    person = "person"
    organization = "organization"
    state = "state"


class Mediator(_Strict):
    name: str = Field(description="Who mediated, hosted or facilitated the meeting without being one of the sides.")
    kind: MediatorKind = Field(description="person, organization or state.")
    evidence: Evidence | None = _evidence_field()


class Topic(_Strict):
    label: str = Field(description="A short name for a subject the article says was discussed (2-6 words).")
    detail: str = Field(description="One sentence on what was said or sought about it, using the article's words.")
    evidence: Evidence | None = _evidence_field()


class Stance(StrEnum):
    denied = "denied"
    rejected = "rejected"
    contested = "contested"


class DisputedClaim(_Strict):
    claim: str = Field(description="The claim, stated neutrally as one sentence.")
    claimed_by: list[str] = Field(
        max_length=MAX_CLAIM_ACTORS, description="Who made or reported the claim (names of actors)."
    )
    disputed_by: list[str] = Field(
        max_length=MAX_CLAIM_ACTORS, description="Who denied, rejected or contested it (names of actors)."
    )
    stance: Stance = Field(
        description="denied (said to be untrue), rejected (refused a demand or proposal) "
        "or contested (disputed in part)."
    )
    evidence: Evidence | None = _evidence_field()


#: The summary's lists of items; each item carries evidence.
ITEM_FIELDS = ("parties", "participants", "mediators", "topics", "disputed_claims")
#: The fields whose items are named entities, checked against the article's names.
NAME_FIELDS = ("parties", "participants", "mediators")


class DroppedItem(_Strict):
    field: str = Field(
        description="The summary field the item was given for, e.g. participants; summary for a sentence of it."
    )
    item: dict[str, Any] = Field(description="The item as the model gave it.")
    reason: DropReason = Field(description="Why it was removed, as a code.")
    detail: str = Field(description="The reason in words, e.g. which name is not in the article.")

    @property
    def headline(self) -> str:
        """The item's name, label or claim (or the dropped summary sentence), whichever it has."""
        item = self.item
        return str(
            item.get("name")
            or item.get("label")
            or item.get("claim")
            or item.get("summary")
            or item.get("location")
            or item.get("date")
            or ""
        )


class ArticleSummary(_Strict):
    """A structured summary of one news article about a meeting or talks."""

    summary: str = Field(description="One to three neutral sentences saying what happened.")
    meeting: Meeting = Field(description="Whether, when and where the talks took place.")
    parties: list[Party] = Field(
        max_length=MAX_ITEMS,
        description="The sides that met: each state, government or movement that sent people to the meeting.",
    )
    participants: list[Participant] = Field(
        max_length=MAX_PEOPLE,
        description="Named people who took part in the meeting. Not spokespeople or officials who only "
        "commented on it, not the mediators, not people merely quoted.",
    )
    mediators: list[Mediator] = Field(
        max_length=MAX_ITEMS,
        description="The third party that mediated, hosted or facilitated the meeting, if any.",
    )
    topics: list[Topic] = Field(
        max_length=MAX_ITEMS,
        description="Concrete subjects the article says were discussed or negotiated.",
    )
    disputed_claims: list[DisputedClaim] = Field(
        max_length=MAX_ITEMS,
        description="Claims one actor made that another actor denied, rejected or contested in the article.",
    )
    dropped: list[DroppedItem] = Field(
        default_factory=list,
        description="Items the model gave that were removed, each with the reason: never removed silently.",
    )

    def items(self, field: str) -> list[BaseModel]:
        """The list-of-items field ``field`` (one of ``ITEM_FIELDS``)."""
        items: list[BaseModel] = getattr(self, field)
        return items

    def rated(self) -> int:
        """How many of the summary's values (the meeting's place and date, every item) carry a confidence: what
        ``at_confidence`` can remove. 0 where no verification asked, or the server gave no log-probabilities."""
        evidences = [self.meeting.location_evidence, self.meeting.date_evidence]
        evidences += [getattr(item, "evidence", None) for field in ITEM_FIELDS for item in self.items(field)]
        return sum(1 for evidence in evidences if evidence is not None and evidence.confidence is not None)

    def at_confidence(self, minimum: float) -> ArticleSummary:
        """A copy without what a verification rated below ``minimum`` (a probability, 0 to 1): each such item,
        and the meeting's location or date (made null), listed in ``dropped`` with the reason
        ``low_confidence``. What no verification rated (``evidence.confidence`` null) stays: unrated is not
        doubtful. Raises ``TypeError`` for a ``minimum`` that is not a number, ``ValueError`` for one outside
        [0, 1] (NaN included)."""
        if isinstance(minimum, bool) or not isinstance(minimum, int | float):
            raise TypeError(f"a minimum confidence is a number from 0 to 1, not {minimum!r}")
        if not 0 <= minimum <= 1:
            raise ValueError(f"a minimum confidence is a probability from 0 to 1, not {minimum}")

        def below(evidence: Evidence | None) -> str | None:
            """Why the evidence's item goes; None when it stays."""
            confidence = evidence.confidence if evidence is not None else None
            if confidence is None or confidence >= minimum:
                return None
            # Unrounded (as "g" writes it): 0.4979 rounded to 0.50 would read as not below 0.5.
            return f"rated {confidence:g}, below the minimum confidence {minimum:g} asked for"

        dropped = list(self.dropped)
        updates: dict[str, Any] = {}
        meeting_updates: dict[str, Any] = {}
        for name in ("location", "date"):
            evidence = getattr(self.meeting, f"{name}_evidence")
            value = getattr(self.meeting, name)
            why = below(evidence)
            if value is not None and why is not None:
                meeting_updates |= {name: None, f"{name}_evidence": None}
                dropped.append(
                    DroppedItem(field="meeting", item={name: value}, reason=DropReason.low_confidence, detail=why)
                )
        if meeting_updates:
            updates["meeting"] = self.meeting.model_copy(update=meeting_updates)
        for field in ITEM_FIELDS:
            kept = []
            for item in self.items(field):
                why = below(getattr(item, "evidence", None))
                if why is None:
                    kept.append(item)
                else:
                    dropped.append(
                        DroppedItem(
                            field=field, item=item.model_dump(mode="json"), reason=DropReason.low_confidence, detail=why
                        )
                    )
            if len(kept) != len(self.items(field)):
                updates[field] = kept
        if not updates:
            return self
        return self.model_copy(update={**updates, "dropped": dropped})


def schema_documents() -> dict[str, dict[str, Any]]:
    """The JSON Schema documents this package exports, by file name."""
    from ._cases import GoldCase  # the eval case format is exported beside the summary it scores

    return {
        "article-summary.schema.json": _with_header(ArticleSummary.model_json_schema(), "article-summary"),
        "golden-case.schema.json": _with_header(GoldCase.model_json_schema(), "golden-case"),
    }


def _with_header(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"summarizer/{name}/v{SCHEMA_VERSION}",
        **schema,
    }


def render_schema(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def export_schemas(directory: Path) -> list[Path]:
    """Write every exported schema into ``directory``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, document in schema_documents().items():
        path = directory / filename
        path.write_text(render_schema(document), encoding="utf-8")
        written.append(path)
    return written
