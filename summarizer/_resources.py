"""Locate the data directories (``prompts/``, ``schemas/``) that ship with the package.

In a wheel they live inside the package (``summarizer/prompts``); in a source
checkout they live at the repository root, beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the shipped data directory ``name`` ("prompts" or "schemas")."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"summarizer data directory {name!r} is missing from this installation")
