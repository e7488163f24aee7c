"""A persistent cache of summaries, shared across runs and processes: SQLite from the standard library.

A result is keyed by the SHA-256 of the article text and everything that
shapes the answer: the model's identity, the strategy, the prompt and schema
versions, and the sampling options. Change any of them and the old entries
simply stop matching. Only the key's hash and a few labels are stored beside
the summary: never an API key, never a server address. Summaries are the
user's data: the cache's folder is made private (0700) and its database file
0600. A database SQLite cannot read (a damaged page) is refused with the
command that clears it; ``clear`` then removes the files even when SQLite
cannot open them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._exceptions import ConfigurationError

__all__ = ["RESULT_CACHE_FILE", "CacheInfo", "ResultCache", "cache_key"]

#: The cache's file name in the cache directory, for every runner (local batch, Ray actors, `summarize cache`).
RESULT_CACHE_FILE = "results.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    strategy TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    created REAL NOT NULL,
    result TEXT NOT NULL
)
"""


def cache_key(text: str, identity: dict[str, Any]) -> str:
    """The key of ``text`` summarized under ``identity`` (model, strategy, versions, options)."""
    article = hashlib.sha256(text.encode("utf-8")).hexdigest()
    canonical = json.dumps({"article": article, **identity}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheInfo:
    path: Path
    entries: int
    size_bytes: int
    by_model: dict[str, int]


class ResultCache:
    """Summaries by key, in one SQLite file in WAL mode, so several processes can read and write at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Private before SQLite opens it (one an older version made 0644 too); its -wal and -shm files take
            # the database's mode.
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            path.chmod(0o600)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL survives a crashed process; only an OS crash can lose the last commits.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise ConfigurationError(
                f"cannot open the result cache {path} ({' '.join(str(exc).split())}); "
                "clear it with: summarize cache clear (or set SUMMARIZER_CACHE_DIR, or use --no-cache)"
            ) from None
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT result FROM results WHERE key = ?", (key,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put(self, key: str, result: dict[str, Any], *, labels: dict[str, str]) -> None:
        row = (
            key,
            labels.get("model", ""),
            labels.get("strategy", ""),
            labels.get("prompt_version", ""),
            labels.get("schema_version", ""),
            time.time(),
            json.dumps(result, ensure_ascii=False, separators=(",", ":")),
        )
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)", row)

    def info(self) -> CacheInfo:
        """How many summaries, for which models, in how many bytes; ``ConfigurationError`` for a damaged file."""
        try:
            with self._lock:
                (entries,) = self._db.execute("SELECT COUNT(*) FROM results").fetchone()
                by_model = dict(self._db.execute("SELECT model, COUNT(*) FROM results GROUP BY model").fetchall())
        except sqlite3.Error as exc:
            raise ConfigurationError(
                f"cannot read the result cache {self.path} ({exc}); clear it with: summarize cache clear"
            ) from None
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return CacheInfo(self.path, int(entries), size, {str(k): int(v) for k, v in by_model.items()})

    def clear(self) -> int:
        with self._lock:
            removed = self._db.execute("DELETE FROM results").rowcount
            self._db.execute("VACUUM")
        return int(removed)

    @staticmethod
    def remove_files(path: Path) -> list[Path]:
        """Delete the database at ``path`` with its WAL and shared-memory files: how a cache SQLite cannot
        read is cleared. Returns the files removed."""
        removed = []
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                file.unlink()
                removed.append(file)
        return removed

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
