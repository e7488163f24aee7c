"""Fit the venue verification's threshold on dev half A, and show what it does on every subset.

    .venv/bin/python evals/fit_venue_threshold.py PREDICTIONS_DIR [--cases DIR ...] [--out rows.json]
    .venv/bin/python evals/fit_venue_threshold.py --rows rows.json

``PREDICTIONS_DIR`` is a ``summarize eval --out`` directory written with ``--without venue`` (one
summary JSON per case). For every case whose summary names a meeting place, the script asks the
pipeline's own venue questions (``summarizer.pipeline._verify.venue_questions``: the same template,
over the article and over the content-free stand-in) through the configured backend, and scores the
place with ``venue_score``, the calibrated log-odds of "yes". Each place is labelled by the eval's own
rule (``score_meeting``), once as predicted and once withdrawn.

It then picks, on half A only (``--fit-on``), the threshold that gives the highest location accuracy
there (withdrawing a place makes it null, right only where the gold has none), the lowest such
threshold; and prints the accuracy at that threshold on every subset of ``evals/dev_split.py``, with
the curve of thresholds around it. It also fits, on the same half, the logistic curve from score to
"the place is right" (Platt scaling, maximum likelihood with scipy) and prints its Brier score on
every subset beside the base rate's (half A's share of right places, the best constant). The figures
go into ``VENUE_THRESHOLD`` and ``VENUE_CALIBRATION`` by hand, with the run they came from. It needs
an engine that returns ``top_logprobs`` (the embedded model, llama.cpp, vLLM, OpenAI).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from summarizer import ArticleSummary, Settings
from summarizer._cases import load_cases
from summarizer._probabilities import choice_probabilities, probability_params
from summarizer._prompts import load_prompts
from summarizer._scoring import score_meeting
from summarizer.grounding import Grounding
from summarizer.pipeline import get_strategy
from summarizer.pipeline._verify import VENUE_CALIBRATION, VENUE_THRESHOLD, venue_questions, venue_score
from summarizer.reading import read
from summarizer.text import clean

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev_split import subsets

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = [ROOT / "evals" / "cases", ROOT / "evals" / "edge-cases", ROOT.parent / "shared" / "evals-dev"]
SUBSETS = ("half A", "half B", "diplomacy", "other genres", "project", "all")


def probe(predictions: Path, case_dirs: list[Path]) -> list[dict[str, Any]]:
    """One row per case: its gold location aliases, the predicted place, and the place's venue score (None: no place,
    or no log-probabilities)."""
    settings = Settings()
    prompts = load_prompts(get_strategy(settings.strategy).prompt_version)
    backend = settings.create_backend()
    rows = []
    try:
        for loaded in load_cases(case_dirs):
            case = loaded.case
            path = predictions / f"{case.id}.json"
            if not path.is_file() or case.meeting is None:
                print(f"fit_venue_threshold: no prediction or no meeting block for {case.id}", file=sys.stderr)
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("meta", None)
            reading = read(clean(loaded.article).text)
            grounding = Grounding(ArticleSummary.model_validate(data), reading.article, language=reading.language)
            questions = venue_questions(grounding)
            score = None
            if questions is not None:
                answers = []
                for request in questions:
                    article = request.article if request.article is not None else reading.article
                    messages = prompts.messages(
                        request.pass_name, article, request.response_model, request.values, language=reading.language
                    )
                    response = backend.chat(**probability_params({"messages": messages, "seed": settings.seed}))
                    answers.append(choice_probabilities(response, request.choices))
                score = venue_score(*answers)
            meeting = grounding.summary.meeting
            withdrawn = meeting.model_copy(update={"location": None})
            rows.append(
                {
                    "case": case.id,
                    "gold": case.meeting.location,
                    "place": meeting.location,
                    "score": score,
                    # The eval's own rule (``score_meeting``), with the place kept and with it withdrawn.
                    "right_kept": score_meeting(meeting, case.meeting)["meeting_location"],
                    "right_withdrawn": score_meeting(withdrawn, case.meeting)["meeting_location"],
                }
            )
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
    finally:
        backend.close()
    return rows


def right(row: dict[str, Any], threshold: float) -> bool:
    """Whether the case's location is right once places scoring under ``threshold`` are withdrawn."""
    withdrawn = row["place"] is not None and row["score"] is not None and row["score"] < threshold
    return bool(row["right_withdrawn"] if withdrawn else row["right_kept"])


