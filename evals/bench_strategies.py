"""Compare extraction strategies on the golden cases, in one process, on one loaded model.

    .venv/bin/python evals/bench_strategies.py [--cases DIR ...] [--model qwen2.5-coder-1.5b]
                                               [--strategies single focused] [--out DIR]

For each strategy, on all cases, on each dev half and on each genre group
(``dev_split.py``): macro-F1 and per-field F1, mean, median and p95 seconds
per article, mean prompt tokens (all, and those the engine evaluated rather
than took from its prompt cache) and output tokens, failed cases (an answer cut
off at the token cap is one), and the median time against the first
strategy's on the same cases.

Besides the product's strategies, ``plain`` is the peer a user would write
by hand: one chat request per article with a six-field JSON schema in the
system message and as ``response_format`` (temperature 0, max_tokens 1500),
sent to the same embedded engine, model and threads, with none of the
product's request shaping. It is the default first column, so the ratio
column reads "times the plain call". Strategies run one after the other
over all cases, as a batch would, each starting from a model whose cache
holds another strategy's prompt. Predictions and reports are kept under
``--out/<strategy>/`` so they can be re-scored with ``summarize eval --replay``.
A script, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from dev_split import DEV_DIR, pooled, subsets
from pydantic import BaseModel

from summarizer import ArticleSummary, Settings, Summarizer
from summarizer._cases import LoadedCase, load_cases
from summarizer._evaluate import EvalReport, evaluate_live, evaluate_predictions, write_report
from summarizer._llama import EmbeddedBackend
from summarizer._schema import SCHEMA_VERSION
from summarizer._scoring import FIELDS
from summarizer._summarizer import RunMeta

ROOT = Path(__file__).resolve().parent.parent


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_cases = [ROOT / "evals" / "cases", ROOT / "evals" / "edge-cases", *([DEV_DIR] if DEV_DIR.is_dir() else [])]
    parser.add_argument("--cases", type=Path, nargs="+", default=default_cases)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--strategies", nargs="+", default=["plain", "focused"])
    parser.add_argument("--out", type=Path, default=ROOT / "eval-out" / "bench")
    args = parser.parse_args()

    cases = load_cases(args.cases)
    backend = Settings(model=args.model).create_backend()
    if isinstance(backend, EmbeddedBackend):
        backend.server.start()  # loading the model is not any strategy's time
    reports: dict[str, EvalReport] = {}
    for strategy in args.strategies:

        def progress(done: int, total: int, status: str, name: str = strategy) -> None:
            print(f"  {name} [{done}/{total}] {status}", flush=True)

        if strategy == "plain":
            assert isinstance(backend, EmbeddedBackend), "the plain peer runs on the embedded engine"
            reports[strategy] = evaluate_plain(cases, backend, args.out / strategy, progress)
            continue
        summarizer = Summarizer(backend, settings=Settings(model=args.model, strategy=strategy))
        reports[strategy] = evaluate_live(cases, summarizer, args.out / strategy, progress)
    backend.close()

    print(f"\nmodel {args.model}, {len(cases)} cases\n")
    print(table(reports))


class PlainParticipant(BaseModel):
    name: str
    role: str | None = None
    side: str | None = None


class PlainClaim(BaseModel):
    claim: str
    claimed_by: list[str]
    disputed_by: list[str]


class PlainSummary(BaseModel):
    """The six fields a hand-written call asks for."""

    summary: str
    parties: list[str]
    participants: list[PlainParticipant]
    mediators: list[str]
    topics: list[str]
    disputed_claims: list[PlainClaim]


PLAIN_SYSTEM = (
    "You extract structured facts from news articles. Use only facts stated in the article. "
    "Answer in JSON matching this schema: "
)
PLAIN_USER = (
    "Article:\n{text}\n\nReturn the sides that met, who met, who mediated, topics discussed, and disputed claims."
)


def plain_request(text: str) -> dict[str, Any]:
    """The peer's one request, as a user would write it against an OpenAI-compatible server."""
    schema = PlainSummary.model_json_schema()
    return {
        "messages": [
            {"role": "system", "content": PLAIN_SYSTEM + json.dumps(schema)},
            {"role": "user", "content": PLAIN_USER.format(text=text)},
        ],
        "response_format": {"type": "json_schema", "json_schema": {"name": "PlainSummary", "schema": schema}},
        "temperature": 0,
        "max_tokens": 1500,
    }


