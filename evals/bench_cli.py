"""Single CLI runs: ``summarize ARTICLE`` in a fresh process per article against the plain call in one.

    .venv/bin/python evals/bench_cli.py [--articles 6] [--out eval-out/bench-cli]

For each article (every ninth dev case in id order, a fixed rule, or the seed
and edge-case articles when the dev set is absent) the two commands run in
turn, each a new process that loads the model: ``summarize ARTICLE --format
json --meta`` and ``python evals/bench_cli.py --plain ARTICLE`` (the
``plain`` peer of ``bench_strategies.py``: one schema request). Before the
timed rounds, one untimed run of each loads the model file into the page
cache; ``--cold-state`` removes the product's saved prompt states first, so
the first timed run reads its instructions afresh. Prints the wall seconds of
every run, the median of each command, the ratio of medians and each pair's
ratio, and the prompt tokens each ``summarize`` run evaluated. A script, not a
test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_DIR = ROOT.parent / "shared" / "evals-dev"


def articles(count: int) -> list[Path]:
    dev = sorted(DEV_DIR.glob("*.txt"))
    if dev:
        return dev[::9][:count]
    return [
        ROOT / "evals" / "cases" / "lachin-corridor-talks-2023-03-01.txt",
        *sorted((ROOT / "evals" / "edge-cases").glob("*.txt")),
    ][:count]


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bench_cli: {' '.join(command)} failed: {done.stderr.strip()[-300:]}")
    return elapsed, done.stdout


def plain(path: Path) -> None:
    """The plain peer on one article, in this process: load the model, one request, print the answer."""
    from bench_strategies import plain_request

    from summarizer import Settings
    from summarizer._llama import EmbeddedBackend

    backend = Settings().create_backend()
    assert isinstance(backend, EmbeddedBackend)
    request = plain_request(path.read_text(encoding="utf-8"))
    response = backend.client.chat.completions.create(model=backend.model_id, **request)
    print(response.choices[0].message.content)
    backend.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=6)
    parser.add_argument("--cold-state", action="store_true", help="Remove saved prompt states before timing.")
    parser.add_argument("--plain", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain is not None:
        plain(args.plain)
        return
    paths = articles(args.articles)
    summarize = [str(ROOT / ".venv" / "bin" / "summarize"), "--format", "json", "--meta"]
    peer = [sys.executable, str(Path(__file__).resolve()), "--plain"]
    timed([*summarize, str(paths[0])])  # warm-up: the model file in the page cache, a state file made
    timed([*peer, str(paths[0])])
    if args.cold_state:
        from summarizer._embedded import cache_dir

        shutil.rmtree(cache_dir() / "prompt-states", ignore_errors=True)
    ours, theirs, evaluated = [], [], []
    print("| article | summarize s | plain s | ratio | summarize prompt tokens evaluated |")
    print("|---|---|---|---|---|")
    for path in paths:
        seconds, out = timed([*summarize, str(path)])
        meta = json.loads(out)["meta"]
        ours.append(seconds)
        evaluated.append(meta["prompt_tokens"] - meta["cached_prompt_tokens"])
        theirs.append(timed([*peer, str(path)])[0])
        print(f"| {path.stem} | {ours[-1]:.1f} | {theirs[-1]:.1f} | {ours[-1] / theirs[-1]:.2f} | {evaluated[-1]} |")
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(
        f"\nmedian: summarize {statistics.median(ours):.1f} s, plain {statistics.median(theirs):.1f} s, "
        f"ratio {ratio:.2f}x; summarize evaluated {statistics.mean(evaluated):.0f} prompt tokens per run"
    )


if __name__ == "__main__":
    main()
