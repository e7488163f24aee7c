"""Compare extraction strategies on the golden cases, in one process, on one loaded model.

    .venv/bin/python evals/bench_strategies.py [--cases DIR ...] [--model qwen2.5-coder-1.5b]
                                               [--strategies single focused] [--out DIR]

For each strategy, on all cases, on each dev half and on each genre group
(``dev_split.py``): macro-F1 and per-field F1, mean, median and p95 seconds
per article, mean prompt and output tokens, failed cases (an answer cut off
at the token cap is one), and the median time against the first strategy's
(the naive ``single`` call by default) on the same cases. Strategies run one after the other
over all cases, as a batch would, each starting from a model whose cache
holds another strategy's prompt. Predictions and reports are kept under
``--out/<strategy>/`` so they can be re-scored with ``summarize eval --replay``.
A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from dev_split import DEV_DIR, pooled, subsets

from summarizer import Settings, Summarizer
from summarizer._cases import load_cases
from summarizer._evaluate import EvalReport, evaluate_live
from summarizer._scoring import FIELDS

ROOT = Path(__file__).resolve().parent.parent


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_cases = [ROOT / "evals" / "cases", ROOT / "evals" / "edge-cases", *([DEV_DIR] if DEV_DIR.is_dir() else [])]
    parser.add_argument("--cases", type=Path, nargs="+", default=default_cases)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--strategies", nargs="+", default=["single", "focused"])
    parser.add_argument("--out", type=Path, default=ROOT / "eval-out" / "bench")
    args = parser.parse_args()

    cases = load_cases(args.cases)
    backend = Settings(model=args.model).create_backend()
    reports: dict[str, EvalReport] = {}
    for strategy in args.strategies:
        summarizer = Summarizer(backend, settings=Settings(model=args.model, strategy=strategy))

        def progress(done: int, total: int, status: str, name: str = strategy) -> None:
            print(f"  {name} [{done}/{total}] {status}", flush=True)

        reports[strategy] = evaluate_live(cases, summarizer, args.out / strategy, progress)
    backend.close()

    print(f"\nmodel {args.model}, {len(cases)} cases\n")
    print(table(reports))


def table(reports: dict[str, EvalReport]) -> str:
    """One row per strategy and subset (all, dev halves, genre groups): F1 per field, seconds, tokens, and the
    median time against the first strategy's on the same cases."""
    first = next(iter(reports))
    header = ["strategy", "subset", "cases", "macro-F1", *FIELDS, "mean s", "median s", "p95 s"]
    header += ["prompt tok", "output tok", "errors", "median ratio"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for strategy, report in reports.items():
        cases = [c.model_dump() for c in report.cases]
        for subset, members in subsets([c["id"] for c in cases]).items():
            chosen = [c for c in cases if c["id"] in members]
            if subset == "project" or not chosen:
                continue
            scored = pooled(chosen)  # a failed case counts as the empty answer summarize eval scores
            seconds = [c["seconds"] or 0.0 for c in chosen]
            base = [c.seconds or 0.0 for c in reports[first].cases if c.id in members]
            row = [
                strategy,
                subset,
                str(len(chosen)),
                f"{scored['macro-F1']:.3f}",
                *(f"{scored[f]:.2f}" for f in FIELDS),
                f"{statistics.mean(seconds):.1f}",
                f"{statistics.median(seconds):.1f}",
                f"{p95(seconds):.1f}",
                f"{statistics.mean(c['prompt_tokens'] or 0 for c in chosen):.0f}",
                f"{statistics.mean(c['completion_tokens'] or 0 for c in chosen):.0f}",
                str(sum(1 for c in chosen if c.get("error"))),
                f"{statistics.median(seconds) / statistics.median(base):.2f}x" if base else "",
            ]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
