"""``summarize batch``: a corpus into JSON Lines (local engine) or result shards on Ray, cached and resumable."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .._embedded import cache_dir
from .._exceptions import ArticleError, ConfigurationError, SummarizerError
from .._settings import Settings
from .._summarizer import Summarizer
from ._app import _fail, _status, app
from ._options import (
    ApiKeyOption,
    BaseUrlOption,
    ConcurrencyOption,
    KeepUngroundedOption,
    LanguageOption,
    ModelOption,
    ModelPathOption,
    ModeOption,
    StrategyOption,
    TimeoutOption,
    WithoutOption,
)


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class ShardFormatChoice(StrEnum):
    parquet = "parquet"
    jsonl = "jsonl"


_RAY_PANEL = "Ray engine (pip install 'summarizer[ray]')"


@app.command("batch")
def batch(
    # Strings, not paths: with --engine ray an input or --out may be a URI (s3://…), which Path would mangle.
    inputs: Annotated[
        list[str],
        typer.Argument(help="Folders of .txt/.md/.html files, JSONL files ({id, text, ...} per line), or files."),
    ],
    out: Annotated[
        str,
        typer.Option(
            "--out",
            "-o",
            help="The JSON Lines file to append results to; with --engine ray, the folder of result shards.",
        ),
    ],
    engine: Annotated[
        Engine, typer.Option(help="local: this process. ray: Ray Data, on a local or remote Ray cluster.")
    ] = Engine.local,
    address: Annotated[
        str | None,
        typer.Option(
            help="The Ray cluster to join (auto, HOST:PORT, ray://HOST:PORT). [default: a private one on 127.0.0.1]",
            rich_help_panel=_RAY_PANEL,
            show_default=False,
        ),
    ] = None,
    actors: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Actors in the pool. [default: 1 for the embedded model, 2 for a server]",
            rich_help_panel=_RAY_PANEL,
            show_default=False,
        ),
    ] = None,
    cpus_per_actor: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Ray CPUs per actor. [default: 2 for the embedded model, 0.25 for a server]",
            rich_help_panel=_RAY_PANEL,
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Articles per call to an actor. [default: 4; 4 x --concurrency for a server]",
            rich_help_panel=_RAY_PANEL,
            show_default=False,
        ),
    ] = None,
    rows_per_shard: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Rows per result shard. [default: --batch-size for the embedded model, 1024 for a server]",
            rich_help_panel=_RAY_PANEL,
            show_default=False,
        ),
    ] = None,
    shard_format: Annotated[
        ShardFormatChoice, typer.Option(help="Format of the result shards.", rich_help_panel=_RAY_PANEL)
    ] = ShardFormatChoice.parquet,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the result cache.")] = False,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed/--no-retry-failed",
            help="On a rerun, summarize again the articles whose record is an error of a transient kind "
            "(server, timeout, rate limit).",
        ),
    ] = True,
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

    With --engine ray: JSONL or Parquet in, Parquet or JSONL shards out, on Ray Data.
    Exit status: 0 when every record succeeded, 1 when any failed, 130 when interrupted.
    """
    import asyncio

    from .._batch import BatchRunner, ResultsFile
    from .._cache import RESULT_CACHE_FILE, ResultCache
    from .._inputs import read_inputs

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
        if engine is Engine.ray:
            _ray_batch(
                inputs,
                out,
                settings,
                address=address,
                actors=actors,
                cpus_per_actor=cpus_per_actor,
                batch_size=batch_size,
                rows_per_shard=rows_per_shard,
                shard_format=shard_format.value,
                cache=not no_cache,
                progress=bool(progress_flag) if progress_flag is not None else sys.stderr.isatty(),
            )
            return
        ray_only = {
            "--address": address,
            "--actors": actors,
            "--cpus-per-actor": cpus_per_actor,
            "--batch-size": batch_size,
            "--rows-per-shard": rows_per_shard,
        }
        given = [flag for flag, value in ray_only.items() if value is not None]
        if shard_format is not ShardFormatChoice.parquet:
            given.append("--shard-format")
        if given:
            raise ConfigurationError(f"{', '.join(given)}: only with --engine ray")
        _refuse_out_among_inputs(Path(out), [Path(given) for given in inputs])
        records = list(read_inputs([Path(given) for given in inputs]))
        if not records:
            raise ArticleError(f"no articles in {', '.join(inputs)} (looked for .txt, .md, .html, .jsonl)")
        results = ResultsFile(Path(out))
        cache = None
        if not no_cache:
            try:
                cache = ResultCache(cache_dir() / RESULT_CACHE_FILE)
            except ConfigurationError as exc:  # the cache only saves work: a run goes on without it
                _status(f"batch: {exc}; going on without it")
    except SummarizerError as exc:
        raise _fail(exc) from None
    inputs_ids = {r.id for r in records}
    transient = {i for i, is_transient in results.failed_ids.items() if is_transient and i in inputs_ids}
    if retry_failed and transient:
        try:
            results.forget(transient)
        except SummarizerError as exc:
            raise _fail(exc) from None
        _status(
            f"batch: retrying {len(transient)} article(s) whose record in {out} is a transient error "
            "(server, timeout, rate limit); --no-retry-failed keeps them"
        )
    if len(results.done_ids & inputs_ids):
        _status(f"batch: resuming {out}: articles already there are skipped")
    summarizer = Summarizer(settings=settings, progress=_status)
    loop = asyncio.new_event_loop()
    with _batch_progress(progress_flag) as progress:
        runner = BatchRunner(
            summarizer,
            results,
            cache=cache,
            concurrency=concurrency,
            progress=progress,
            warn=lambda message: _status(f"batch: {message}"),
        )
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
    if not tally.interrupted and tally.left:
        # Every input ends as exactly one record, or the run says so: this is the saying.
        _status(f"summarize: error: {tally.left} of {tally.total} input(s) have no record in {out}")
        raise typer.Exit(1)
    if tally.abandoned:
        # The embedded model's call cannot be cancelled mid-article: leave without waiting for it.
        sys.stderr.flush()
        os._exit(130)
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    summarizer.close()
    if tally.interrupted:
        raise typer.Exit(130)
    # Error records of earlier runs count too: the output is not done while any input's record is an error.
    remaining = sum(1 for i in results.failed_ids if i in inputs_ids)
    if remaining > tally.failed:
        _status(f"batch: {remaining} error record(s) remain in {out}")
    if remaining or tally.failed:
        raise typer.Exit(1)


