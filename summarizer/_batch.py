"""Corpus runs: many articles to one JSON Lines file, with a result cache, resumable after a crash.

Every article gets one record, appended and flushed as soon as it is known,
so a crash (even ``kill -9``) loses only the articles in flight. Rerunning
the same command reads the output back, skips the ids already there, and
goes on; a record cut short by the crash is trimmed off first, so the file is
valid JSON Lines throughout. A first interrupt lets the articles in flight
finish; a second abandons them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from ._cache import ResultCache, cache_key
from ._exceptions import ArticleError, ConfigurationError, SummarizerError
from ._inputs import InputRecord
from ._summarizer import RunMeta, Summarizer, SummaryFailure, SummaryResult

__all__ = ["BatchRunner", "BatchTally", "ResultsFile", "cache_labels", "cached_result", "outcome_of"]


@dataclass
class BatchTally:
    """Where a batch run stands."""

    #: Records this run has to write (inputs minus those already in the output).
    total: int = 0
    #: Inputs whose id was already in the output from an earlier run.
    skipped: int = 0
    #: Summarized by the model in this run.
    summarized: int = 0
    #: Answered from the result cache.
    cached: int = 0
    failed: int = 0
    in_flight: int = 0
    #: The run was interrupted; records not written are left for the next run.
    interrupted: bool = False
    #: Articles that were in flight when a second interrupt abandoned them.
    abandoned: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.summarized + self.cached + self.failed

    @property
    def left(self) -> int:
        return self.total - self.written


async def outcome_of(summarizer: Summarizer, text: str) -> SummaryResult | SummaryFailure:
    """The summary of ``text``, or the failure to record for it; never raises for one article's fault."""
    try:
        return await summarizer.arun(text)
    except SummarizerError as exc:
        return SummaryFailure.from_error(exc)
    except Exception as exc:  # a bug on one article must not cost the corpus its record
        return SummaryFailure(
            kind="InternalError", message=f"{type(exc).__name__}: {exc} (a bug in summarizer; please report it)"
        )


def cached_result(cache: ResultCache | None, key: str | None) -> SummaryResult | None:
    """The cached summary under ``key``, or None (no cache, no entry, or one another version wrote)."""
    hit = cache.get(key) if cache is not None and key is not None else None
    if hit is None:
        return None
    try:
        return SummaryResult.from_dict(hit)
    except (ValidationError, KeyError):  # written by another version of this package: a miss
        return None


def cache_labels(identity: dict[str, Any]) -> dict[str, str]:
    """The readable labels stored beside a cached result (``summarize cache info``); the model is added by callers."""
    return {k: str(v) for k, v in identity.items() if k in ("strategy", "prompt_version", "schema_version")}


