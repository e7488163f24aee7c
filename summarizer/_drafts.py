"""What the model is asked for: answer models per pass, built from the contract's own field definitions.

Drafts mirror the contract's items (``_schema``) with the evidence as a bare
quote: the model chooses the words, code locates them. ``maxLength`` here only
bounds generation (it is in the schema the grammar is built from, not in
validation), so a small model cannot ramble inside a string. Models that
depend on the article (its actors, its quotable phrases) are built per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from functools import cache, lru_cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, Field, create_model, model_validator

from ._schema import (
    ITEM_FIELDS,
    MAX_ITEMS,
    ArticleSummary,
    DisputedClaim,
    Mediator,
    MediatorKind,
    Meeting,
    MeetingStatus,
    Participant,
    Party,
    Stance,
    Topic,
    _Strict,
)
from .text import ends_sentence

# -- Extraction views ------------------------------------------------------------------
# What the model is asked for. Drafts mirror the contract's items, with the
# evidence as a bare quote: the model chooses the words, code locates them.
# They reuse the contract's field definitions; ``maxLength`` here only bounds
# generation (it is in the schema the grammar is built from, not in
# validation), so a small model cannot ramble inside a string.


# Generation bounds of the free-text fields, in characters.
_SUMMARY_CHARS = 320
_DETAIL_CHARS = 160
# The 1.5B often copies the passage's opening sentence: a tighter cap cuts off the words that matter.
_CLAIM_CHARS = 240
# The longest token a grammar may refuse at a bound, in characters.
_TOKEN_CHARS = 12


def _bounded(max_length: int) -> dict[str, Any]:
    return {"maxLength": max_length}


#: How a free text the generation bound cut is marked (``_cut_back``); ``pipeline._finish`` completes it.
CUT_MARK = "…"


def _cut_back(limit: int) -> AfterValidator:
    """Free text the grammar stopped near ``limit`` characters without ending a sentence, marked with "…" so
    a reader sees it was cut. Near: within a token's length, since the grammar refuses a token that would
    pass the bound and the model then closes the string. At the bound itself the last word, which the bound
    may have split ("abandoned by D"), goes first; a word split a few characters short of it cannot be told
    from a whole one and stays. No sentence is dropped: the words that matter are often in the cut one.
    Shorter text and longer text (from a server that ignores the bound) are left as they are, and so are
    quotes, which code locates in the article as written."""

    def cut(text: str) -> str:
        kept = text.rstrip()
        if len(text) > limit or len(text) < limit - _TOKEN_CHARS or ends_sentence(kept):
            return text
        if len(kept) == limit:  # at the bound itself the last word may be cut ("abandoned by D")
            words = kept.rsplit(None, 1)  # any space: no-break, ideographic
            kept = words[0] if len(words) == 2 and len(words[0]) >= limit // 2 else kept
        return kept.rstrip(" ,;:-–—(") + CUT_MARK

    return AfterValidator(cut)


def _same_as(model: type[BaseModel], name: str) -> Any:
    """The contract's definition of a field, so views and contract cannot drift apart."""
    return model.model_fields[name]


# Every output token costs ~0.1 s on two cores: quotes are kept to a short phrase.
QUOTE_LIMITS = {"parties": 60, "participants": 60, "mediators": 60, "topics": 80, "disputed_claims": 100}
_QUOTE_WORDS = "three to ten consecutive words copied exactly from the article"


class ItemDraft(_Strict):
    """An item as the model gives it; ``to_item`` turns it into the contract's item.

    Drafts carry no evidence; ``quoted`` derives the variant that does, for
    prompts that ask for the item and its quote in one answer.
    """

    item_type: ClassVar[type[BaseModel]]
    field: ClassVar[str]

    def to_item(self) -> BaseModel:
        return self.item_type.model_validate({**self._contract_fields(), "evidence": self._evidence()})

    def _contract_fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"evidence"})

    def _evidence(self) -> dict[str, str] | None:
        quote = getattr(self, "evidence", None)
        return None if quote is None else {"quote": quote}


class PartyDraft(ItemDraft):
    item_type = Party
    field = "parties"
    name: str = _same_as(Party, "name")


class ParticipantDraft(ItemDraft):
    item_type = Participant
    field = "participants"
    name: str = _same_as(Participant, "name")
    role: str | None = _same_as(Participant, "role")
    side: str | None = _same_as(Participant, "side")


class MediatorDraft(ItemDraft):
    item_type = Mediator
    field = "mediators"
    name: str = _same_as(Mediator, "name")
    kind: MediatorKind = _same_as(Mediator, "kind")


class TopicDraft(ItemDraft):
    item_type = Topic
    field = "topics"
    label: str = _same_as(Topic, "label")
    detail: Annotated[str, _cut_back(_DETAIL_CHARS)] = Field(
        description=Topic.model_fields["detail"].description, json_schema_extra=_bounded(_DETAIL_CHARS)
    )


