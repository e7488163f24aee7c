"""Locate the data directories (``prompts/``, ``schemas/``) that ship with the package, and digest what ships.

In a wheel they live inside the package (``summarizer/prompts``); in a source
checkout they live at the repository root, beside the package.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the shipped data directory ``name`` ("prompts" or "schemas")."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"summarizer data directory {name!r} is missing from this installation")


@cache
def source_digest() -> str:
    """A digest (16 hex digits) of the package's code, word lists and prompts: everything besides the settings
    and the model that shapes a summary.

    A result cache keys on it, so an edit to a repair step, a reader's
    pattern or a prompt serves no result made before it, even when the
    prompt version's name stays the same. Read once per process.
    """
    files = [*_PACKAGE_DIR.rglob("*.py"), *_PACKAGE_DIR.rglob("*.toml"), *data_dir("prompts").glob("*.txt")]
    return tree_digest(files, relative_to=_PACKAGE_DIR.parent)


def tree_digest(files: Iterable[Path], relative_to: Path) -> str:
    """A digest (16 hex digits) of ``files``' paths relative to ``relative_to`` and their bytes, in path order."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(relative_to).as_posix()):
        name = path.relative_to(relative_to).as_posix().encode()
        content = path.read_bytes()
        # Lengths first, so no two different trees give the same stream of bytes.
        digest.update(b"%d:%d:" % (len(name), len(content)) + name + content)
    return digest.hexdigest()[:16]
