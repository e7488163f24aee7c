"""The plan of one summary, free of I/O: a generator that yields model requests and receives answers.

The chain, in order, for every strategy:

1. the strategy's passes, each asked when the reading gives it something to ask;
2. ``combine``: the passes' answers as one summary;
3. the strategy's repair steps, each unless switched off;
   then its checks: a question to the model about the summary so far (is this candidate the mediator?);
   then its finishing steps: free text completed where the generation bound cut it, echoed details replaced;
4. ``code-quotes``: code picks a quote, from the article's own phrases, for each item whose words it finds
   (unless switched off);
5. ``evidence``: one pass asking for a quote of every item that still has none;
6. grounding: code locates every quote and name in the article, and the meeting's location and date
   (``meeting-grounding``: a place or date the article does not state becomes null);
7. ``reground``: one re-ask for the items that failed, unless switched off;
8. the strategy's verifications, each unless switched off: probability questions about what grounding
   kept (``venue``: were the talks held at the place?), asked last because their content-free half
   leaves the article out of the server's prompt cache.

An article too long for the model's context is read in chunks (``plan_chunks``):
each chunk goes through steps 1-8 on its own, and the chunks' settled
summaries are merged (``merge_summaries``: one entity, topic or claim once,
spans as offsets into the whole article).

The caller drives it (``Summarizer.run`` in a loop, ``Summarizer.arun`` in an
async loop): it renders each request into messages, asks the backend, and
sends the validated answer back. The generator returns the ``Grounding``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Sequence
from typing import Protocol

from pydantic import BaseModel

from .._drafts import corrections_model, quotes_model
from .._schema import ITEM_FIELDS, ArticleSummary, DisputedClaim, Evidence
from ..grounding import Grounding, PhraseChooser, quotable_phrases
from ..reading import Reading
from ._merge import merge_summaries
from ._steps import ModelRequest
from ._strategies import Strategy, get_strategy

__all__ = ["ChunkedGrounding", "Plan", "Settles", "describe_steps", "plan", "plan_chunks"]


class Settles(Protocol):
    """What a finished plan returns: the checked summary, ready to settle."""

    def settle(self, *, keep_ungrounded: bool = False) -> ArticleSummary: ...


Plan = Generator[ModelRequest, BaseModel, Settles]


@dataclasses.dataclass(frozen=True)
class ChunkedGrounding:
    """Each chunk's grounding, with the chunk's offset in the article."""

    parts: tuple[tuple[int, Grounding], ...]

    def settle(self, *, keep_ungrounded: bool = False) -> ArticleSummary:
        """Each chunk's settled summary, merged into one whose spans index the whole article."""
        return merge_summaries([(offset, g.settle(keep_ungrounded=keep_ungrounded)) for offset, g in self.parts])


def plan_chunks(
    strategy: Strategy,
    chunks: Sequence[tuple[int, Reading]],
    *,
    without: frozenset[str] = frozenset(),
    accepts_enum: Callable[[Sequence[str]], bool] = lambda values: True,
) -> Generator[ModelRequest, BaseModel, ChunkedGrounding]:
    """The requests for a long article read as ``chunks`` ((offset, reading of the chunk), in order): each
    chunk's whole plan in turn, every request carrying its chunk's text."""
    parts = []
    for offset, reading in chunks:
        steps = plan(strategy, reading, without=without, accepts_enum=accepts_enum)
        try:
            request = next(steps)
            while True:
                # A content-free question keeps its stand-in; every other one reads its chunk.
                answer = yield dataclasses.replace(request, article=request.article or reading.article)
                request = steps.send(answer)
        except StopIteration as done:
            parts.append((offset, done.value))
    return ChunkedGrounding(tuple(parts))


def plan(
    strategy: Strategy,
    reading: Reading,
    *,
    without: frozenset[str] = frozenset(),
    accepts_enum: Callable[[Sequence[str]], bool] = lambda values: True,
) -> Generator[ModelRequest, BaseModel, Grounding]:
    """The requests for one article, in order; send each one's validated answer back."""
    answers: dict[str, BaseModel] = {}
    for step in strategy.passes:
        request = None if step.name in without else step.request(reading)
        if request is not None:
            answers[step.name] = yield request
    summary = strategy.combine(answers)
    for repair in strategy.repairs:
        if repair.name not in without:
            summary = repair(summary, reading)
    for check in strategy.checks:
        question = None if check.name in without else check.ask(summary, reading)
        if question is not None:
            summary = check.apply(summary, reading, question, (yield question))
    for finish in strategy.finishing:
        if finish.name not in without:
            summary = finish(summary, reading)
    phrases = quotable_phrases(reading.article)
    if "code-quotes" not in without:
        summary = PhraseChooser(phrases).quote_items(summary)
    request = _evidence_request(summary, phrases, accepts_enum)
    if request is not None:
        summary = _with_quotes(summary, (yield request))
    grounding = Grounding(
        summary, reading.article, language=reading.language, ground_meeting="meeting-grounding" not in without
    )
    if grounding.ungrounded and "reground" not in without:
        grounding.replace(_corrected_items((yield _reground_request(strategy, grounding))))
    for verification in strategy.verifications:
        if verification.name not in without:
            yield from verification.run(grounding, reading)
    return grounding


