"""Long articles: seconds per 10 KB and the facts found, from the short story to a 46 KB live blog.

    .venv/bin/python evals/bench_long.py [--entries 0 100 200 300] [--model qwen2.5-coder-1.5b]

Builds live blogs of the seed story (``../shared/tries/inputs/15-long-live-blog-seed.txt``)
with N updates between its head and its tail, where the mediator and the
dispute are named only in the tail. N = 0 is the short version of the same
story. For each: size, chunks read, seconds, seconds per 10 KB, output
tokens, and which of the story's facts the summary holds. One loaded model,
articles one after the other. A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import ArticleSummary, Settings, Summarizer, SummarizerError  # noqa: E402
from summarizer._names import name_matches  # noqa: E402
from tests.live_blog import live_blog  # noqa: E402

SEED = ROOT.parent / "shared" / "tries" / "inputs" / "15-long-live-blog-seed.txt"


def facts(summary: ArticleSummary) -> dict[str, bool]:
    """The story's facts (what ``../shared/tries/README.md`` asks of this input), each found or not."""

    def named(field: str, *names: str) -> bool:
        got = [item.name for item in getattr(summary, field)]
        return any(name_matches(g, [n]) or name_matches(n, [g]) for g in got for n in names)

    def between(claimant: str, denier: str) -> bool:
        return any(
            any(name_matches(c, [claimant]) for c in claim.claimed_by)
            and any(name_matches(d, [denier]) for d in claim.disputed_by)
            for claim in summary.disputed_claims
        )

    return {
        "sides": named("parties", "Norland") and named("parties", "Estmark"),
        "Solberg": named("participants", "Ingrid Solberg"),
        "Rehn": named("participants", "Tomas Rehn"),
        "mediator": named("mediators", "Marit Solhaug", "Arctic Council"),
        "dispute": any("rail" in c.claim.lower() or "crossing" in c.claim.lower() for c in summary.disputed_claims),
        "claimant/denier": between("Solberg", "Rehn"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[0, 100, 200, 300])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--seed", type=Path, default=SEED)
    args = parser.parse_args()

    rows: list[tuple[int, float, str, str, str, str, str]] = []
    with Summarizer(settings=Settings(model=args.model)) as summarizer:
        for entries in args.entries:
            article = live_blog(args.seed, entries)
            size_kb = len(article.encode("utf-8")) / 1000
            try:
                result = summarizer.run(article)
            except SummarizerError as exc:
                rows.append((entries, size_kb, "-", "-", "-", "-", f"error: {exc}"))
                continue
            found = facts(result.summary)
            seconds = result.meta.seconds
            rows.append(
                (
                    entries,
                    size_kb,
                    str(result.meta.chunks),
                    f"{seconds:.1f}",
                    f"{seconds / size_kb * 10:.1f}",
                    str(result.meta.completion_tokens),
                    ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in found.items()),
                )
            )
            print(f"N={entries}: {rows[-1]}", file=sys.stderr, flush=True)
    print("| updates | KB | chunks | seconds | s per 10 KB | output tokens | facts found |")
    print("|---|---|---|---|---|---|---|")
    for entries, size_kb, chunks, took, per10, tokens, found_text in rows:
        print(f"| {entries} | {size_kb:.1f} | {chunks} | {took} | {per10} | {tokens} | {found_text} |")


if __name__ == "__main__":
    main()
