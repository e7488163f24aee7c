"""Ablation of the pipeline's steps: the full eval once with each switchable step switched off.

    .venv/bin/python evals/ablation.py --out ablation-out [--steps roles dedupe ...] [--full eval-out]

Runs ``summarize eval --without STEP`` over the seed, the edge cases and the
development set (when present) for each step the strategy can switch off
(``summarize steps``), one after another (never two models at once), then
prints, per step, macro-F1 and claims-strict on each dev half and genre group
(``dev_split.py``) minus the same for the full pipeline. A step earns its
place when switching it off loses on both halves.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from dev_split import pooled, subsets

from summarizer.pipeline import get_strategy

ROOT = Path(__file__).resolve().parent.parent
CASES = [ROOT / "evals" / "cases", ROOT / "evals" / "edge-cases", ROOT.parent / "shared" / "evals-dev"]
SUBSETS = ("half A", "half B", "diplomacy", "other genres", "all")


def run(out: Path, without: str | None, strategy: str) -> Path:
    report = out / "report.json"
    if report.is_file():
        return report  # already run: a rerun resumes the ablation
    command = [sys.executable, "-m", "summarizer", "eval", "--out", str(out), "--no-progress", "--strategy", strategy]
    for folder in CASES:
        if folder.is_dir():
            command += ["--cases", str(folder)]
    if without:
        command += ["--without", without]
    # The eval exits 1 when a case fails; the report is written all the same, and its absence is the error.
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    if not report.is_file():
        raise SystemExit(f"ablation: {' '.join(command)} wrote no report")
    return report


def scores(report: Path) -> dict[str, dict[str, float]]:
    cases = json.loads(report.read_text(encoding="utf-8"))["cases"]
    found = {}
    for name, members in subsets([c["id"] for c in cases]).items():
        chosen = [c for c in cases if c["id"] in members]  # a failed case counts as an empty answer
        if chosen and name in SUBSETS:
            found[name] = pooled(chosen)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--full", type=Path, help="An eval output of the full pipeline, instead of running one.")
    parser.add_argument("--strategy", default="focused")
    parser.add_argument("--steps", nargs="*", help="Steps to switch off (default: every switchable step).")
    args = parser.parse_args()
    steps = args.steps or list(get_strategy(args.strategy).switches)
    full = scores(args.full / "report.json" if args.full else run(args.out / "full", None, args.strategy))
    print("| without | " + " | ".join(f"{s} macro / strict" for s in SUBSETS) + " | s/article |")
    print("|" + "---|" * (len(SUBSETS) + 2))
    for step in steps:
        ablated = scores(run(args.out / step, step, args.strategy))
        cells = [
            f"{ablated[s]['macro-F1'] - full[s]['macro-F1']:+.3f} / "
            f"{ablated[s]['claims_strict'] - full[s]['claims_strict']:+.3f}"
            for s in SUBSETS
        ]
        print(f"| {step} | " + " | ".join(cells) + f" | {ablated['all']['s/article']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
