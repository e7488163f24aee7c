"""Time the embedded engine: whole summaries on golden cases, and the cost of one prompt and one output token.

    .venv/bin/python evals/bench_engine.py --label NAME [--cases DIR ...] [--only ID ...] [--out DIR]
    .venv/bin/python evals/bench_engine.py --compare DIR/NAME-a.json DIR/NAME-b.json

Everything goes through ``Backend.chat`` and ``Summarizer``, so the script runs
unchanged on whichever engine the installed package embeds: run it once per
engine on the same machine, then ``--compare`` the two JSON files it writes.

Per engine it reports seconds per article (mean, median, p95), prompt and
output tokens per article, F1 per field, and two per-token costs measured on
the seed article with a fresh prompt each time (a nonce at the start defeats
the prompt cache): ms per prompt token (a 1-token answer over the whole
prompt) and ms per output token (the extra time of a long answer over a
1-token one), with and without a JSON Schema. A script, not a test: timings
depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from summarizer import Settings, Summarizer
from summarizer._backend import Backend
from summarizer._cases import load_cases
from summarizer._evaluate import evaluate_live
from summarizer._scoring import FIELDS

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "evals-dev"
SEED = ROOT / "evals" / "cases" / "lachin-corridor-talks-2023-03-01.txt"
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "names": {"type": "array", "items": {"type": "string"}}},
    "required": ["summary", "names"],
    "additionalProperties": False,
}
_LONG_ANSWER = 96


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _timed(backend: Backend, nonce: int, max_tokens: int, schema: bool) -> tuple[float, int, int]:
    messages = [
        {"role": "system", "content": f"Request {nonce}. Summarize the article and list every person named in it."},
        {"role": "user", "content": SEED.read_text(encoding="utf-8")},
    ]
    params: dict[str, Any] = {"max_tokens": max_tokens, "temperature": 0.0, "seed": 0}
    if schema:
        params["response_format"] = {"type": "json_schema", "json_schema": {"name": "Brief", "schema": _SCHEMA}}
    started = time.perf_counter()
    response = backend.chat(messages=messages, **params)
    seconds = time.perf_counter() - started
    assert response.usage is not None
    return seconds, response.usage.prompt_tokens, response.usage.completion_tokens


def token_costs(backend: Backend) -> dict[str, float]:
    costs: dict[str, float] = {}
    nonce = 1000
    for schema in (False, True):
        label = "schema" if schema else "free"
        prompt_ms, output_ms = [], []
        for _ in range(2):
            nonce += 1
            short, prompt_tokens, _ = _timed(backend, nonce, 1, schema)
            nonce += 1
            long, _, produced = _timed(backend, nonce, _LONG_ANSWER, schema)
            prompt_ms.append(1000 * short / prompt_tokens)
            output_ms.append(1000 * (long - short) / max(1, produced - 1))
        costs[f"ms_per_prompt_token_{label}"] = round(min(prompt_ms), 2)
        costs[f"ms_per_output_token_{label}"] = round(min(output_ms), 2)
    return costs


def run(args: argparse.Namespace) -> dict[str, Any]:
    cases = load_cases(args.cases)
    if args.only:
        cases = [c for c in cases if c.case.id in set(args.only)]
    settings = Settings(model=args.model)
    started = time.perf_counter()
    backend = settings.create_backend()
    summarizer = Summarizer(backend, settings=settings)
    _ = backend.count_tokens([{"role": "user", "content": "load"}])  # load before timing anything
    load_seconds = time.perf_counter() - started
    costs = token_costs(backend)

    def progress(done: int, total: int, status: str) -> None:
        print(f"  [{done}/{total}] {status}", flush=True)

    report = evaluate_live(cases, summarizer, args.out / args.label, progress)
    backend.close()
    seconds = [c.seconds or 0.0 for c in report.cases]
    return {
        "label": args.label,
        "backend": backend.name,
        "cases": [c.id for c in report.cases],
        "errors": report.errors,
        "load_seconds": round(load_seconds, 1),
        "mean_s": round(statistics.mean(seconds), 1),
        "median_s": round(statistics.median(seconds), 1),
        "p95_s": round(p95(seconds), 1),
        "prompt_tokens": round(statistics.mean(c.prompt_tokens or 0 for c in report.cases)),
        "output_tokens": round(statistics.mean(c.completion_tokens or 0 for c in report.cases)),
        "macro_f1": round(report.macro_f1, 3),
        **{f: round(report.fields[f].f1, 3) for f in FIELDS},
        **costs,
    }


def table(rows: list[dict[str, Any]]) -> str:
    columns = [
        "label", "mean_s", "median_s", "p95_s", "prompt_tokens", "output_tokens",
        "ms_per_prompt_token_free", "ms_per_output_token_free", "ms_per_output_token_schema",
        "macro_f1", *FIELDS, "errors",
    ]  # fmt: skip
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    if len(rows) == 2 and rows[0]["median_s"]:
        lines.append(f"\nmedian seconds per article: {rows[1]['median_s'] / rows[0]['median_s']:.2f}x")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_cases = [ROOT / "evals" / "cases", *([DEV] if DEV.is_dir() else [])]
    parser.add_argument("--cases", type=Path, nargs="+", default=default_cases)
    parser.add_argument("--only", nargs="+", help="case ids to run (default: all)")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--label", default="engine")
    parser.add_argument("--out", type=Path, default=ROOT / "eval-out" / "bench-engine")
    parser.add_argument("--compare", type=Path, nargs="+", help="print the table of earlier runs' JSON files")
    args = parser.parse_args()
    if args.compare:
        print(table([json.loads(p.read_text(encoding="utf-8")) for p in args.compare]))
        return
    row = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.label}.json").write_text(json.dumps(row, indent=2) + "\n", encoding="utf-8")
    print(table([row]))


if __name__ == "__main__":
    main()
