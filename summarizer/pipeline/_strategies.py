"""Extraction strategies, each declared in full: its passes, how their answers combine, its repair steps.

``single`` is the naive baseline: one call, a one-line instruction plus the
full JSON Schema, each item with its quote, and no repairs. ``focused`` asks
two focused questions about the same article, the meeting and then the
disputes, which share the system prompt and the article as a prompt prefix so
llama.cpp reads the article once. The disputes pass is pointed at the passages
the reader found with a denial cue, and may only name the actors those
passages name; when the reader reads the article's language and finds no
cue, the pass is not asked; when no reader reads it, the pass reads the
article's sentences (the first 40). Repair steps then take the reader's evidence over the model's
answer. Both strategies end with the evidence and grounding re-ask passes
(``_plan``); ``focused`` then asks whether the talks were held at the grounded
place (``_verify``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from .._drafts import (
    MEETING_DRAFTS,
    ArticleSummaryDraft,
    ClaimDraft,
    DisputeFinding,
    DisputeFindings,
    ItemDraft,
    MeetingFacts,
    dispute_findings_model,
    summary_from_answers,
)
from .._exceptions import ConfigurationError
from .._schema import ArticleSummary
from ..reading import Reading
from ._checks import add_subjects, ask_mediators, ask_subjects, confirm_mediators
from ._finish import finish_text
from ._repairs import (
    add_participants,
    add_topics,
    align_roles,
    credit_sources,
    dedupe,
    mediator_kinds,
    people_only,
    place_name,
    place_not_a_side,
    two_sided_claims,
)
from ._steps import Check, ModelRequest, Pass, Repair, Verification
from ._verify import venue_check

__all__ = ["DEFAULT_STRATEGY", "STRATEGIES", "Strategy", "get_strategy"]

# Sentences offered to the disputes pass when no reader picked passages: enough for a news story.
_MAX_SENTENCES = 40


@dataclass(frozen=True)
class Strategy:
    """A declared extraction: ``passes`` in order, ``combine`` of their answers, ``repairs`` in order.

    ``prompt_version`` names the prompt set (``prompts/<version>.*.txt``),
    which has a template per pass plus ``evidence`` and ``reground``;
    ``drafts`` is the item the model writes for each summary field, asked
    for again by a grounding re-ask.
    """

    name: str
    prompt_version: str
    passes: tuple[Pass, ...]
    combine: Callable[[dict[str, BaseModel]], ArticleSummary]
    repairs: tuple[Repair, ...]
    drafts: dict[str, type[ItemDraft]]
    #: Questions about the summary so far, asked after the repairs (``_checks``).
    checks: tuple[Check, ...] = ()
    #: Steps after the checks, on what a reader sees (``_finish``): the checks add topics too.
    finishing: tuple[Repair, ...] = ()
    #: Questions about what grounding kept, asked last (``_verify``).
    verifications: tuple[Verification, ...] = ()

    @property
    def variables(self) -> dict[str, tuple[str, ...]]:
        """The values each pass fills into its template, the evidence and re-ask passes included."""
        return {
            **{p.name: p.variables for p in self.passes},
            **{c.name: c.variables for c in self.checks},
            **{v.name: v.variables for v in self.verifications},
            "evidence": ("items",),
            "reground": ("failures",),
        }

    @property
    def switches(self) -> tuple[str, ...]:
        """The steps ``--without`` can switch off: optional passes, quotes chosen by code, the grounding re-ask,
        each repair, each check, each finishing step and each verification."""
        return (
            *(p.name for p in self.passes if p.optional),
            "code-quotes",
            "meeting-grounding",
            "reground",
            *(r.name for r in self.repairs),
            *(c.name for c in self.checks),
            *(f.name for f in self.finishing),
            *(v.name for v in self.verifications),
        )

    def check_without(self, without: frozenset[str]) -> None:
        unknown = sorted(without - set(self.switches))
        if unknown:
            raise ConfigurationError(
                f"--without {unknown[0]}: the {self.name} strategy has no such step; "
                f"steps that can be switched off: {', '.join(self.switches)}"
            )


def _ask_disputes(reading: Reading) -> ModelRequest | None:
    """The passages the reader found with a denial cue; the sentences (the first 40) when no reader read the
    wording."""
    if reading.passages:
        passages = [" ".join(passage) for passage in reading.passages]
        model: type[BaseModel] = dispute_findings_model(reading.actors)
    elif not reading.reads_wording:
        passages, model = list(reading.sentences[:_MAX_SENTENCES]), DisputeFindings
    else:
        return None  # the reader read the wording and no sentence carries a denial
    if not passages:
        return None
    candidates = "\n".join(f"{n}. {p}" for n, p in enumerate(passages, start=1))
    return ModelRequest("disputes", model, {"candidates": candidates})


def _combine_focused(answers: dict[str, BaseModel]) -> ArticleSummary:
    """The meeting answer and the disputes answer as one summary."""
    meeting = MeetingFacts.model_validate(answers["meeting"].model_dump())
    found = answers.get("disputes")  # not asked when no sentence carries a denial
    disputes = DisputeFindings.model_validate(found.model_dump()) if found else DisputeFindings(disputed_claims=[])
    return summary_from_answers(meeting, disputes.disputed_claims)


def _combine_single(answers: dict[str, BaseModel]) -> ArticleSummary:
    """The one answer as the summary."""
    return summary_from_answers(answers["summary"])


FOCUSED = Strategy(
    name="focused",
    # The version names what shapes the answer, prompts and the code that completes them alike: a result
    # cache keyed on it must not serve answers from before the wording cues.
    prompt_version="focused-v10",
    passes=(
        Pass("meeting", MeetingFacts),
        Pass("disputes", DisputeFindings, variables=("candidates",), ask=_ask_disputes, optional=True),
    ),
    combine=_combine_focused,
    repairs=(
        Repair("roles", align_roles),
        Repair("claim-sources", credit_sources),
        Repair("meeting-people", add_participants),
        Repair("agenda-topics", add_topics),
        Repair("people-only", people_only),
        Repair("dedupe", dedupe),
        Repair("two-sided-claims", two_sided_claims),
    ),
    drafts={**MEETING_DRAFTS, "disputed_claims": DisputeFinding},
    checks=(
        Check("subjects", ask_subjects, add_subjects, variables=("sides",)),
        Check("mediators", ask_mediators, confirm_mediators, variables=("candidates",)),
    ),
    finishing=(
        Repair("finish-text", finish_text),
        Repair("mediator-kinds", mediator_kinds),
        Repair("place-name", place_name),
        Repair("meeting-place", place_not_a_side),
    ),
    verifications=(Verification("venue", venue_check, variables=("place", "sides")),),
)

SINGLE = Strategy(
    name="single",
    prompt_version="naive-v2",
    passes=(Pass("summary", ArticleSummaryDraft),),
    combine=_combine_single,
    repairs=(),
    drafts={**MEETING_DRAFTS, "disputed_claims": ClaimDraft},
)

STRATEGIES: dict[str, Strategy] = {s.name: s for s in (FOCUSED, SINGLE)}
DEFAULT_STRATEGY = "focused"


def get_strategy(name: str) -> Strategy:
    try:
        return STRATEGIES[name]
    except KeyError:
        raise ConfigurationError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}") from None
