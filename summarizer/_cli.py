"""The ``summarize`` command: argument parsing and output, over the library.

``summarize ARTICLE`` is short for ``summarize run ARTICLE``. Results go to
stdout (or ``--out``), status to stderr. Errors a user can fix print one line
and exit non-zero: 2 for bad input or settings, 1 when the model fails.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ._article import read_article
from ._embedded import EMBEDDED_MODELS, cache_dir
from ._exceptions import ArticleError, CaseError, ConfigurationError, SummarizerError
from ._files import write_text_atomically
from ._render import OutputFormat, render
from ._settings import Settings
from ._summarizer import Summarizer, SummaryFailure, SummaryResult

__all__ = ["app", "main"]

_DEFAULT_COMMAND = "run"


class _DefaultCommandGroup(TyperGroup):
    """Routes ``summarize ARTICLE ...`` to the ``run`` command."""

    # typer vendors its own click, so its Context type has no public name to import.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [_DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DefaultCommandGroup,
    name="summarize",
    help="Summarize a news article about a meeting into structured, schema-validated JSON.\n\n"
    "summarize ARTICLE is short for summarize run ARTICLE.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _status(message: str) -> None:
    typer.echo(message, err=True)


def _fail(exc: SummarizerError) -> typer.Exit:
    typer.echo(f"summarize: error: {exc}", err=True)
    return typer.Exit(2 if isinstance(exc, (ArticleError, CaseError, ConfigurationError)) else 1)


# Options shared by the commands that run a model.
ModelOption = Annotated[
    str | None,
    typer.Option(
        help=f"Embedded model ({', '.join(EMBEDDED_MODELS)}), or the model's name on --base-url. "
        "[env: SUMMARIZER_MODEL; default: qwen2.5-coder-1.5b, or the server's only model]",
        show_default=False,
    ),
]
ModelPathOption = Annotated[
    Path | None,
    typer.Option(help="Run this local GGUF file instead of an embedded model. [env: SUMMARIZER_MODEL_PATH]"),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(help="An OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1. [env: SUMMARIZER_BASE_URL]"),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(help="API key for --base-url. [env: SUMMARIZER_API_KEY, OPENAI_API_KEY]", show_default=False),
]
ModeOption = Annotated[
    str | None,
    typer.Option(
        help="How the server enforces the schema: auto, json_schema, json, md_json. "
        "[env: SUMMARIZER_MODE; default: auto]"
    ),
]
TimeoutOption = Annotated[
    float | None, typer.Option(help="Seconds to wait for one server response. [env: SUMMARIZER_TIMEOUT; default: 300]")
]
StrategyOption = Annotated[
    str | None,
    typer.Option(
        help="focused (two passes sharing the article prefix, then clean-up) or single (one naive call). "
        "[env: SUMMARIZER_STRATEGY; default: focused]"
    ),
]
LanguageOption = Annotated[
    str | None,
    typer.Option(
        help="The article's language as an ISO 639-1 code (en, de, ja...), or auto to detect it; English is read "
        "by code and the model, any other language by the model alone. [env: SUMMARIZER_LANGUAGE; default: auto]"
    ),
]
WithoutOption = Annotated[
    list[str] | None,
    typer.Option(
        "--without",
        help="Switch a pipeline step off, for an ablation; repeat for more (summarize steps lists them). "
        "[env: SUMMARIZER_WITHOUT, comma-separated]",
        show_default=False,
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        help="Articles in flight at once: requests to a server, or slots of the embedded model. "
        "[env: SUMMARIZER_CONCURRENCY; default: 4 on a server, 1 embedded]"
    ),
]


KeepUngroundedOption = Annotated[
    bool,
    typer.Option(
        "--keep-ungrounded",
        help="Keep items whose evidence is not in the article, flagged, instead of listing them under "
        "dropped. [env: SUMMARIZER_KEEP_UNGROUNDED]",
    ),
]


@app.command(_DEFAULT_COMMAND)
def run(
    articles: Annotated[list[str], typer.Argument(help="Article text files, or - to read stdin.", show_default=False)],
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
            rendered, failed = _run_one(articles[0], settings, fmt, meta, progress)
        else:
            rendered, failed = _run_many(articles, settings, fmt, meta, progress)
        if out is None:
            sys.stdout.write(rendered)
        else:
            write_text_atomically(out, rendered)
    except SummarizerError as exc:
        raise _fail(exc) from None
    if failed:
        typer.echo(f"summarize: {failed} of {len(articles)} articles failed", err=True)
        raise typer.Exit(1)


def _run_one(
    article: str, settings: Settings, fmt: OutputFormat, meta: bool, progress: Callable[[str], None] | None
) -> tuple[str, int]:
    text = read_article(article)
    with Summarizer(settings=settings, progress=progress) as summarizer:
        if progress:
            progress(f"summarizing {article} with {settings.model_label} ...")
        result = summarizer.run(text)
    if progress:
        dropped = len(result.summary.dropped)
        progress(
            f"done in {result.meta.seconds:.1f} s ({result.meta.completion_tokens} output tokens"
            + (f"; {dropped} item(s) dropped, see 'dropped'" if dropped else "")
            + ")"
        )
    return render(result.summary, fmt, meta=result.meta.model_dump() if meta else None, article=text), 0


def _run_many(
    articles: list[str], settings: Settings, fmt: OutputFormat, meta: bool, progress: Callable[[str], None] | None
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
            body = f"> error ({outcome.kind}): {outcome.message}\n"
        briefs.append(f"<!-- {article} -->\n\n{body}")
    return "\n".join(briefs), failed


def _record(source: str, outcome: SummaryResult | SummaryFailure, meta: bool) -> dict[str, Any]:
    if isinstance(outcome, SummaryFailure):
        return {"source": source, "error": {"kind": outcome.kind, "message": outcome.message}}
    record: dict[str, Any] = {"source": source, "summary": outcome.summary.model_dump(mode="json")}
    if meta:
        record["meta"] = outcome.meta.model_dump()
    return record


@app.command("eval")
def eval_command(
    cases: Annotated[
        list[Path] | None,
        typer.Option("--cases", help="Folder of golden *.yaml cases; repeat for more. [default: evals/cases]"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Where predictions and report.json go.")] = Path("eval-out"),
    replay: Annotated[
        Path | None, typer.Option("--replay", help="Re-score predictions saved in DIR instead of running a model.")
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="Fail (exit 1) if macro-F1 or claims-strict F1 falls more than --tolerance below this baseline file."
        ),
    ] = None,
    tolerance: Annotated[
        float, typer.Option(help="Allowed drop below the baseline's macro-F1 and claims-strict F1.")
    ] = 0.02,
    model: ModelOption = None,
    model_path: ModelPathOption = None,
    strategy: StrategyOption = None,
    language: LanguageOption = None,
    without: WithoutOption = None,
    base_url: BaseUrlOption = None,
    api_key: ApiKeyOption = None,
    mode: ModeOption = None,
    timeout: TimeoutOption = None,
    progress_flag: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress on stderr. [default: when a terminal]")
    ] = None,
) -> None:
    """Score summaries against golden cases, field by field; prints a Markdown table."""
    from ._cases import load_cases
    from ._evaluate import baseline_problems, evaluate_live, evaluate_replay, markdown_table, write_report

    try:
        loaded = load_cases(cases or [Path("evals/cases")])
        with _case_progress(progress_flag) as progress:
            if replay is not None:
                report = evaluate_replay(loaded, replay, progress)
                out.mkdir(parents=True, exist_ok=True)
                write_report(report, out)
            else:
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
                )
                with Summarizer(settings=settings, progress=_status) as summarizer:
                    report = evaluate_live(loaded, summarizer, out, progress)
        sys.stdout.write(markdown_table(report))
        problems = baseline_problems(report, baseline, tolerance) if baseline else []
        if report.errors and not problems:
            problems = [f"{report.errors} case(s) failed"]
    except SummarizerError as exc:
        raise _fail(exc) from None
    for problem in problems:
        typer.echo(f"summarize eval: {problem}", err=True)
    if problems:
        raise typer.Exit(1)


@contextmanager
def _case_progress(enabled: bool | None) -> Iterator[Callable[[int, int, str], None] | None]:
    """A progress bar on stderr when it is a terminal (or when asked), plain lines otherwise."""
    if enabled is False:
        yield None
        return
    if not sys.stderr.isatty():
        yield (lambda done, total, status: _status(f"[{done}/{total}] {status}")) if enabled else None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("eval"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task("", total=None)

        def advance(done: int, total: int, status: str) -> None:
            bar.update(task, completed=done, total=total, description=status)

        yield advance


@app.command("batch")
def batch(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="Folders of .txt/.md/.html files, JSONL files ({id, text, ...} per line), or files."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The JSON Lines file to append results to.")],
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the result cache.")] = False,
    progress_flag: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="Progress on stderr. [default: when a terminal]")
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
    keep_ungrounded: KeepUngroundedOption = False,
) -> None:
    """Summarize a corpus into JSON Lines: cached, resumable (rerun the same command), one record per article.

    Exit status: 0 when every record succeeded, 1 when any failed, 130 when interrupted.
    """
    import asyncio

    from ._batch import BatchRunner, ResultsFile
    from ._cache import ResultCache
    from ._inputs import read_inputs

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
            keep_ungrounded=keep_ungrounded or None,
        )
        records = list(read_inputs(inputs))
        if not records:
            raise ArticleError(f"no articles in {', '.join(map(str, inputs))} (looked for .txt, .md, .html, .jsonl)")
        results = ResultsFile(out)
        cache = None if no_cache else ResultCache(cache_dir() / _RESULT_CACHE)
    except SummarizerError as exc:
        raise _fail(exc) from None
    if len(results.done_ids & {r.id for r in records}):
        _status(f"batch: resuming {out}: articles already there are skipped")
    summarizer = Summarizer(settings=settings, progress=_status)
    loop = asyncio.new_event_loop()
    with _batch_progress(progress_flag) as progress:
        runner = BatchRunner(summarizer, results, cache=cache, concurrency=concurrency, progress=progress)
        try:
            tally = loop.run_until_complete(runner.run(records))
        except SummarizerError as exc:  # the model could not be loaded at all
            results.close()
            raise _fail(exc) from None
        finally:
            if cache is not None:
                cache.close()
    results.close()
    _status(_batch_summary(tally, out))
    if tally.abandoned:
        # The embedded model's call cannot be cancelled mid-article: leave without waiting for it.
        sys.stderr.flush()
        os._exit(130)
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    summarizer.close()
    if tally.interrupted:
        raise typer.Exit(130)
    if tally.failed:
        raise typer.Exit(1)


_RESULT_CACHE = "results.sqlite3"


def _batch_summary(tally: Any, out: Path) -> str:
    parts = [f"{tally.summarized} summarized", f"{tally.cached} from cache", f"{tally.failed} failed"]
    if tally.skipped:
        parts.append(f"{tally.skipped} skipped (already in {out})")
    line = "batch: " + ", ".join(parts)
    if tally.interrupted:
        abandoned = f"{tally.abandoned} abandoned in flight, " if tally.abandoned else ""
        line += f"; interrupted: {abandoned}{tally.left} left; rerun the same command to resume"
    elif tally.failed:
        line += f"; first failure: {tally.failures[0]}"
    return line


@contextmanager
def _batch_progress(enabled: bool | None) -> Iterator[Callable[[Any], None] | None]:
    """A live bar on stderr when it is a terminal; with --progress elsewhere, a line at most every 2 s."""
    if enabled is False or (enabled is None and not sys.stderr.isatty()):
        yield None
        return
    if not sys.stderr.isatty():
        import time

        last = [0.0]

        def line(tally: Any) -> None:
            now = time.monotonic()
            if now - last[0] >= 2 or tally.left == 0:
                last[0] = now
                _status(
                    f"[{tally.written}/{tally.total}] {tally.cached} cached, {tally.failed} failed, "
                    f"{tally.in_flight} in flight"
                )

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[cached]} cached, {task.fields[failed]} failed"),
        TextColumn("{task.fields[rate]}"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task("", total=None, cached=0, failed=0, rate="")

        def advance(tally: Any) -> None:
            elapsed = bar.tasks[task].elapsed or 0.0
            rate = f"{tally.written / elapsed * 60:.1f}/min" if elapsed > 0 else ""
            bar.update(
                task, completed=tally.written, total=tally.total, cached=tally.cached, failed=tally.failed, rate=rate
            )

        yield advance


cache_app = typer.Typer(help="The result cache of summarize batch.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is, how many summaries it holds, and for which models."""
    from ._cache import ResultCache

    try:
        with ResultCache(cache_dir() / _RESULT_CACHE) as cache:
            info = cache.info()
    except SummarizerError as exc:
        raise _fail(exc) from None
    typer.echo(f"{info.path}\t{info.entries} summaries\t{info.size_bytes / 1e6:.1f} MB")
    for name, count in sorted(info.by_model.items()):
        typer.echo(f"  {name}\t{count}")


