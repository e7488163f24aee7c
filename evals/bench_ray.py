"""The Ray engine against the local runner: overhead per article on an instant fake, and the embedded model
on 1 or 2 actors. A benchmark, not a test: the numbers depend on the machine.

    python evals/bench_ray.py overhead --articles 10000
    python evals/bench_ray.py embedded --articles 8

``overhead`` sends the same JSONL through both engines with a fake backend
that answers at once (the pipeline, validation and grounding still run), no
result cache. Ray's start-up (``ray.init`` of a private instance) is timed
apart from the run. ``embedded`` runs the first N dev articles
(``../shared/evals-dev``, by name) with the real model, no cache: the local
runner, then Ray with one actor of 2 CPUs, then two actors of 1 CPU each.
Never run it beside another model process: the cores are the measurement.
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
from summarizer._inputs import read_inputs  # noqa: E402
from summarizer.testing import SummaryBackendFactory  # noqa: E402
from tests.conftest import ARTICLE, summary_dict  # noqa: E402

DEV = ROOT.parent / "shared" / "evals-dev"


def local_run(feed: Path, out: Path, settings: Settings, factory: SummaryBackendFactory | None) -> tuple[float, int]:
    started = time.perf_counter()
    summarizer = Summarizer(factory() if factory else None, settings=settings)
    results = ResultsFile(out)
    tally = asyncio.run(BatchRunner(summarizer, results).run(list(read_inputs([feed]))))
    results.close()
    summarizer.close()
    return time.perf_counter() - started, tally.written


def ray_run(
    feed: Path,
    out: Path,
    settings: Settings,
    *,
    actors: int,
    cpus: float,
    batch_size: int,
    factory: SummaryBackendFactory | None = None,
) -> tuple[float, float, int]:
    """(start-up s, run s, rows written) of one run on a fresh private instance."""
    import math

    import ray

    from summarizer.ray import connect, run_corpus

    started = time.perf_counter()
    connect(None, num_cpus=math.ceil(actors * cpus) + 2)
    start_up = time.perf_counter() - started
    started = time.perf_counter()
    tally = run_corpus(
        [feed],
        out,
        settings=settings,
        backend_factory=factory,
        actors=actors,
        cpus_per_actor=cpus,
        batch_size=batch_size,
        progress=False,
    )
    elapsed = time.perf_counter() - started
    ray.shutdown()
    return start_up, elapsed, tally.summarized + tally.failed


def overhead(articles: int) -> None:
    settings = Settings(strategy="focused", model="qwen2.5-coder-1.5b")
    factory = SummaryBackendFactory(summary_dict())
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        feed = folder / "in.jsonl"
        with feed.open("w", encoding="utf-8") as handle:
            for n in range(articles):
                handle.write(json.dumps({"id": f"a{n}", "text": f"{ARTICLE} Dispatch {n}."}) + "\n")
        local_s, local_n = local_run(feed, folder / "local.jsonl", settings, factory)
        rows = [("local runner", 0.0, local_s, local_n)]
        for actors in (1, 2):
            start_up, ray_s, ray_n = ray_run(
                feed, folder / f"ray{actors}", settings, actors=actors, cpus=1, batch_size=64, factory=factory
            )
            rows.append((f"ray, {actors} actor(s) of 1 CPU, 64 rows a batch", start_up, ray_s, ray_n))
    print(f"{articles} articles through an instant fake backend, strategy focused, no result cache")
    print("| engine | start-up s | run s | articles | ms per article | articles per s |")
    print("|---|---|---|---|---|---|")
    for label, start_up, seconds, count in rows:
        per_article = seconds / count * 1000
        print(f"| {label} | {start_up:.1f} | {seconds:.1f} | {count} | {per_article:.2f} | {count / seconds:.0f} |")


def embedded(articles: int) -> None:
    chosen = sorted(DEV.glob("*.txt"))[:articles]
    if len(chosen) < articles:
        raise SystemExit(f"{DEV} holds {len(chosen)} articles, fewer than {articles}")
    settings = Settings.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        feed = folder / "in.jsonl"
        feed.write_text(
            "".join(json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")}) + "\n" for p in chosen)
        )
        rows = []
        seconds, count = local_run(feed, folder / "local.jsonl", settings, None)
        rows.append(("local runner (one slot)", 0.0, seconds, count))
        for actors, cpus in ((1, 2.0), (2, 1.0)):
            start_up, seconds, count = ray_run(
                feed, folder / f"ray{actors}", settings, actors=actors, cpus=cpus, batch_size=1
            )
            rows.append((f"ray, {actors} actor(s) of {cpus:g} CPU", start_up, seconds, count))
    print(f"{articles} dev articles, embedded {settings.model_label}, no result cache; run s includes model loads")
    print("| engine | start-up s | run s | articles | articles per minute |")
    print("|---|---|---|---|---|")
    for label, start_up, seconds, count in rows:
        print(f"| {label} | {start_up:.1f} | {seconds:.1f} | {count} | {count / seconds * 60:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("overhead", "embedded"))
    parser.add_argument("--articles", type=int, default=None)
    args = parser.parse_args()
    if args.part == "overhead":
        overhead(args.articles or 10_000)
    else:
        embedded(args.articles or 8)


if __name__ == "__main__":
    main()
