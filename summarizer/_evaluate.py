"""Running golden cases through a summarizer (or saved predictions) and reporting scores."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from ._brief import brief_problems
from ._cases import LoadedCase
from ._exceptions import CaseError, SummarizerError
from ._files import write_text_atomically
from ._render import OutputFormat, render
from ._schema import ArticleSummary
from ._scoring import (
    ACCURACIES,
    FIELDS,
    MACRO_FIELDS,
    Accuracy,
    Counts,
    FieldScore,
    score_case,
    score_meeting,
    summarize_accuracy,
    summarize_counts,
)
from ._summarizer import RunMeta, Summarizer
from .grounding import GroundingCounts, grounding_counts

__all__ = [
    "CaseReport",
    "EvalReport",
    "baseline_problems",
    "evaluate_live",
    "evaluate_predictions",
    "evaluate_replay",
    "markdown_table",
    "write_report",
]

REPORT_FILE = "report.json"


class CaseReport(BaseModel):
    id: str
    fields: dict[str, FieldScore]
    #: Per name in ``ACCURACIES``: right, wrong, or null where not scored (no gold meeting block, or no talks).
    meeting: dict[str, bool | None] = Field(default_factory=dict)
    seconds: float | None = None
    prompt_tokens: int | None = None
    #: Of ``prompt_tokens``, those the engine took from its prompt cache rather than evaluated.
    cached_prompt_tokens: int | None = None
    completion_tokens: int | None = None
    attempts: int | None = None
    error: str | None = None
    #: Grounded items / all items the model gave (null when it gave none).
    grounding_rate: float | None = None
    #: Names of sides, people and mediators not in the article / all such names.
    hallucinated_entity_rate: float | None = None
    grounding: GroundingCounts = Field(default_factory=GroundingCounts)
    #: What would read as broken in the case's brief (``_brief.brief_problems``): cut text, echoes, ...
    brief_problems: list[str] = Field(default_factory=list)


class EvalReport(BaseModel):
    macro_f1: float
    fields: dict[str, FieldScore]
    #: Meeting-status and location accuracy over the cases whose gold file has a meeting block.
    accuracies: dict[str, Accuracy] = Field(default_factory=dict)
    cases: list[CaseReport]
    errors: int
    grounding_rate: float | None = None
    hallucinated_entity_rate: float | None = None
    grounding: GroundingCounts = Field(default_factory=GroundingCounts)
    model: str | None = None
    prompt_version: str | None = None
    total_seconds: float | None = None
    mean_seconds_per_article: float | None = None
    #: Brief problems over every case; the gate allows no more than its baseline's.
    brief_problems: int = 0
    #: What was scored: each summary without what a verification rated below this probability
    #: (``ArticleSummary.at_confidence``); null when scored as given.
    min_confidence: float | None = None
    #: Over every case: the values a verification rated (places, items), and of them those removed as below
    #: ``min_confidence`` (0 when it is null).
    rated: int = 0
    removed_below_confidence: int = 0


Predict = Callable[[LoadedCase], tuple[ArticleSummary, RunMeta | None]]
#: Called after each case with (cases done, cases in all, a one-line status).
Progress = Callable[[int, int, str], None]


def evaluate_predictions(
    cases: list[LoadedCase],
    predict: Predict,
    progress: Progress | None = None,
    *,
    min_confidence: float | None = None,
) -> EvalReport:
    """Score what ``predict`` gives for each case; a ``SummarizerError`` scores as an empty answer. With
    ``min_confidence``, each summary is scored without what a verification rated below it (a user's filter,
    ``ArticleSummary.at_confidence``)."""
    totals = {name: Counts() for name in FIELDS}
    grounded_total = GroundingCounts()
    reports: list[CaseReport] = []
    metas: list[RunMeta] = []
    rated = removed = 0
    for index, loaded in enumerate(cases, start=1):
        case = loaded.case
        error: str | None = None
        meta: RunMeta | None = None
        if progress:
            progress(index - 1, len(cases), f"{case.id} ...")
        started = time.perf_counter()
        try:
            summary, meta = predict(loaded)
        except SummarizerError as exc:
            # A failed case scores as an empty answer: every gold item is missed.
            error = str(exc)
            summary = _empty_summary()
        elapsed = round(time.perf_counter() - started, 3)
        rated += summary.rated()
        if min_confidence is not None:
            filtered = summary.at_confidence(min_confidence)
            removed += len(filtered.dropped) - len(summary.dropped)
            summary = filtered
        counts = score_case(summary, case)
        for name, c in counts.items():
            totals[name] += c
        meeting = score_meeting(summary.meeting, case.meeting) if case.meeting else {}
        grounded = grounding_counts(summary)
        grounded_total += grounded
        if meta is not None:
            metas.append(meta)
        reports.append(
            CaseReport(
                id=case.id,
                fields={name: summarize_counts(c) for name, c in counts.items()},
                meeting=meeting,
                seconds=meta.seconds if meta else (elapsed if error else None),  # a failure took time too
                prompt_tokens=meta.prompt_tokens if meta else None,
                cached_prompt_tokens=meta.cached_prompt_tokens if meta else None,
                completion_tokens=meta.completion_tokens if meta else None,
                attempts=meta.attempts if meta else None,
                error=error,
                grounding_rate=grounded.grounding_rate,
                hallucinated_entity_rate=grounded.hallucinated_entity_rate,
                grounding=grounded,
                brief_problems=[] if error else brief_problems(summary, render(summary, OutputFormat.markdown)),
            )
        )
        if progress:
            took = f" {meta.seconds:.1f} s" if meta else ""
            status = f" ERROR {error}" if error else ""
            progress(index, len(cases), f"{case.id}{took}{status}")
    fields = {name: summarize_counts(c) for name, c in totals.items()}
    total_seconds = round(sum(m.seconds for m in metas), 2) if metas else None
    return EvalReport(
        macro_f1=round(sum(fields[name].f1 for name in MACRO_FIELDS) / len(MACRO_FIELDS), 4),
        fields=fields,
        accuracies={name: summarize_accuracy([r.meeting.get(name) for r in reports]) for name in ACCURACIES},
        cases=reports,
        errors=sum(1 for r in reports if r.error),
        model=metas[0].model if metas else None,
        prompt_version=metas[0].prompt_version if metas else None,
        total_seconds=total_seconds,
        mean_seconds_per_article=round(total_seconds / len(metas), 2) if total_seconds is not None else None,
        grounding_rate=grounded_total.grounding_rate,
        hallucinated_entity_rate=grounded_total.hallucinated_entity_rate,
        grounding=grounded_total,
        brief_problems=sum(len(r.brief_problems) for r in reports),
        min_confidence=min_confidence,
        rated=rated,
        removed_below_confidence=removed,
    )


def _empty_summary() -> ArticleSummary:
    return ArticleSummary.model_validate(
        {
            "summary": "",
            "meeting": {"date": None, "location": None},
            "parties": [],
            "participants": [],
            "mediators": [],
            "topics": [],
            "disputed_claims": [],
        }
    )


def evaluate_live(
    cases: list[LoadedCase],
    summarizer: Summarizer,
    out_dir: Path,
    progress: Progress | None = None,
    *,
    min_confidence: float | None = None,
) -> EvalReport:
    """Summarize every case's article, save each prediction as ``out_dir/<id>.json`` (as the model gave it,
    whatever ``min_confidence``, so a replay can score it at another), and score."""
    out_dir.mkdir(parents=True, exist_ok=True)

    def predict(loaded: LoadedCase) -> tuple[ArticleSummary, RunMeta | None]:
        result = summarizer.run(loaded.article)
        _write_json(out_dir / f"{loaded.case.id}.json", result.summary.model_dump(mode="json"))
        return result.summary, result.meta

    report = evaluate_predictions(cases, predict, progress, min_confidence=min_confidence)
    write_report(report, out_dir)
    return report


def evaluate_replay(
    cases: list[LoadedCase],
    predictions_dir: Path,
    progress: Progress | None = None,
    *,
    min_confidence: float | None = None,
) -> EvalReport:
    """Re-score predictions saved by an earlier run, without any model."""
    if not predictions_dir.is_dir():
        raise CaseError(f"{predictions_dir}: no such predictions directory")

    def predict(loaded: LoadedCase) -> tuple[ArticleSummary, RunMeta | None]:
        path = predictions_dir / f"{loaded.case.id}.json"
        try:
            return ArticleSummary.model_validate_json(path.read_bytes()), None
        except FileNotFoundError:
            raise CaseError(f"{path}: no saved prediction for case {loaded.case.id!r}") from None
        except ValidationError as exc:
            raise CaseError(f"{path}: not a valid summary ({exc.error_count()} errors)") from None

    return evaluate_predictions(cases, predict, progress, min_confidence=min_confidence)


def write_report(report: EvalReport, out_dir: Path) -> Path:
    path = out_dir / REPORT_FILE
    _write_json(path, report.model_dump(mode="json"))
    return path


def _write_json(path: Path, document: object) -> None:
    write_text_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def markdown_table(report: EvalReport) -> str:
    lines = ["| field | P | R | F1 | TP | FP | FN |", "|---|---|---|---|---|---|---|"]
    for name in FIELDS:
        s = report.fields[name]
        label = "claims (lenient)" if name == "claims" else name
        lines.append(f"| {label} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | {s.tp} | {s.fp} | {s.fn} |")
    lines.append(f"| **macro-F1** | | | **{report.macro_f1:.3f}** | | | |")
    scored = {name: a for name, a in report.accuracies.items() if a.accuracy is not None}
    if scored:
        lines += ["", "| meeting (not in macro-F1) | accuracy | right | cases |", "|---|---|---|---|"]
        for name, a in scored.items():
            lines.append(f"| {_ACCURACY_LABELS[name]} | {a.accuracy:.2f} | {a.correct} | {a.total} |")
    tail = [f"{len(report.cases)} cases, {report.errors} errors"]
    if report.min_confidence is not None:
        tail.append(
            f"scored without the {report.removed_below_confidence} of {report.rated} rated values below "
            f"confidence {report.min_confidence:g}"
            + ("" if report.rated else " (nothing was rated: a run without the venue step or log-probabilities)")
        )
    if report.mean_seconds_per_article is not None:
        tail.append(f"{report.mean_seconds_per_article:.1f} s per article, {report.total_seconds:.0f} s in all")
    g = report.grounding
    if report.grounding_rate is not None:
        tail.append(f"grounding rate {report.grounding_rate:.3f} ({g.grounded}/{g.items} items)")
    if report.hallucinated_entity_rate is not None:
        tail.append(
            f"hallucinated-entity rate {report.hallucinated_entity_rate:.3f} "
            f"({g.names_not_in_article}/{g.names} names not in the article)"
        )
    broken = [c for c in report.cases if c.brief_problems]
    tail.append(f"brief problems {report.brief_problems}" + (f" in {len(broken)} cases" if broken else ""))
    return "\n".join(lines) + "\n\n" + "; ".join(tail) + "\n"


_ACCURACY_LABELS = {
    "meeting_status": "meeting status",
    "meeting_location": "location",
    "place_precision": "location, where a place is given",
}

# Fields with a target of their own besides the macro-F1: who claims and who denies is the hardest part.
_GUARDED_FIELDS = ("claims_strict",)


def baseline_problems(report: EvalReport, baseline_path: Path, tolerance: float) -> list[str]:
    """Why ``report`` fails the gate set by the baseline file (empty when it passes)."""
    try:
        baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
        floor = float(baseline["macro_f1"]) - tolerance
        listed_accuracies = baseline.get("accuracies") or {}
        accuracy_floors = {name: float(value) - tolerance for name, value in listed_accuracies.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CaseError(f"{baseline_path}: not a readable baseline with a macro_f1 ({exc})") from None
    problems = []
    if report.macro_f1 < floor:
        problems.append(
            f"macro-F1 {report.macro_f1:.3f} is below the baseline {baseline['macro_f1']:.3f} minus {tolerance}"
        )
    guarded = baseline.get("fields", {}) if isinstance(baseline.get("fields"), dict) else {}
    for field in _GUARDED_FIELDS:
        if field in guarded and report.fields[field].f1 < float(guarded[field]) - tolerance:
            problems.append(
                f"{field} F1 {report.fields[field].f1:.3f} is below the baseline {float(guarded[field]):.3f} "
                f"minus {tolerance}"
            )
    # The meeting block's accuracies are guarded like claims-strict; not scored here (no case has the block)
    # means the cases are not the baseline's, which the case-list check below reports.
    for name, accuracy_floor in accuracy_floors.items():
        got = report.accuracies.get(name)
        if got is not None and got.accuracy is not None and got.accuracy < accuracy_floor:
            problems.append(
                f"{name} accuracy {got.accuracy:.3f} is below the baseline "
                f"{float(listed_accuracies[name]):.3f} minus {tolerance}"
            )
    allowed = baseline.get("brief_problems")
    if isinstance(allowed, int) and report.brief_problems > allowed:
        shown = "; ".join(p for c in report.cases for p in c.brief_problems[:1])[:300]
        problems.append(f"{report.brief_problems} brief problems, more than the baseline's {allowed}: {shown}")
    listed = baseline.get("cases")
    if isinstance(listed, list):
        # A baseline describes the cases it was measured on; compared with other cases it means nothing.
        ran = {c.id for c in report.cases}
        extra, missing = sorted(ran - set(listed)), sorted(set(listed) - ran)
        if extra or missing:
            named = ", ".join(extra[:3] + missing[:3])
            problems.append(
                f"the cases are not the baseline's ({len(extra)} not in it, {len(missing)} missing: {named}); "
                "run the baseline's cases or re-baseline"
            )
    if report.errors:
        failed = ", ".join(c.id for c in report.cases if c.error)
        problems.append(f"{report.errors} case(s) failed: {failed}")
    return problems
