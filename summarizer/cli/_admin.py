"""``summarize cache``, ``models``, ``steps`` and ``schema``: what is installed, cached and declared."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .._display import printable
from .._embedded import EMBEDDED_MODELS, cache_dir
from .._exceptions import SummarizerError
from .._settings import Settings
from ._app import _fail, _status, app
from ._options import (
    StrategyOption,
)

cache_app = typer.Typer(help="The result cache of summarize batch.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is, how many summaries it holds, and for which models."""
    from .._cache import RESULT_CACHE_FILE, ResultCache

    try:
        with ResultCache(cache_dir() / RESULT_CACHE_FILE) as cache:
            info = cache.info()
    except SummarizerError as exc:
        raise _fail(exc) from None
    typer.echo(f"{info.path}\t{info.entries} summaries\t{info.size_bytes / 1e6:.1f} MB")
    for name, count in sorted(info.by_model.items()):
        typer.echo(f"  {printable(name, multiline=False)}\t{count}")  # a server's model name, as it gave it


@cache_app.command("clear")
def cache_clear() -> None:
    """Remove every cached summary."""
    import sqlite3

    from .._cache import RESULT_CACHE_FILE, ResultCache

    path = cache_dir() / RESULT_CACHE_FILE
    try:
        with ResultCache(path) as cache:
            removed = cache.clear()
    except (SummarizerError, sqlite3.Error):
        # SQLite cannot read it (a damaged page): the files go, and the cache starts empty.
        files = ResultCache.remove_files(path)
        typer.echo(f"removed the damaged result cache {path} ({len(files)} file(s))")
        return
    typer.echo(f"removed {removed} cached summaries from {path}")


@app.command("models")
def models(
    assemble: Annotated[
        bool, typer.Option("--assemble", help="Assemble and verify every installed embedded model now.")
    ] = False,
) -> None:
    """List the embedded models and whether each is ready to run."""
    from .._embedded import ensure_model_file, part_paths

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


@app.command("steps")
def steps(strategy: StrategyOption = None) -> None:
    """List a strategy's pipeline in order: its passes, repair steps and checks; --without NAME switches one off."""
    from ..pipeline import describe_steps

    try:
        settings = Settings.resolve(strategy=strategy)
        for kind, name, what, switchable in describe_steps(settings.strategy):
            typer.echo(f"{kind:<7} {name:<17} {'--without ' + name if switchable else '':<28} {what}".rstrip())
    except SummarizerError as exc:
        raise _fail(exc) from None


@app.command("schema")
def schema(
    export: Annotated[
        Path | None, typer.Option("--export", help="Write every exported JSON Schema into DIR instead.")
    ] = None,
) -> None:
    """Print the JSON Schema of the summary."""
    from .._schema import export_schemas, render_schema, schema_documents

    if export is not None:
        for path in export_schemas(export):
            _status(f"wrote {path}")
        return
    sys.stdout.write(render_schema(schema_documents()["article-summary.schema.json"]))
