"""Throughput of the embedded model with 1, 2 and 4 server slots (``--concurrency``).

    .venv/bin/python evals/bench_concurrency.py [--articles 4] [--levels 1 2 4] [--model qwen2.5-coder-1.5b]

For each level, starts the embedded llama.cpp server with that many slots,
summarizes the same articles that many at a time, and prints articles per
minute, the throughput relative to one slot, and the share of wall time spent
outside model requests (client overhead: prompt building, validation,
scheduling). A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from summarizer import EMBEDDED_MODELS, EmbeddedBackend, Settings, Summarizer, SummaryResult
from summarizer._embedded import ensure_model_file

ROOT = Path(__file__).resolve().parent.parent


class TimedBackend(EmbeddedBackend):
    """Records when each request to the model starts and ends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.intervals: list[tuple[float, float]] = []

    async def achat(self, *, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        start = time.perf_counter()
        try:
            return await super().achat(messages=messages, **params)
        finally:
            self.intervals.append((start, time.perf_counter()))


def covered(intervals: list[tuple[float, float]]) -> float:
    """Total length of the union of intervals."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def articles(limit: int) -> list[str]:
    seed = ROOT / "evals" / "cases" / "lachin-corridor-talks-2023-03-01.txt"
    paths = [*sorted((ROOT / "evals" / "edge-cases").glob("*.txt")), seed]
    return [p.read_text(encoding="utf-8") for p in paths[:limit]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=4)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", choices=sorted(EMBEDDED_MODELS))
    args = parser.parse_args()
    texts = articles(args.articles)
    model_file = ensure_model_file(EMBEDDED_MODELS[args.model])
    rows = []
    for level in args.levels:
        backend = TimedBackend(model_file, model_id=args.model, concurrency=level)
        _ = backend.count_tokens([{"role": "user", "content": "load"}])  # load outside the timings
        summarizer = Summarizer(backend, settings=Settings(concurrency=level))
        started = time.perf_counter()
        results = summarizer.run_many(texts, concurrency=level)
        wall = time.perf_counter() - started
        backend.close()
        ok = sum(isinstance(r, SummaryResult) for r in results)
        outside = 1 - covered(backend.intervals) / wall
        rows.append((level, len(texts), ok, wall, 60 * len(texts) / wall, outside))
    print(f"model {args.model}, {len(texts)} articles, embedded llama.cpp server, {os.cpu_count()} CPUs\n")
    print("| slots = concurrency | articles | ok | wall s | articles/min | vs 1 slot | wall time outside the model |")
    print("|---|---|---|---|---|---|---|")
    for level, n, ok, wall, rate, outside in rows:
        print(f"| {level} | {n} | {ok} | {wall:.1f} | {rate:.2f} | {rate / rows[0][4]:.2f}x | {outside:.2%} |")


if __name__ == "__main__":
    main()