def _refuse_out_among_inputs(out: Path, inputs: list[Path]) -> None:
    """``ConfigurationError`` when ``out`` is one of the inputs, or inside an input folder: the run would read its
    own records as articles, or skip its inputs as done."""
    target = out.resolve()
    for given in inputs:
        source = given.resolve()
        same = target == source or (out.exists() and given.exists() and out.samefile(given))
        if same or (source.is_dir() and source in target.parents):
            where = "is" if same else "is inside"
            raise ConfigurationError(f"--out {out}: {where} the input {given}; write the results to another file")


def _ray_batch(
    inputs: list[str],
    out: str,
    settings: Settings,
    *,
    address: str | None,
    actors: int | None,
    cpus_per_actor: float | None,
    batch_size: int | None,
    rows_per_shard: int | None,
    shard_format: Any,
    cache: bool,
    progress: bool,
) -> None:
    """The Ray engine: raises SummarizerError for the caller's one-line message; exits 1 when any row failed."""
    from ..ray import run_corpus  # ConfigurationError naming the extra when Ray is not installed

    try:
        tally = run_corpus(
            inputs,
            out,
            settings=settings,
            address=address,
            shard_format=shard_format,
            actors=actors,
            cpus_per_actor=cpus_per_actor,
            batch_size=batch_size,
            rows_per_shard=rows_per_shard,
            cache_dir=cache_dir() if cache else None,
            progress=progress,
        )
    except KeyboardInterrupt:
        _status(f"batch: interrupted; committed shards are kept in {out}; rerun the same command to resume")
        raise typer.Exit(130) from None
    parts = [f"{tally.summarized} summarized", f"{tally.cached} from cache", f"{tally.failed} failed"]
    if tally.skipped:
        parts.append(f"{tally.skipped} skipped (already in {out})")
    if tally.duplicate_ids:
        parts.append(f"{tally.duplicate_ids} duplicate id(s) (error rows in {out}/summaries-duplicates.*)")
    if tally.kept_failed:
        parts.append(
            f"{tally.kept_failed} error row(s) of earlier runs kept in {out} (the ray engine does not retry "
            "them: run their ids into a new --out)"
        )
    line = "batch: " + ", ".join(parts)
    if tally.failures:
        line += f"; first failure: {tally.failures[0]}"
    _status(line)
    if tally.failed or tally.duplicate_ids or tally.kept_failed:
        raise typer.Exit(1)


def _batch_summary(tally: Any, out: str) -> str:
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