class ResultsFile:
    """The output: JSON Lines, one record per article, appended and flushed one record at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done_ids = self._recover()
        self._file: IO[bytes] = path.open("ab")

    def _recover(self) -> set[str]:
        """The ids already written; a last line cut short by a crash is trimmed off."""
        if self.path.is_dir():
            raise ConfigurationError(f"--out {self.path}: is a directory")
        if not self.path.parent.is_dir():
            raise ConfigurationError(f"--out {self.path}: directory {self.path.parent} does not exist")
        if not self.path.exists():
            return set()
        data = self.path.read_bytes()
        complete = data.rfind(b"\n") + 1
        ids: set[str] = set()
        lines = data[:complete].splitlines()
        for line in lines:
            try:
                record = json.loads(line)
                ids.add(str(record["id"]))
            except (ValueError, KeyError, TypeError):
                continue
        if lines and not ids:
            raise ConfigurationError(
                f"--out {self.path}: exists but holds no batch records (JSON lines with an id); "
                "choose a new file, or remove it"
            )
        if complete < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(complete)
        return ids

    def write(self, record: dict[str, Any]) -> None:
        """Append one record; ``ConfigurationError`` when the file cannot take it (disk full, removed)."""
        # Encoded before anything is written, so a record that cannot be encoded leaves no partial line.
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", errors="backslashreplace")
        try:
            self._file.write(line)
            self._file.flush()
        except OSError as exc:
            raise ConfigurationError(f"--out {self.path}: cannot write ({exc.strerror})") from None
        self.done_ids.add(str(record["id"]))

    def close(self) -> None:
        # On a full disk the last flush fails again; what reached the file is trimmed by the next run.
        with contextlib.suppress(OSError):
            self._file.close()


def _record(item: InputRecord, outcome: SummaryResult | SummaryFailure, meta: RunMeta | None) -> dict[str, Any]:
    record: dict[str, Any] = {"id": item.id}
    if isinstance(outcome, SummaryFailure):
        record["error"] = {"kind": outcome.kind, "message": outcome.message}
    else:
        record["summary"] = outcome.summary.model_dump(mode="json")
    if meta is not None:
        record["meta"] = meta.model_dump()
    record["source"] = item.source
    record.update(item.extra)
    return record


class BatchRunner:
    """Summarizes input records into a ``ResultsFile``, using the cache, up to ``concurrency`` at a time."""

    def __init__(
        self,
        summarizer: Summarizer,
        results: ResultsFile,
        *,
        cache: ResultCache | None = None,
        concurrency: int | None = None,
        progress: Callable[[BatchTally], None] | None = None,
    ) -> None:
        self.summarizer = summarizer
        self.results = results
        self.cache = cache
        self.concurrency = concurrency or summarizer.settings.requests_at_once
        self.progress = progress
        self.tally = BatchTally()
        self._stopping = False
        self._write_error: ConfigurationError | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def interrupt(self) -> None:
        """First call: start no new article. Second: abandon those in flight."""
        self.tally.interrupted = True
        if self._stopping:
            self.tally.abandoned = len(self._tasks)
            for task in self._tasks:
                task.cancel()
        self._stopping = True

    async def run(self, records: list[InputRecord]) -> BatchTally:
        loop = asyncio.get_running_loop()
        # Not in the main thread (or on a platform without them), there are no signal handlers to set.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, self.interrupt)
        try:
            await self._run(records)
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGINT)
            if self.summarizer.backend_started:
                await self.summarizer.backend.aclose()
        return self.tally

    async def _run(self, records: list[InputRecord]) -> None:
        todo = [r for r in records if r.id not in self.results.done_ids]
        self.tally.skipped = len(records) - len(todo)
        self.tally.total = len(todo)
        identity = self.summarizer.result_identity() if self.cache is not None and todo else {}
        labels = cache_labels(identity)
        pending: list[tuple[InputRecord, str | None]] = []
        for item in todo:
            if item.error is not None or item.text is None:
                error = item.error or ArticleError(f"{item.source}: no text")
                self._write(item, SummaryFailure.from_error(error), None)
                continue
            key = cache_key(item.text, identity) if self.cache is not None else None
            result = cached_result(self.cache, key)
            if result is not None:
                self._write(item, result, result.meta.model_copy(update={"cached": True}), cached=True)
                continue
            pending.append((item, key))
        if pending and not self._stopping:
            labels["model"] = self.summarizer.backend.model_id
            await self._summarize(pending, labels)

    async def _summarize(self, pending: list[tuple[InputRecord, str | None]], labels: dict[str, str]) -> None:
        limit = max(1, min(self.concurrency, self.summarizer.backend.max_concurrency))
        gate = asyncio.Semaphore(limit)

        async def one(item: InputRecord, key: str | None) -> None:
            try:
                self.tally.in_flight += 1
                outcome = await outcome_of(self.summarizer, item.text or "")
            finally:
                self.tally.in_flight -= 1
                gate.release()
            if isinstance(outcome, SummaryResult) and self.cache is not None and key is not None:
                self.cache.put(key, outcome.to_dict(), labels=labels)
            try:
                self._write(item, outcome, outcome.meta if isinstance(outcome, SummaryResult) else None)
            except ConfigurationError as exc:  # the output cannot take records (disk full): start no more
                self._write_error = self._write_error or exc
                self._stopping = True

        started: list[asyncio.Task[None]] = []
        for item, key in pending:
            await gate.acquire()
            if self._stopping:
                gate.release()
                break
            task = asyncio.create_task(one(item, key))
            started.append(task)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if started:
            await asyncio.gather(*started, return_exceptions=True)
        if self._write_error is not None:
            # Summaries already made are in the result cache: a rerun after freeing space costs no model time.
            raise self._write_error

    def _write(
        self, item: InputRecord, outcome: SummaryResult | SummaryFailure, meta: RunMeta | None, *, cached: bool = False
    ) -> None:
        self.results.write(_record(item, outcome, meta))
        if isinstance(outcome, SummaryFailure):
            self.tally.failed += 1
            self.tally.failures.append(f"{item.id}: {outcome.message}")
        elif cached:
            self.tally.cached += 1
        else:
            self.tally.summarized += 1
        if self.progress is not None:
            self.progress(self.tally)
