"""Throughput against a local llama-cpp-python server at several concurrency levels.

    .venv/bin/python evals/bench_concurrency.py [--articles 4] [--levels 1 2 4] [--model qwen2.5-coder-1.5b]

Starts ``python -m llama_cpp.server`` on a free loopback port with an embedded
model, summarizes the same articles at each concurrency level, and prints
articles per minute and the share of wall time spent outside server requests
(client overhead: prompt building, validation, scheduling). A script, not a
test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from summarizer import EMBEDDED_MODELS, OpenAIBackend, Settings, Summarizer, SummaryResult
from summarizer._embedded import ensure_model_file
from summarizer.testing import llama_server

ROOT = Path(__file__).resolve().parent.parent


class TimedBackend(OpenAIBackend):
    """Records when each request to the server starts and ends."""

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
    seed = ROOT / "seeds" / "lachin-corridor-talks-2023-03-01.txt"
    paths = [*sorted((ROOT / "evals" / "articles").glob("*.txt")), seed]
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
    with llama_server(model_file) as url:
        backend = TimedBackend("local", base_url=url, concurrency=max(args.levels))
        _ = backend.structured_mode  # probe once, outside the timings
        for level in args.levels:
            backend.intervals.clear()
            summarizer = Summarizer(backend, settings=Settings())
            started = time.perf_counter()
            results = summarizer.run_many(texts, concurrency=level)
            wall = time.perf_counter() - started
            ok = sum(isinstance(r, SummaryResult) for r in results)
            outside = 1 - covered(backend.intervals) / wall
            rows.append((level, len(texts), ok, wall, 60 * len(texts) / wall, outside))
    print(f"model {args.model}, {len(texts)} articles, llama-cpp-python server on 127.0.0.1\n")
    print("| concurrency | articles | ok | wall s | articles/min | wall time outside the server |")
    print("|---|---|---|---|---|---|")
    for level, n, ok, wall, rate, outside in rows:
        print(f"| {level} | {n} | {ok} | {wall:.1f} | {rate:.2f} | {outside:.2%} |")


if __name__ == "__main__":
    main()
