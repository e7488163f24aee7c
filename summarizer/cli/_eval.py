"""``summarize eval``: golden cases scored field by field, gated on a baseline."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from .._exceptions import SummarizerError
from .._settings import Settings
from .._summarizer import Summarizer
from ._app import _fail, _status, app
from ._options import (
    ApiKeyOption,
    BaseUrlOption,
    LanguageOption,
    MinConfidenceOption,
    ModelOption,
    ModelPathOption,
    ModeOption,
    StrategyOption,
    TimeoutOption,
    WithoutOption,
)


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
    min_confidence: MinConfidenceOption = None,
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
    from .._cases import load_cases
    from .._evaluate import baseline_problems, evaluate_live, evaluate_replay, markdown_table, write_report

    try:
        loaded = load_cases(cases or [Path("evals/cases")])
        with _case_progress(progress_flag) as progress:
            if replay is not None:
                report = evaluate_replay(loaded, replay, progress, min_confidence=min_confidence)
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
                    report = evaluate_live(loaded, summarizer, out, progress, min_confidence=min_confidence)
        sys.stdout.write(markdown_table(report))
        problems = baseline_problems(report, baseline, tolerance) if baseline else []
        if report.errors and not problems:
            problems = [f"{report.errors} case(s) failed"]
    except SummarizerError as exc:
        raise _fail(exc) from None
    for problem in problems:
        _status(f"summarize eval: {problem}")
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
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .._display import printable

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
            # A case id or an error from a server: shown as text, never as rich markup or terminal control.
            bar.update(task, completed=done, total=total, description=escape(printable(status, multiline=False)))

        yield advance
