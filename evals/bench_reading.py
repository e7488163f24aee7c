"""Time and memory of cleaning and reading one huge article, which run before any model call.

    .venv/bin/python evals/bench_reading.py [--sizes 0.1 1 10] [--timeout 300]

For each size (MB of text) and kind a fresh process builds an article of that
size, then times ``text.clean`` and ``reading.read`` and reports the process's
peak memory (max RSS). Two kinds: ``varied`` repeats an invented report with its
names varied (the reader sees ever new actors, as in a long live blog);
``repeated`` repeats the seed article as it is (the same actors over and over,
the input the issue's quadratic timings came from). A size whose
process runs past ``--timeout`` seconds is reported as such. A script, not a
test: timings depend on the machine. ``max_article_chars`` (1,000,000 by default)
refuses longer articles before this work; the larger sizes show what raising it
costs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

SEED = Path(__file__).resolve().parent / "cases" / "lachin-corridor-talks-2023-03-01.txt"

PARAGRAPH = (
    "Delegates of Norland{n} and Estmark{n} met on Tuesday in Hallvik{n} for talks mediated by the "
    "Council of Baltic Waters, whose chair, Ingrid Hovland{n}, said the sides discussed fishing quotas. "
    "Norland{n}'s foreign ministry later denied reports that it had agreed to cut its catch by a fifth. "
    '"We agreed to nothing of the kind," said Tomas Reinholt{n}, the ministry\'s spokesman.\n\n'
)


def article(megabytes: float, kind: str = "varied") -> str:
    size = int(megabytes * 1_000_000)
    seed = SEED.read_text(encoding="utf-8") + "\n\n"
    parts, length, n = [], 0, 0
    while length < size:
        part = PARAGRAPH.format(n=n) if kind == "varied" else seed
        parts.append(part)
        length += len(part)
        n += 1
    return "".join(parts)[:size]


def measure(megabytes: float, kind: str) -> dict[str, float]:
    """In this process: seconds to clean and to read, and the peak memory, for one article of that size."""
    from summarizer.reading import read
    from summarizer.text import clean

    text = article(megabytes, kind)
    started = time.perf_counter()
    cleaned = clean(text)
    cleaning = time.perf_counter() - started
    started = time.perf_counter()
    read(cleaned.text)
    reading = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"clean_s": round(cleaning, 2), "read_s": round(reading, 2), "peak_mib": round(peak)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.1, 1.0, 10.0])
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--kinds", nargs="+", choices=["varied", "repeated"], default=["varied", "repeated"])
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="varied", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.kind)))
        return
    print("| kind | MB | clean s | read s | peak MiB |")
    print("|---|---|---|---|---|")
    for kind, size in [(kind, size) for kind in args.kinds for size in args.sizes]:
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(size), "--kind", kind],
                capture_output=True,
                text=True,
                timeout=args.timeout,
                check=True,
            )
        except subprocess.TimeoutExpired:
            print(f"| {kind} | {size} | | over {args.timeout:.0f} s | |", flush=True)
            continue
        figures = json.loads(done.stdout)
        row = [kind, size, figures["clean_s"], figures["read_s"], figures["peak_mib"]]
        print("| " + " | ".join(str(cell) for cell in row) + " |", flush=True)


if __name__ == "__main__":
    main()
