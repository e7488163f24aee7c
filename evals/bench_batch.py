"""Overhead of `summarize batch` outside the model: many short articles through an instant fake backend.

Runs the real batch machinery (input reading, cache lookups and writes,
the focused strategy's passes through instructor and pydantic, grounding,
JSON Lines writes) with a backend that answers at once, then runs the same
inputs again so every article is a cache hit. Prints milliseconds per
article for both. A benchmark, not a test: numbers depend on the machine.

    python evals/bench_batch.py --articles 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Settings, Summarizer  # noqa: E402
from summarizer._batch import BatchRunner, ResultsFile  # noqa: E402
from summarizer._cache import ResultCache  # noqa: E402
from summarizer._inputs import read_inputs  # noqa: E402
from summarizer.testing import TaskBackend, answer_from_summary  # noqa: E402
from tests.conftest import ARTICLE, summary_dict  # noqa: E402


def run_once(feed: Path, out: Path, cache_path: Path, backend: TaskBackend, strategy: str) -> tuple[float, int]:
    started = time.perf_counter()
    records = list(read_inputs([feed]))
    summarizer = Summarizer(backend, settings=Settings(strategy=strategy, model="qwen2.5-coder-1.5b"))
    results = ResultsFile(out)
    with ResultCache(cache_path) as cache:
        tally = asyncio.run(BatchRunner(summarizer, results, cache=cache).run(records))
    results.close()
    return time.perf_counter() - started, tally.written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--strategy", default="focused")
    args = parser.parse_args()
    backend = TaskBackend(answer_from_summary(summary_dict()))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        feed = folder / "in.jsonl"
        with feed.open("w", encoding="utf-8") as handle:
            for n in range(args.articles):
                handle.write(json.dumps({"id": f"a{n}", "text": f"{ARTICLE} Dispatch {n}."}) + "\n")
        cache_path = folder / "cache.sqlite3"
        cold, written = run_once(feed, folder / "cold.jsonl", cache_path, backend, args.strategy)
        calls = len(backend.requests)
        warm, rewritten = run_once(feed, folder / "warm.jsonl", cache_path, backend, args.strategy)
        assert len(backend.requests) == calls, "the second run must not call the model"
        lines = (folder / "warm.jsonl").read_text(encoding="utf-8").count("\n")
    print(f"{args.articles} articles, strategy {args.strategy}, {calls} fake model calls in the first run")
    print("| run | articles written | seconds | ms per article | articles per second |")
    print("|---|---|---|---|---|")
    rows = (("model (instant fake), cache empty", written, cold), ("all from cache", rewritten, warm))
    for label, count, seconds in rows:
        print(f"| {label} | {count} | {seconds:.1f} | {seconds / count * 1000:.2f} | {count / seconds:.0f} |")
    assert lines == args.articles


if __name__ == "__main__":
    main()