@cache_app.command("clear")
def cache_clear() -> None:
    """Remove every cached summary."""
    from ._cache import ResultCache

    try:
        with ResultCache(cache_dir() / _RESULT_CACHE) as cache:
            removed = cache.clear()
    except SummarizerError as exc:
        raise _fail(exc) from None
    typer.echo(f"removed {removed} cached summaries from {cache.path}")


@app.command("models")
def models(
    assemble: Annotated[
        bool, typer.Option("--assemble", help="Assemble and verify every installed embedded model now.")
    ] = False,
) -> None:
    """List the embedded models and whether each is ready to run."""
    from ._embedded import ensure_model_file, part_paths

    models_dir = cache_dir() / "models"
    for name, spec in EMBEDDED_MODELS.items():
        try:
            part_paths(spec)
        except SummarizerError:
            typer.echo(f"{name}\t{spec.description}\tnot installed: {spec.install_hint()}")
            continue
        if assemble:
            try:
                ensure_model_file(spec, progress=_status)
            except SummarizerError as exc:
                raise _fail(exc) from None
        state = "ready" if (models_dir / spec.filename).exists() else "installed, assembled on first use"
        typer.echo(f"{name}\t{spec.description}\t{state}")


@app.command("schema")
def schema(
    export: Annotated[
        Path | None, typer.Option("--export", help="Write every exported JSON Schema into DIR instead.")
    ] = None,
) -> None:
    """Print the JSON Schema of the summary."""
    from ._schema import export_schemas, render_schema, schema_documents

    if export is not None:
        for path in export_schemas(export):
            _status(f"wrote {path}")
        return
    sys.stdout.write(render_schema(schema_documents()["article-summary.schema.json"]))


def _check_writable(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path()
    if path.is_dir():
        raise ConfigurationError(f"--out {path}: is a directory")
    if not parent.is_dir():
        raise ConfigurationError(f"--out {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ConfigurationError(f"--out {path}: directory {parent} is not writable")


def main() -> None:
    app()
