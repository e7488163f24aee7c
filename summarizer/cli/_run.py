"""``summarize run``: one article, or several as JSON Lines."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .._article import read_article
from .._display import html_comment_text, markdown_text
from .._exceptions import ArticleError, ConfigurationError, SummarizerError
from .._files import write_text_atomically
from .._render import OutputFormat, render
from .._schema import ArticleSummary
from .._settings import Settings
from .._summarizer import Summarizer, SummaryFailure, SummaryResult
from ._app import _DEFAULT_COMMAND, _check_writable, _fail, _status, app
from ._options import (
    ApiKeyOption,
    BaseUrlOption,
    ConcurrencyOption,
    KeepUngroundedOption,
    LanguageOption,
    MinConfidenceOption,
    ModelOption,
    ModelPathOption,
    ModeOption,
    StrategyOption,
    TimeoutOption,
    WithoutOption,
)


@app.command(_DEFAULT_COMMAND)
def run(
    articles: Annotated[
        list[str],
        typer.Argument(
            help="Article files (.txt/.md in UTF-8, or UTF-16/32 with a byte-order mark; .html/.htm pages, "
            "decoded as they declare), or - to read stdin. An article longer than the context is read in chunks.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format", "-f", help="json, markdown, or html (one self-contained page with the evidence highlighted)."
        ),
    ] = OutputFormat.json,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the result to FILE (atomically) instead of stdout.")
    ] = None,
    model: ModelOption = None,
    model_path: ModelPathOption = None,
    strategy: StrategyOption = None,
    language: LanguageOption = None,
    without: WithoutOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    mode: ModeOption = None,
    timeout: TimeoutOption = None,
    concurrency: ConcurrencyOption = None,
    n_ctx: Annotated[
        int | None, typer.Option(help="Context window in tokens. [env: SUMMARIZER_N_CTX; default: 8192]")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(help="Output token limit. [env: SUMMARIZER_MAX_TOKENS; default: 1024]")
    ] = None,
    max_reasks: Annotated[
        int | None,
        typer.Option(help="Re-asks after an invalid answer. [env: SUMMARIZER_MAX_REASKS; default: 2]"),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Sampling seed. [env: SUMMARIZER_SEED; default: 0]")] = None,
    temperature: Annotated[
        float | None, typer.Option(help="Sampling temperature. [env: SUMMARIZER_TEMPERATURE; default: 0]")
    ] = None,
    meta: Annotated[bool, typer.Option("--meta", help="Add how the summary was made (model, tokens, time).")] = False,
    keep_ungrounded: KeepUngroundedOption = False,
    min_confidence: MinConfidenceOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No status messages on stderr.")] = False,
) -> None:
    """Summarize articles. One article prints one JSON document; several print JSON Lines, one per article."""
    progress = None if quiet else _status
    try:
        settings = Settings.resolve(
            model=model,
            model_path=model_path,
            strategy=strategy,
            language=language,
            without=tuple(without) if without else None,
            base_url=base_url,
            api_key=api_key,
            mode=mode,
            timeout=timeout,
            concurrency=concurrency,
            n_ctx=n_ctx,
            max_tokens=max_tokens,
            max_reasks=max_reasks,
            seed=seed,
            temperature=temperature,
            keep_ungrounded=keep_ungrounded or None,
        )
        if fmt is OutputFormat.html and len(articles) > 1:
            raise ConfigurationError("--format html makes one report per article; give one article")
        if out is not None:
            _check_writable(out)
        if len(articles) == 1:
            rendered, failed = _run_one(articles[0], settings, fmt, meta, progress, min_confidence)
        else:
            rendered, failed = _run_many(articles, settings, fmt, meta, progress, min_confidence)
        if out is None:
            sys.stdout.write(rendered)
        else:
            try:
                write_text_atomically(out, rendered)
            except OSError as exc:
                # The model's work is done: a full disk must not lose it. stdout is free, since --out was given.
                sys.stdout.write(rendered)
                raise ConfigurationError(
                    f"--out {out}: cannot write ({exc.strerror}); the result is on stdout instead"
                ) from None
    except SummarizerError as exc:
        raise _fail(exc) from None
    if failed:
        typer.echo(f"summarize: {failed} of {len(articles)} articles failed", err=True)
        raise typer.Exit(1)


_NOTHING_RATED = (
    "--min-confidence removed nothing: no value was rated (a verification switched off with --without, or a "
    "server without log-probabilities)"
)


def _at_confidence(
    summary: ArticleSummary, minimum: float | None, progress: Callable[[str], None] | None, source: str
) -> ArticleSummary:
    """The summary as the user's ``--min-confidence`` keeps it (whole without one), saying so when nothing in it
    was rated and the cut can remove nothing."""
    if minimum is None:
        return summary
    if progress and not summary.rated():
        progress(f"{source}: {_NOTHING_RATED}")
    return summary.at_confidence(minimum)


def _run_one(
    article: str,
    settings: Settings,
    fmt: OutputFormat,
    meta: bool,
    progress: Callable[[str], None] | None,
    min_confidence: float | None = None,
) -> tuple[str, int]:
    text = read_article(article)
    with Summarizer(settings=settings, progress=progress) as summarizer:
        if progress:
            progress(f"summarizing {article} with {settings.model_label} ...")
        result = summarizer.run(text)
    summary = _at_confidence(result.summary, min_confidence, progress, article)
    if progress:
        dropped = len(summary.dropped)
        progress(
            f"done in {result.meta.seconds:.1f} s ({result.meta.completion_tokens} output tokens"
            + (f"; {dropped} item(s) dropped, see 'dropped'" if dropped else "")
            + ")"
        )
    return render(summary, fmt, meta=result.meta.model_dump() if meta else None, article=text), 0


def _run_many(
    articles: list[str],
    settings: Settings,
    fmt: OutputFormat,
    meta: bool,
    progress: Callable[[str], None] | None,
    min_confidence: float | None = None,
) -> tuple[str, int]:
    """Every article gets a record, in input order: its summary or the error that stopped it."""
    texts: dict[int, str] = {}
    outcomes: dict[int, SummaryResult | SummaryFailure] = {}
    for index, article in enumerate(articles):
        try:
            texts[index] = read_article(article)
        except ArticleError as exc:
            outcomes[index] = SummaryFailure.from_error(exc)
    with Summarizer(settings=settings, progress=progress) as summarizer:
        if progress:
            progress(f"summarizing {len(texts)} articles with {settings.model_label} ...")
        for index, outcome in zip(texts, summarizer.run_many(texts.values()), strict=True):
            if isinstance(outcome, SummaryResult):
                summary = _at_confidence(outcome.summary, min_confidence, progress, articles[index])
                outcome = dataclasses.replace(outcome, summary=summary)
            outcomes[index] = outcome
    records = [_record(articles[i], outcomes[i], meta) for i in range(len(articles))]
    failed = sum(1 for r in records if "error" in r)
    if fmt is OutputFormat.json:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), failed
    briefs = []
    for i, article in enumerate(articles):
        outcome = outcomes[i]
        if isinstance(outcome, SummaryResult):
            body = render(outcome.summary, fmt, meta=outcome.meta.model_dump() if meta else None)
        else:
            body = f"> error ({outcome.kind}): {markdown_text(outcome.message)}\n"
        briefs.append(f"<!-- {html_comment_text(article)} -->\n\n{body}")
    return "\n".join(briefs), failed


def _record(source: str, outcome: SummaryResult | SummaryFailure, meta: bool) -> dict[str, Any]:
    if isinstance(outcome, SummaryFailure):
        return {"source": source, "error": {"kind": outcome.kind, "message": outcome.message}}
    record: dict[str, Any] = {"source": source, "summary": outcome.summary.model_dump(mode="json")}
    if meta:
        record["meta"] = outcome.meta.model_dump()
    return record