class ClaimDraft(ItemDraft):
    item_type = DisputedClaim
    field = "disputed_claims"
    claim: str = _same_as(DisputedClaim, "claim")
    claimed_by: list[str] = _same_as(DisputedClaim, "claimed_by")
    disputed_by: list[str] = _same_as(DisputedClaim, "disputed_by")
    stance: Stance = _same_as(DisputedClaim, "stance")


class DisputeFinding(ItemDraft):
    """A disputed claim as the disputes pass asks for it, in the order a report reads: what was claimed,
    by whom, then who denies it. Names a small model cannot read backwards ("disputed_by" reads as "the
    one disputed" as easily as "the one disputing") are avoided."""

    item_type = DisputedClaim
    field = "disputed_claims"
    claim: Annotated[str, _cut_back(_CLAIM_CHARS)] = Field(
        description="The statement, report, accusation or demand that is denied, as one short neutral sentence.",
        json_schema_extra=_bounded(_CLAIM_CHARS),
    )
    claimant: list[str] = Field(min_length=1, max_length=2, description="Who made, reported or demanded the claim.")
    denier: list[str] = Field(
        min_length=1, max_length=2, description="Who denies, rejects or refutes it (never the claimant)."
    )
    stance: Stance = _same_as(DisputedClaim, "stance")

    def _contract_fields(self) -> dict[str, Any]:
        return {"claim": self.claim, "claimed_by": self.claimant, "disputed_by": self.denier, "stance": self.stance}


@cache
def quoted(draft: type[ItemDraft]) -> type[ItemDraft]:
    """``draft`` with an ``evidence`` quote after its own fields."""
    evidence = Field(
        description=f"Words that show this item: {_QUOTE_WORDS}.",
        json_schema_extra=_bounded(QUOTE_LIMITS[draft.field]),
    )
    model: type[ItemDraft] = create_model(f"Quoted{draft.__name__}", __base__=draft, evidence=(str, evidence))
    return model


class MeetingDraft(_Strict):
    """The contract's ``Meeting`` less its status, which the model gives after the lists (``MeetingFacts``)."""

    date: str | None = _same_as(Meeting, "date")
    location: str | None = _same_as(Meeting, "location")


def _status_field() -> Any:
    return Field(description=Meeting.model_fields["status"].description)


class MeetingFacts(_Strict):
    """The meeting half of a summary: everything but the disputed claims."""

    summary: Annotated[str, _cut_back(_SUMMARY_CHARS)] = Field(
        description="One or two short neutral sentences saying what happened.",
        json_schema_extra=_bounded(_SUMMARY_CHARS),
    )
    meeting: MeetingDraft = Field(description="When and where the meeting took place.")
    parties: list[PartyDraft] = _same_as(ArticleSummary, "parties")
    participants: list[ParticipantDraft] = _same_as(ArticleSummary, "participants")
    mediators: list[MediatorDraft] = _same_as(ArticleSummary, "mediators")
    topics: list[TopicDraft] = _same_as(ArticleSummary, "topics")
    # Last: asked before the lists, "denied" or "refused" talks had a small model empty the sides too,
    # which the dev set's golden files list whether or not a session was held.
    status: MeetingStatus = _status_field()

    @model_validator(mode="before")
    @classmethod
    def _status_where_the_contract_puts_it(cls, data: Any) -> Any:
        """A server that does not hold the model to the schema may nest the status in ``meeting``, as the
        contract does, or leave it out: a missing status is "unclear", never a re-ask for a minor field."""
        if isinstance(data, dict) and "status" not in data:
            meeting = data.get("meeting")
            nested = meeting.get("status") if isinstance(meeting, dict) else None
            if isinstance(meeting, dict):
                data = {**data, "meeting": {k: v for k, v in meeting.items() if k != "status"}}
            data = {**data, "status": nested or MeetingStatus.unclear.value}
        return data


class DisputeFindings(_Strict):
    disputed_claims: list[DisputeFinding] = Field(
        max_length=MAX_ITEMS,
        description="Every claim in the article that another actor denies, rejects or contests; empty if none.",
    )


@lru_cache(maxsize=32)
def dispute_findings_model(actors: tuple[str, ...]) -> type[BaseModel]:
    """``DisputeFindings`` whose claimants and deniers can only be ``actors``, enforced by the grammar."""
    if not actors:
        return DisputeFindings
    name = Literal[actors]  # type: ignore[valid-type]
    finding = create_model(
        "NamedDisputeFinding",
        __base__=DisputeFinding,
        claimant=(list[name], _same_as(DisputeFinding, "claimant")),
        denier=(list[name], _same_as(DisputeFinding, "denier")),
    )
    model: type[BaseModel] = create_model(
        "DisputeFindings",
        __base__=_Strict,
        disputed_claims=(list[finding], _same_as(DisputeFindings, "disputed_claims")),
    )
    return model


# A few phrases: each costs output tokens, and code adds phrases only until the summary has two topics.
MAX_SUBJECTS = 5