def describe_steps(strategy_name: str) -> list[tuple[str, str, str, bool]]:
    """The chain ``plan`` runs for a strategy, in order: (kind, name, what it does, can be switched off); kinds
    are pass, combine, repair, check, finish, step and verify."""
    strategy = get_strategy(strategy_name)

    def first_line(function: Callable[..., object]) -> str:
        return (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""

    switches = set(strategy.switches)
    rows = [("pass", p.name, f"asks for {p.response_model.__name__}", p.name in switches) for p in strategy.passes]
    rows.append(("combine", "combine", first_line(strategy.combine) or "the passes' answers as one summary", False))
    rows.extend(("repair", r.name, first_line(r.apply), True) for r in strategy.repairs)
    rows.extend(("check", c.name, first_line(c.ask), True) for c in strategy.checks)
    rows.extend(("finish", f.name, first_line(f.apply), True) for f in strategy.finishing)
    rows.append(("step", "code-quotes", "picks from the article's phrases a quote for each item it can place", True))
    rows.append(("pass", "evidence", "asks for a quote of each item that still has none", False))
    rows.append(("check", "grounding", "code locates every quote and name in the article", False))
    rows.append(
        (
            "check",
            "meeting-grounding",
            "code keeps the meeting's place and date only where the article states them",
            True,
        )
    )
    rows.append(("pass", "reground", "re-asks once for the items that failed grounding", True))
    rows.extend(("verify", v.name, first_line(v.run), True) for v in strategy.verifications)
    return rows


def _evidence_request(
    summary: ArticleSummary, phrases: Sequence[str], accepts_enum: Callable[[Sequence[str]], bool]
) -> ModelRequest | None:
    """The items that came without a quote, listed for one pass that asks for a quote of each."""
    unquoted = {
        field: tuple(item for item in summary.items(field) if getattr(item, "evidence", None) is None)
        for field in ITEM_FIELDS
    }
    unquoted = {field: items for field, items in unquoted.items() if items}
    if not unquoted:
        return None
    lines = []
    for field, items in unquoted.items():
        lines.append(f"{field}:")
        lines.extend(f"{number}. {describe(item)}" for number, item in enumerate(items, start=1))
    if not accepts_enum(phrases):
        phrases = []  # the server cannot take them all: free quotes, checked by code as ever
    model = quotes_model({field: len(items) for field, items in unquoted.items()}, phrases)
    return ModelRequest("evidence", model, {"items": "\n".join(lines)}, unquoted)


def _reground_request(strategy: Strategy, grounding: Grounding) -> ModelRequest:
    """One targeted re-ask for the items that failed grounding: which ones, and why."""
    failed: dict[str, list[BaseModel]] = {}
    lines = []
    for number, failure in enumerate(grounding.ungrounded, start=1):
        item = grounding.summary.items(failure.field)[failure.index]
        failed.setdefault(failure.field, []).append(item)
        lines.append(f"{number}. {failure.field}: {describe(item)} - {failure.detail}")
    model = corrections_model({field: (strategy.drafts[field], len(items)) for field, items in failed.items()})
    items = {field: tuple(found) for field, found in failed.items()}
    return ModelRequest("reground", model, {"failures": "\n".join(lines)}, items)


def describe(item: BaseModel) -> str:
    """An item in a few words for a prompt: its name (or label, or claim, with who said it), and its quote."""
    if isinstance(item, DisputedClaim):
        head = f"{item.claim!r} (claimed by {', '.join(item.claimed_by)}; disputed by {', '.join(item.disputed_by)})"
    else:
        head = repr(getattr(item, "name", None) or getattr(item, "label", ""))
    evidence = getattr(item, "evidence", None)
    quote = evidence.quote if evidence is not None else ""
    return f"{head} (evidence {quote!r})" if quote else head


def _with_quotes(summary: ArticleSummary, answer: BaseModel) -> ArticleSummary:
    """Give each unquoted item its quote from the evidence pass, in order."""
    updates = {}
    for field in type(answer).model_fields:
        items = summary.items(field)
        unquoted = [index for index, item in enumerate(items) if getattr(item, "evidence", None) is None]
        quoted = list(items)
        # As many quotes as items asked about: the schema fixes the count.
        for index, quote in zip(unquoted, getattr(answer, field), strict=True):
            quoted[index] = items[index].model_copy(update={"evidence": Evidence(quote=quote)})
        updates[field] = quoted
    return summary.model_copy(update=updates)


def _corrected_items(answer: BaseModel) -> dict[str, list[BaseModel]]:
    return {field: [draft.to_item() for draft in getattr(answer, field)] for field in type(answer).model_fields}
