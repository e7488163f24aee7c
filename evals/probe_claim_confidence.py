"""Does the model's own P(yes) tell a real dispute from a wrong one? A measurement for the claims issue.

    .venv/bin/python evals/probe_claim_confidence.py PREDICTIONS_DIR [--cases DIR ...] [--out rows.json]

``PREDICTIONS_DIR`` is a ``summarize eval --out`` directory (one summary JSON per case). For every
disputed claim in it, the model reads the case's article (the pipeline's own system prompt and article
fence, so the server's prompt cache serves the shared prefix) and answers one token to "do DENIERS
deny, reject or dispute this claim, made or reported by CLAIMANTS? yes or no"; the script reads
P(yes) = p(yes) / (p(yes) + p(no)) from the top log-probabilities. Each claim is asked three ways:

- as predicted (``p``);
- with claimant and denier swapped (``p_swapped``): permutation, does the model tell the roles apart?;
- a content-free question ("N/A" for the claim and both actors, ``p_null``), once per article: the
  model's prior for "yes" on that article, for contextual calibration (Zhao et al., ICML 2021).

Each claim is labelled by the eval's own scoring: ``strict`` (text and both actors match a gold
claim), ``lenient`` (text only) or ``none``. The script then fits, on dev half A only (``--fit-on``), the threshold on
``p`` that maximises half A's strict F1 (the lowest such threshold, so a flat fit drops nothing), and
prints what it does to each subset of ``evals/dev_split.py``. A script, not a step: it needs an
engine that returns ``top_logprobs`` (the embedded model, llama.cpp, vLLM, OpenAI).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from summarizer import ArticleSummary, Settings
from summarizer._backend import Backend
from summarizer._cases import load_cases
from summarizer._prompts import fenced, load_prompts
from summarizer._scoring import score_case
from summarizer.pipeline import get_strategy
from summarizer.reading import read
from summarizer.text import clean

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev_split import subsets

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = [ROOT / "evals" / "cases", ROOT / "evals" / "edge-cases", ROOT.parent / "shared" / "evals-dev"]


def question(claim: str, claimants: list[str], deniers: list[str]) -> str:
    return (
        f'Claim: "{claim}"\nIn this article, do {" and ".join(deniers)} deny, reject or dispute this claim, '
        f"made or reported by {' and '.join(claimants)}? Answer yes or no."
    )


def p_yes(backend: Backend, system: list[dict[str, str]], article: str, asked: str) -> float:
    """P(yes) among the answer's first-token yes/no candidates (any case, any leading space); NaN when
    neither is among the top 20. Exits when the server returns no log-probabilities at all."""
    messages = [*system, {"role": "user", "content": f"<article>\n{fenced(article)}\n</article>\n\n{asked}"}]
    response = backend.chat(messages=messages, max_tokens=1, temperature=0, logprobs=True, top_logprobs=20)
    logprobs = response.choices[0].logprobs
    if logprobs is None or not logprobs.content:
        raise SystemExit("probe_claim_confidence: the server returned no log-probabilities (top_logprobs)")
    tops = logprobs.content[0].top_logprobs
    yes = sum(math.exp(t.logprob) for t in tops if t.token.strip().lower() == "yes")
    no = sum(math.exp(t.logprob) for t in tops if t.token.strip().lower() == "no")
    return yes / (yes + no) if yes + no else math.nan


def label(summary: ArticleSummary, claim_index: int, case: Any) -> str:
    alone = summary.model_copy(update={"disputed_claims": [summary.disputed_claims[claim_index]]})
    counts = score_case(alone, case)
    return "strict" if counts["claims_strict"].tp else "lenient" if counts["claims"].tp else "none"


def probe(predictions: Path, case_dirs: list[Path]) -> list[dict[str, Any]]:
    # The pipeline's own shared prefix (none when its system prompt varies per article).
    system = load_prompts(get_strategy("focused").prompt_version).prefix() or []
    rows = []
    missing = [lc.case.id for lc in load_cases(case_dirs) if not (predictions / f"{lc.case.id}.json").is_file()]
    if missing:
        print(f"probe_claim_confidence: no prediction for {len(missing)} cases, e.g. {missing[0]}", file=sys.stderr)
    backend = Settings().create_backend()
    try:
        for loaded in load_cases(case_dirs):
            path = predictions / f"{loaded.case.id}.json"
            if not path.is_file():
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("meta", None)
            summary = ArticleSummary.model_validate(data)
            if not summary.disputed_claims:
                continue
            article = read(clean(loaded.article).text).article  # as the pipeline reads it
            null = p_yes(backend, system, article, question("N/A", ["N/A"], ["N/A"]))
            for index, claim in enumerate(summary.disputed_claims):
                row = {
                    "case": loaded.case.id,
                    "label": label(summary, index, loaded.case),
                    "p": p_yes(backend, system, article, question(claim.claim, claim.claimed_by, claim.disputed_by)),
                    "p_swapped": p_yes(
                        backend, system, article, question(claim.claim, claim.disputed_by, claim.claimed_by)
                    ),
                    "p_null": null,
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    finally:
        backend.close()
    return rows


def strict_f1(rows: list[dict[str, Any]], gold: int, threshold: float) -> float:
    """Strict F1 of the claims kept at ``threshold`` (a claim whose P(yes) could not be read is kept)."""
    kept = [r for r in rows if math.isnan(r["p"]) or r["p"] >= threshold]
    tp = sum(r["label"] == "strict" for r in kept)
    return 2 * tp / (len(kept) + gold) if kept or gold else 1.0


def report(rows: list[dict[str, Any]], gold_counts: dict[str, int], fit_on: str = "half A") -> None:
    cases = sorted(gold_counts)
    groups = subsets(cases)
    unread = sum(math.isnan(r["p"]) for r in rows)
    if unread:
        print(f"{unread} of {len(rows)} claims have no yes/no among the top tokens: kept, never dropped")
    fitted = [r for r in rows if r["case"] in groups[fit_on]]
    gold_fitted = sum(gold_counts[c] for c in groups[fit_on])
    candidates = sorted({0.0, *(r["p"] for r in fitted if not math.isnan(r["p"]))})
    best = max(candidates, key=lambda t: (round(strict_f1(fitted, gold_fitted, t), 6), -t))
    print(f"\nthreshold fit on {fit_on} (strict F1): {best:.3f}")
    print(f"{'subset':<14} {'claims':>6} {'dropped':>7} {'strict/lenient/none dropped':>28} {'strict F1':>16}")
    for name, members in groups.items():
        subset = [r for r in rows if r["case"] in members]
        gold = sum(gold_counts[c] for c in members)
        dropped = [r for r in subset if not math.isnan(r["p"]) and r["p"] < best]
        kinds = "/".join(str(sum(r["label"] == k for r in dropped)) for k in ("strict", "lenient", "none"))
        before, after = strict_f1(subset, gold, 0.0), strict_f1(subset, gold, best)
        print(f"{name:<14} {len(subset):>6} {len(dropped):>7} {kinds:>28} {before:>7.3f} -> {after:.3f}")
    read_both = [r for r in rows if not math.isnan(r["p"]) and not math.isnan(r["p_swapped"])]
    swapped_higher = sum(r["p_swapped"] > r["p"] for r in read_both)
    mean_gap = sum(abs(r["p"] - r["p_swapped"]) for r in read_both) / max(len(read_both), 1)
    print(f"\nswapped roles answered 'yes' more often than the predicted roles: {swapped_higher} of {len(read_both)}")
    print(f"mean |p - p_swapped|: {mean_gap:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("predictions", type=Path, nargs="?", help="a summarize eval --out directory")
    parser.add_argument("--cases", type=Path, action="append", default=None)
    parser.add_argument("--out", type=Path, help="also write the rows as JSON")
    parser.add_argument("--rows", type=Path, help="report on rows written before by --out; no model call")
    parser.add_argument(
        "--fit-on", choices=("half A", "half B"), default="half A", help="the half the threshold is fit on"
    )
    args = parser.parse_args()
    case_dirs = args.cases or DEFAULT_CASES
    gold_counts = {lc.case.id: len(lc.case.disputed_claims) for lc in load_cases(case_dirs)}
    if args.rows:
        rows = json.loads(args.rows.read_text(encoding="utf-8"))
    elif args.predictions is None or not args.predictions.is_dir():
        parser.error("give a predictions directory (summarize eval --out), or --rows")
    else:
        rows = probe(args.predictions, case_dirs)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    report(rows, gold_counts, args.fit_on)


if __name__ == "__main__":
    main()
