"""Locate the data directories (``prompts/``, ``schemas/``) that ship with the package, and digest what ships.

In a wheel they live inside the package (``summarizer/prompts``); in a source
checkout they live at the repository root, beside the package.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the shipped data directory ``name`` ("prompts" or "schemas")."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"summarizer data directory {name!r} is missing from this installation")


@cache
def code_digest() -> str:
    """A digest (16 hex digits) of the installed package's code, word lists and prompts (``code_files``).

    A result cache keys on it, so an edit to a repair step, a reader's
    pattern or a prompt serves no result made before it, even when the
    prompt version's name stays the same. The whole package counts, the CLI
    and eval code too: a list of the files that shape an answer would go
    stale. Read once per process (about 6 ms).
    """
    return tree_digest(code_files(), relative_to=_PACKAGE_DIR.parent)


def code_files() -> list[Path]:
    """The package's ``.py`` and ``.toml`` files and the shipped prompt templates."""
    return [*_PACKAGE_DIR.rglob("*.py"), *_PACKAGE_DIR.rglob("*.toml"), *data_dir("prompts").glob("*.txt")]


# Libraries whose version changes the answer for the same text and settings: the engine that samples, the
# re-ask loop, validation, and the language detection that chooses the reader.
_SHAPING_LIBRARIES = ("xllamacpp", "instructor", "pydantic", "py3langid")


@cache
def library_versions() -> dict[str, str | None]:
    """The installed version of each library that shapes an answer (None when not installed)."""
    versions: dict[str, str | None] = {}
    for name in _SHAPING_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def tree_digest(files: Iterable[Path], relative_to: Path) -> str:
    """A digest (16 hex digits) of ``files``' paths relative to ``relative_to`` and their bytes, in path order."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(relative_to).as_posix()):
        name = path.relative_to(relative_to).as_posix().encode()
        content = path.read_bytes()
        # Lengths first, so no two different trees give the same stream of bytes.
        digest.update(b"%d:%d:" % (len(name), len(content)) + name + content)
    return digest.hexdigest()[:16]