class Subjects(_Strict):
    """The subjects check's answer: the subjects of the talks, each in the article's own words."""

    subjects: list[Annotated[str, Field(json_schema_extra=_bounded(60))]] = Field(
        description="Each subject discussed, as a phrase of two to six words copied from the article.",
        # Bounds generation only, as maxLength does: a server that lists more is not re-asked for it.
        json_schema_extra={"maxItems": MAX_SUBJECTS},
    )


class ThirdPartyRole(StrEnum):
    """What part a candidate played in the talks, as the mediator check asks it."""

    mediator = "mediator"
    side = "side"
    neither = "neither"


@lru_cache(maxsize=32)
def roles_model(candidates: tuple[str, ...]) -> type[BaseModel]:
    """An answer with one ``ThirdPartyRole`` per candidate, keyed by the candidate's name in the given order:
    the grammar writes each name, so a small model reads it right before it chooses."""
    if len(set(candidates)) != len(candidates) or not all(name.strip() for name in candidates):
        raise ValueError(f"candidates must be distinct names: {candidates!r}")
    fields: dict[str, Any] = {
        f"c{number}": (ThirdPartyRole, Field(alias=name)) for number, name in enumerate(candidates)
    }
    model: type[BaseModel] = create_model("ThirdPartyRoles", __base__=_Strict, **fields)
    return model


def _summary_draft() -> type[BaseModel]:
    """The whole summary, each item with its quote, in one answer: what the naive single call asks for."""
    lists: dict[str, Any] = {
        draft.field: (list[quoted(draft)], _same_as(ArticleSummary, draft.field))  # type: ignore[misc]
        for draft in (PartyDraft, ParticipantDraft, MediatorDraft, TopicDraft, ClaimDraft)
    }
    model: type[BaseModel] = create_model(
        "ArticleSummaryDraft",
        __base__=_Strict,
        __doc__="The whole summary in one answer, each item with a quote.",
        summary=(str, _same_as(ArticleSummary, "summary")),
        meeting=(MeetingDraft, _same_as(MeetingFacts, "meeting")),
        **lists,
        status=(MeetingStatus, _status_field()),
    )
    return model


ArticleSummaryDraft = _summary_draft()


def summary_from_answers(answer: BaseModel, claims: Sequence[ItemDraft] | None = None) -> ArticleSummary:
    """The contract's summary from a model's answer (and claims from another pass), evidence not yet located."""
    drafts = {field: list(getattr(answer, field, [])) for field in ITEM_FIELDS}
    if claims is not None:
        drafts["disputed_claims"] = list(claims)
    return ArticleSummary.model_validate(
        {
            "summary": getattr(answer, "summary"),  # noqa: B009  # models built at run time
            "meeting": {**getattr(answer, "meeting").model_dump(), "status": getattr(answer, "status")},  # noqa: B009
            **{field: [d.to_item().model_dump() for d in items] for field, items in drafts.items()},
        }
    )


def quotes_model(wanted: dict[str, int], phrases: Sequence[str] = ()) -> type[BaseModel]:
    """What the evidence pass asks for: for each field, one quote per item, in the items' order.

    With ``phrases`` (the article cut into short runs of words), each quote
    must be one of them: a grammar then makes every quote verbatim. A server
    that ignores the enum still gets checked: code locates whatever it returns.
    """
    if phrases:
        quote: Any = Annotated[str, Field(json_schema_extra={"enum": list(phrases)})]
        limits: Any = dict.fromkeys(wanted, quote)
    else:
        limits = {field: Annotated[str, Field(json_schema_extra=_bounded(QUOTE_LIMITS[field]))] for field in wanted}
    fields: dict[str, Any] = {
        field: (
            list[limits[field]],
            Field(min_length=count, max_length=count, description=f"One quote for each of the {count} {field}."),
        )
        for field, count in wanted.items()
    }
    model: type[BaseModel] = create_model("EvidenceQuotes", __base__=_Strict, **fields)
    return model


def corrections_model(wanted: dict[str, tuple[type[ItemDraft], int]]) -> type[BaseModel]:
    """What a grounding re-ask asks for: for each field, exactly as many quoted items as failed, in their order."""
    return _corrections_model(tuple((field, draft, count) for field, (draft, count) in wanted.items()))


@cache
def _corrections_model(wanted: tuple[tuple[str, type[ItemDraft], int], ...]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        field: (
            list[quoted(draft)],  # type: ignore[misc]
            Field(min_length=count, max_length=count, description=f"The {count} {field} item(s) listed, in order."),
        )
        for field, draft, count in wanted
    }
    model: type[BaseModel] = create_model("Corrections", __base__=_Strict, **fields)
    return model


#: The draft item the model writes for each meeting field.
MEETING_DRAFTS: dict[str, type[ItemDraft]] = {
    "parties": PartyDraft,
    "participants": ParticipantDraft,
    "mediators": MediatorDraft,
    "topics": TopicDraft,
}
