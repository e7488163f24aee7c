"""The ``summarize`` command: a thin layer of argument parsing and output over the library.

One module per command; ``_options`` holds the options they share.
"""

from . import _admin, _batch, _eval, _run  # noqa: F401  (each registers its commands on the app)
from ._app import app, main

__all__ = ["app", "main"]