def report(rows: list[dict[str, Any]], fit_on: str = "half A") -> float:
    """Print the fit and the per-subset accuracies; return the fitted threshold."""
    members = subsets([row["case"] for row in rows])

    def correct(subset: str, threshold: float) -> int:
        return sum(right(row, threshold) for row in rows if row["case"] in members[subset])

    scores: list[float] = sorted({float(row["score"]) for row in rows if row["score"] is not None})
    # Each candidate sits just above one score, so that place is withdrawn; -inf withdraws none.
    candidates = [float("-inf"), *(round(score + 0.001, 3) for score in scores)]
    best = max(correct(fit_on, t) for t in candidates)
    fitted = min(t for t in candidates if correct(fit_on, t) == best)
    print(f"threshold fit on {fit_on}: {fitted} (in the code: {VENUE_THRESHOLD})")
    print("| threshold | " + " | ".join(SUBSETS) + " |")
    print("|---" * (len(SUBSETS) + 1) + "|")
    for t in sorted({float("-inf"), fitted, VENUE_THRESHOLD}):
        cells = [f"{correct(s, t)}/{len(members[s])} ({correct(s, t) / max(1, len(members[s])):.3f})" for s in SUBSETS]
        print(f"| {'none withdrawn' if t == float('-inf') else t} | " + " | ".join(cells) + " |")
    print("\ncurve (cases right per subset):")
    for t in candidates[1:]:
        print(f"  {t:7.3f} " + " ".join(f"{s}={correct(s, t)}" for s in SUBSETS))
    return fitted


def calibrate(rows: list[dict[str, Any]], fit_on: str = "half A") -> tuple[float, float]:
    """Print the logistic fit of "the place is right" on the score, on ``fit_on``, with the Brier score per
    subset; return ``(slope, intercept)``."""
    members = subsets([row["case"] for row in rows])
    rated = [row for row in rows if row["place"] is not None and row["score"] is not None]

    def arrays(subset: str) -> tuple[Any, Any]:
        chosen = [row for row in rated if row["case"] in members[subset]]
        return np.array([row["score"] for row in chosen]), np.array([float(row["right_kept"]) for row in chosen])

    scores, labels = arrays(fit_on)

    def loss(params: Any) -> float:
        logits = params[0] * scores + params[1]
        return -float(np.sum(labels * log_expit(logits) + (1 - labels) * log_expit(-logits)))

    fit = minimize(loss, np.array([1.0, 0.0]), method="BFGS")
    right_scores, wrong_scores = scores[labels == 1], scores[labels == 0]
    if not len(right_scores) or not len(wrong_scores) or wrong_scores.max() < right_scores.min():
        # Perfectly separated labels (a small subset) have no maximum: the slope grows as far as the optimiser
        # walks before it stops, and the curve is a step, not a probability.
        print(f"calibration: {fit_on} separates right from wrong places perfectly; do not use the fit", file=sys.stderr)
    elif not fit.success:
        print(f"calibration: the fit did not converge ({fit.message}); do not use it", file=sys.stderr)
    slope, intercept = (float(v) for v in fit.x)
    base = float(labels.mean())
    print(
        f"\ncalibration fit on {fit_on}: slope {slope:.3f}, intercept {intercept:.3f} "
        f"(in the code: {VENUE_CALIBRATION});"
    )
    print(
        f"probability 0.5 at score {-intercept / slope:.3f}; at the threshold {VENUE_THRESHOLD}: "
        f"{expit(slope * VENUE_THRESHOLD + intercept):.3f}"
    )
    print("| subset | places | right | Brier, calibrated | Brier, base rate |")
    print("|---|---|---|---|---|")
    for subset in SUBSETS:
        x, y = arrays(subset)
        if len(x):
            brier = float(np.mean((expit(slope * x + intercept) - y) ** 2))
            print(f"| {subset} | {len(x)} | {int(y.sum())} | {brier:.3f} | {float(np.mean((base - y) ** 2)):.3f} |")
    return slope, intercept


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("predictions", type=Path, nargs="?", help="a summarize eval --out directory (--without venue)")
    parser.add_argument("--cases", type=Path, action="append", default=None)
    parser.add_argument("--out", type=Path, help="also write the rows as JSON")
    parser.add_argument("--rows", type=Path, help="report on rows written before by --out; no model call")
    parser.add_argument("--fit-on", default="half A", choices=SUBSETS[:-1])
    args = parser.parse_args()
    if args.rows is not None:
        rows = json.loads(args.rows.read_text(encoding="utf-8"))
    elif args.predictions is not None:
        rows = probe(args.predictions, args.cases or DEFAULT_CASES)
        if args.out is not None:
            args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        parser.error("give PREDICTIONS_DIR or --rows")
    report(rows, args.fit_on)
    calibrate(rows, args.fit_on)


if __name__ == "__main__":
    main()
