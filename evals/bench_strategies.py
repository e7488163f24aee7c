"""Compare extraction strategies on the golden cases, in one process, on one loaded model.

    .venv/bin/python evals/bench_strategies.py [--cases DIR ...] [--model qwen2.5-coder-1.5b]
                                               [--strategies single focused] [--out DIR]

For each strategy: macro-F1 and per-field F1, mean and p95 seconds per article,
mean prompt and output tokens, and the time ratio against the first strategy
(the naive ``single`` call by default). Strategies run one after the other
over all cases, as a batch would, each starting from a model whose cache
holds another strategy's prompt. Predictions and reports are kept under
``--out/<strategy>/`` so they can be re-scored with ``summarize eval --replay``.
A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from summarizer import Settings, Summarizer
from summarizer._cases import load_cases
from summarizer._evaluate import EvalReport, evaluate_live
from summarizer._scoring import FIELDS

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "evals-dev"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_cases = [ROOT / "evals" / "cases", *([DEV] if DEV.is_dir() else [])]
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

    first = args.strategies[0]
    base_mean = statistics.mean(c.seconds or 0.0 for c in reports[first].cases)
    print(f"\nmodel {args.model}, {len(cases)} cases\n")
    header = ["strategy", "macro-F1", *FIELDS, "mean s", "p95 s", "prompt tok", "output tok", "time ratio"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for strategy, report in reports.items():
        seconds = [c.seconds or 0.0 for c in report.cases]
        prompt = statistics.mean(c.prompt_tokens or 0 for c in report.cases)
        output = statistics.mean(c.completion_tokens or 0 for c in report.cases)
        row = [
            strategy,
            f"{report.macro_f1:.3f}",
            *(f"{report.fields[f].f1:.2f}" for f in FIELDS),
            f"{statistics.mean(seconds):.1f}",
            f"{p95(seconds):.1f}",
            f"{prompt:.0f}",
            f"{output:.0f}",
            f"{statistics.mean(seconds) / base_mean:.2f}x",
        ]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
