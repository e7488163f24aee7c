"""The summary contract: pydantic models whose field names other tools read.

Descriptions are written for the model as much as for people: they are
rendered into the prompt's field guide and exported with the JSON Schema.
List lengths are bounded so a grammar-constrained small model cannot loop
forever inside an array.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMA_VERSION",
    "ArticleSummary",
    "DisputedClaim",
    "Mediator",
    "MediatorKind",
    "Meeting",
    "Participant",
    "Party",
    "Stance",
    "Topic",
    "export_schemas",
    "schema_documents",
]

# Bump when a change to the models changes what a consumer reads.
SCHEMA_VERSION = "1"

_MAX_PEOPLE = 12
_MAX_ITEMS = 8


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Meeting(_Strict):
    date: str | None = Field(
        description="When the meeting took place, worded as the article words it "
        "(e.g. 'Wednesday', 'March 1'); null if the article does not say."
    )
    location: str | None = Field(
        description="Where the meeting took place, as the article names it; null if the article does not say."
    )


class Party(_Strict):
    name: str = Field(description="Short name of the side, e.g. the country's name.")


class Participant(_Strict):
    name: str = Field(description="Full name of a person who sat in the meeting, as written in the article.")
    role: str | None = Field(description="Their title or function, from the article; null if not given.")
    side: str | None = Field(description="The party they represented (one of `parties`); null if unclear.")


class MediatorKind(StrEnum):
    person = "person"
    organization = "organization"
    state = "state"


class Mediator(_Strict):
    name: str = Field(description="Who mediated, hosted or facilitated the meeting without being one of the sides.")
    kind: MediatorKind = Field(description="person, organization or state.")


class Topic(_Strict):
    label: str = Field(description="A short name for a subject the article says was discussed (2-6 words).")
    detail: str = Field(description="One sentence on what was said or sought about it, using the article's words.")


class Stance(StrEnum):
    denied = "denied"
    rejected = "rejected"
    contested = "contested"


class DisputedClaim(_Strict):
    claim: str = Field(description="The claim, stated neutrally as one sentence.")
    claimed_by: list[str] = Field(max_length=4, description="Who made or reported the claim (names of actors).")
    disputed_by: list[str] = Field(max_length=4, description="Who denied, rejected or contested it (names of actors).")
    stance: Stance = Field(
        description="denied (said to be untrue), rejected (refused a demand or proposal) "
        "or contested (disputed in part)."
    )


class ArticleSummary(_Strict):
    """A structured summary of one news article about a meeting or talks."""

    summary: str = Field(description="One to three neutral sentences saying what happened.")
    meeting: Meeting = Field(description="When and where the meeting took place.")
    parties: list[Party] = Field(
        max_length=_MAX_ITEMS,
        description="The sides that met: each state, government or movement that sent people to the meeting.",
    )
    participants: list[Participant] = Field(
        max_length=_MAX_PEOPLE,
        description="Named people who took part in the meeting. Not spokespeople or officials who only "
        "commented on it, not the mediators, not people merely quoted.",
    )
    mediators: list[Mediator] = Field(
        max_length=_MAX_ITEMS,
        description="The third party that mediated, hosted or facilitated the meeting, if any.",
    )
    topics: list[Topic] = Field(
        max_length=_MAX_ITEMS,
        description="Concrete subjects the article says were discussed or negotiated.",
    )
    disputed_claims: list[DisputedClaim] = Field(
        max_length=_MAX_ITEMS,
        description="Claims one actor made that another actor denied, rejected or contested in the article.",
    )


# -- Extraction views ------------------------------------------------------------------
# What one pass of a multi-pass strategy asks the model for. They reuse the
# contract's field definitions; ``maxLength`` here only bounds generation (it
# is in the schema the grammar is built from, not in validation), so a small
# model cannot ramble inside a string.


def _bounded(max_length: int) -> dict[str, Any]:
    return {"maxLength": max_length}


def _same_as(model: type[BaseModel], name: str) -> Any:
    """The contract's definition of a field, so views and contract cannot drift apart."""
    return model.model_fields[name]


class MeetingFacts(_Strict):
    """The meeting half of a summary: everything but the disputed claims."""

    summary: str = Field(
        description="One or two short neutral sentences saying what happened.",
        json_schema_extra=_bounded(320),
    )
    meeting: Meeting = _same_as(ArticleSummary, "meeting")
    parties: list[Party] = _same_as(ArticleSummary, "parties")
    participants: list[Participant] = _same_as(ArticleSummary, "participants")
    mediators: list[Mediator] = _same_as(ArticleSummary, "mediators")
    topics: list[Topic] = _same_as(ArticleSummary, "topics")


class DisputeFinding(_Strict):
    """A disputed claim as the disputes pass asks for it: the denier first, under names a small model
    cannot read backwards ("disputed_by" reads as "the one disputed" as easily as "the one disputing")."""

    denier: list[str] = Field(
        max_length=4, description="Who denies, rejects or refutes the claim: the actor(s) named with the denial."
    )
    stance: Stance = _same_as(DisputedClaim, "stance")
    claim: str = Field(
        description="The statement, report or demand being denied, as one short neutral sentence.",
        json_schema_extra=_bounded(240),
    )
    claimant: list[str] = Field(
        max_length=4, description="Who made, reported or demanded the claim (never the denier)."
    )

    def as_claim(self) -> DisputedClaim:
        return DisputedClaim(claim=self.claim, claimed_by=self.claimant, disputed_by=self.denier, stance=self.stance)


class DisputeFindings(_Strict):
    disputed_claims: list[DisputeFinding] = Field(
        max_length=_MAX_ITEMS,
        description="Every claim in the article that another actor denies, rejects or contests; empty if none.",
    )


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
