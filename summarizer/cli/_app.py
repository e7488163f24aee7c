"""The ``summarize`` command: argument parsing and output, over the library.

``summarize ARTICLE`` is short for ``summarize run ARTICLE``. Results go to
stdout (or ``--out``), status to stderr. Errors a user can fix print one line
and exit non-zero: 2 for bad input or settings, 1 when the model fails.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import typer

# typer (0.26 on) vendors its own click and raises that click's exceptions, which typer does not re-export.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
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

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Parse errors (an unknown option, a value of the wrong type, a missing argument) print one line,
        ``summarize: error: …``, like every other error a user can fix, not click's usage block."""
        passed = {
            "args": args,
            "prog_name": prog_name,
            "complete_var": complete_var,
            "windows_expand_args": windows_expand_args,
            **extra,
        }
        if not standalone_mode:
            return super().main(**passed, standalone_mode=False)
        try:
            code = super().main(**passed, standalone_mode=False)
        except NoArgsIsHelpError as exc:
            exc.show()  # bare ``summarize`` (or ``summarize cache``) shows its help, as click would
            sys.exit(exc.exit_code)
        except ClickException as exc:
            _usage_error(exc)
        except typer.Abort:
            typer.echo("summarize: aborted", err=True)
            sys.exit(1)
        # Without standalone mode click returns a command's typer.Exit code, or the command's own value
        # (None from every command here): exit with the code, as standalone mode would.
        sys.exit(code if isinstance(code, int) else 0)

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


def _usage_error(exc: ClickException) -> NoReturn:
    message = printable(exc.format_message(), multiline=False)
    if message.endswith(".") and not message.endswith(".."):
        message = message[:-1]  # the hint follows; an ellipsis the user typed stays
    # Some parse errors carry no context ("Option '--out' requires an argument"): no hint rather than a wrong one.
    if isinstance(exc, UsageError) and exc.ctx is not None:
        command = printable(exc.ctx.command_path, multiline=False)
        message += f"{' ' if message.endswith('?') else '; '}see '{command} --help'"
    typer.echo(f"summarize: error: {message}", err=True)
    sys.exit(exc.exit_code)


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
