"""The ``summarize`` command: argument parsing and output, over the library.

``summarize ARTICLE`` is short for ``summarize run ARTICLE``. Results go to
stdout (or ``--out``), status to stderr. Errors a user can fix print one line
and exit non-zero: 2 for bad input or settings, 1 when the model fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from .._display import printable
from .._exceptions import ArticleError, CaseError, ConfigurationError, SummarizerError

__all__ = ["app", "main"]

_DEFAULT_COMMAND = "run"
_COMMAND_ORDER = ("run", "eval", "batch", "cache", "models", "steps", "schema")


class _DefaultCommandGroup(TyperGroup):
    """Routes ``summarize ARTICLE ...`` to the ``run`` command."""

    # typer vendors its own click, so its Context type has no public name to import.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [_DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: Any) -> list[str]:
        """Help lists the commands in the order a user meets them, whatever order their modules load in."""
        known = [name for name in _COMMAND_ORDER if name in self.commands]
        return known + sorted(set(self.commands) - set(known))


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
    # Ids, file names, server errors and model names reach this line: none may drive the terminal.
    typer.echo(printable(message), err=True)


def _fail(exc: SummarizerError) -> typer.Exit:
    typer.echo(f"summarize: error: {printable(str(exc), multiline=False)}", err=True)
    return typer.Exit(2 if isinstance(exc, (ArticleError, CaseError, ConfigurationError)) else 1)


def _check_writable(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path()
    if path.is_dir():
        raise ConfigurationError(f"--out {path}: is a directory")
    if path.exists() and not path.is_file():
        raise ConfigurationError(
            f"--out {path}: is not a regular file (a device or a pipe); leave out --out to write to stdout"
        )
    if not parent.is_dir():
        raise ConfigurationError(f"--out {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ConfigurationError(f"--out {path}: directory {parent} is not writable")


def main() -> None:
    app()