def as_summary(answer: PlainSummary) -> ArticleSummary:
    """The peer's answer in the contract's terms, so the same scorer reads it (no evidence, no meeting block)."""
    return ArticleSummary.model_validate(
        {
            "summary": answer.summary,
            "meeting": {"date": None, "location": None},
            "parties": [{"name": n} for n in answer.parties],
            "participants": [p.model_dump() for p in answer.participants],
            "mediators": [{"name": n, "kind": "organization"} for n in answer.mediators],
            "topics": [{"label": t, "detail": ""} for t in answer.topics],
            "disputed_claims": [{**c.model_dump(), "stance": "denied"} for c in answer.disputed_claims],
        }
    )


def evaluate_plain(cases: list[LoadedCase], backend: EmbeddedBackend, out: Path, progress: Any) -> EvalReport:
    """The plain peer over the cases: the openai client on the embedded engine's transport, no request shaping
    (``response_format`` goes to llama.cpp as the user wrote it)."""
    out.mkdir(parents=True, exist_ok=True)

    def predict(loaded: LoadedCase) -> tuple[ArticleSummary, RunMeta]:
        started = time.perf_counter()
        response = backend.client.chat.completions.create(model=backend.model_id, **plain_request(loaded.article))
        usage = response.usage
        assert usage is not None
        details = usage.prompt_tokens_details
        try:
            summary = as_summary(PlainSummary.model_validate_json(response.choices[0].message.content or ""))
        except ValueError:
            summary = as_summary(PlainSummary(summary="", parties=[], participants=[], mediators=[], topics=[],
                                              disputed_claims=[]))  # fmt: skip
        (out / f"{loaded.case.id}.json").write_text(summary.model_dump_json(indent=2), encoding="utf-8")
        meta = RunMeta(
            backend=backend.name,
            model=backend.model_id,
            strategy="plain",
            prompt_version="plain",
            schema_version=SCHEMA_VERSION,
            prompt_tokens=usage.prompt_tokens,
            cached_prompt_tokens=(details.cached_tokens or 0) if details is not None else 0,
            completion_tokens=usage.completion_tokens,
            attempts=1,
            seconds=round(time.perf_counter() - started, 3),
        )
        return summary, meta

    report = evaluate_predictions(cases, predict, progress)
    write_report(report, out)
    return report


def table(reports: dict[str, EvalReport]) -> str:
    """One row per strategy and subset (all, dev halves, genre groups): F1 per field, seconds, tokens, and the
    median time against the first strategy's on the same cases."""
    first = next(iter(reports))
    header = ["strategy", "subset", "cases", "macro-F1", *FIELDS, "mean s", "median s", "p95 s"]
    header += ["prompt tok", "evaluated tok", "output tok", "errors", "median ratio"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for strategy, report in reports.items():
        cases = [c.model_dump() for c in report.cases]
        for subset, members in subsets([c["id"] for c in cases]).items():
            chosen = [c for c in cases if c["id"] in members]
            if subset == "project" or not chosen:
                continue
            scored = pooled(chosen)  # a failed case counts as the empty answer summarize eval scores
            seconds = [c["seconds"] or 0.0 for c in chosen]
            base = [c.seconds or 0.0 for c in reports[first].cases if c.id in members]
            row = [
                strategy,
                subset,
                str(len(chosen)),
                f"{scored['macro-F1']:.3f}",
                *(f"{scored[f]:.2f}" for f in FIELDS),
                f"{statistics.mean(seconds):.1f}",
                f"{statistics.median(seconds):.1f}",
                f"{p95(seconds):.1f}",
                f"{statistics.mean(c['prompt_tokens'] or 0 for c in chosen):.0f}",
                f"{statistics.mean((c['prompt_tokens'] or 0) - (c['cached_prompt_tokens'] or 0) for c in chosen):.0f}",
                f"{statistics.mean(c['completion_tokens'] or 0 for c in chosen):.0f}",
                str(sum(1 for c in chosen if c.get("error"))),
                f"{statistics.median(seconds) / statistics.median(base):.2f}x" if base else "",
            ]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
