"""Are predictions byte-identical at temperature 0 with a fixed seed? Twice in one process, and in two processes.

    .venv/bin/python evals/bench_determinism.py [--articles 3] [--model qwen2.5-coder-1.5b]

Runs the first ``--articles`` project articles (the seed, then ``evals/edge-cases``) in this process,
then the same again (now with the server's prompt cache warm from the first round), then in a
fresh child process; prints, per article, whether each run's summary JSON equals the first's.
A script, not a test: it reports what the engine does, which the eval gate's tolerance must allow for.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from summarizer import Settings, Summarizer

ROOT = Path(__file__).resolve().parent.parent


def articles(limit: int) -> list[Path]:
    seed = ROOT / "evals" / "cases" / "lachin-corridor-talks-2023-03-01.txt"
    return [seed, *sorted((ROOT / "evals" / "edge-cases").glob("*.txt"))][:limit]


def summaries(paths: list[Path], model: str, rounds: int) -> list[list[str]]:
    with Summarizer(settings=Settings(model=model)) as summarizer:
        return [
            [json.dumps(summarizer.run(p.read_text(encoding="utf-8")).summary.model_dump(mode="json")) for p in paths]
            for _ in range(rounds)
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=3)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = articles(args.articles)
    if args.child:
        print(json.dumps(summaries(paths, args.model, 1)[0]))
        return
    first, warm = summaries(paths, args.model, 2)
    command = [sys.executable, __file__, "--child", "--articles", str(args.articles), "--model", args.model]
    other = json.loads(subprocess.run(command, capture_output=True, check=True, text=True).stdout)
    print("| article | same process, cache warm | another process |")
    print("|---|---|---|")
    for path, a, b, c in zip(paths, first, warm, other, strict=True):
        print(f"| {path.stem} | {'identical' if a == b else 'differs'} | {'identical' if a == c else 'differs'} |")


if __name__ == "__main__":
    main()
