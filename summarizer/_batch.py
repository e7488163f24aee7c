"""Corpus runs: many articles to one JSON Lines file, with a result cache, resumable after a crash.

Every article gets one record, appended and flushed as soon as it is known,
so a crash (even ``kill -9``) loses only the articles in flight. Rerunning
the same command reads the output back, skips the ids already there, and
goes on; a record cut short by the crash is trimmed off first, so the file is
valid JSON Lines throughout. A first interrupt lets the articles in flight
finish; a second abandons them.

The result cache is an optimisation and never decides whether a record
exists: a cache that cannot be read (a damaged page or row) or written (a
full disk) is reported once and then left alone, and the record is written
all the same. Its SQLite calls run in worker threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from ._cache import ResultCache, cache_key
from ._exceptions import ArticleError, ConfigurationError, SummarizerError
from ._files import write_bytes_atomically
from ._inputs import InputRecord
from ._summarizer import RunMeta, Summarizer, SummaryFailure, SummaryResult

__all__ = ["BatchRunner", "BatchTally", "OptionalCache", "ResultsFile", "cache_labels", "cached_result", "outcome_of"]


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


class OptionalCache:
    """A result cache used as what it is, an optimisation: reads and writes in worker threads (SQLite blocks),
    and a cache that cannot be read (a damaged page or row) or written (a full disk) is reported once through
    ``warn`` and then left alone, so it never decides whether a record exists. ``cache`` None: no cache."""

    def __init__(self, cache: ResultCache | None, *, warn: Callable[[str], None] | None = None) -> None:
        self.cache = cache
        self.warn = warn
        #: What went wrong, once it has; the cache is not used after it.
        self.trouble: str | None = None

    async def get(self, key: str | None) -> SummaryResult | None:
        """The cached result under ``key``, or None: no cache, a miss, or a cache that cannot be read."""
        if self.cache is None or key is None or self.trouble is not None:
            return None
        try:
            return await asyncio.to_thread(cached_result, self.cache, key)
        except (sqlite3.Error, ValueError, OSError) as exc:
            self._failed("read", exc)
            return None

    async def put(self, key: str | None, result: SummaryResult, labels: dict[str, str]) -> None:
        if self.cache is None or key is None or self.trouble is not None:
            return
        try:
            await asyncio.to_thread(self.cache.put, key, result.to_dict(), labels=labels)
        except (sqlite3.Error, OSError) as exc:
            self._failed("write", exc)

    def _failed(self, verb: str, exc: Exception) -> None:
        assert self.cache is not None
        self.trouble = (
            f"cannot {verb} the result cache {self.cache.path} ({' '.join(str(exc).split())}); "
            "going on without it (summarize cache clear empties it; --no-cache skips it)"
        )
        if self.warn is not None:
            self.warn(self.trouble)


def cache_labels(identity: dict[str, Any]) -> dict[str, str]:
    """The readable labels stored beside a cached result (``summarize cache info``); the model is added by callers."""
    return {k: str(v) for k, v in identity.items() if k in ("strategy", "prompt_version", "schema_version")}


class ResultsFile:
    """The output: JSON Lines, one record per article, appended and flushed one record at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Ids whose record is an error, and whether it failed for a transient reason (``forget`` them to retry).
        self.failed_ids: dict[str, bool] = {}
        self.done_ids = self._recover()
        self._file: IO[bytes] = path.open("ab")

    def forget(self, ids: set[str]) -> None:
        """Take the records of ``ids`` out of the file (rewritten whole, then renamed into place), so that they
        are summarized again and each input still ends as exactly one record."""
        if not ids:
            return
        kept = [line for line in self.path.read_bytes().splitlines(keepends=True) if _record_id(line) not in ids]
        self._file.close()
        try:
            write_bytes_atomically(self.path, b"".join(kept))
        except OSError as exc:
            raise ConfigurationError(f"--out {self.path}: cannot rewrite it ({exc.strerror})") from None
        finally:
            self._file = self.path.open("ab")
        self.done_ids -= ids
        for record_id in ids:
            self.failed_ids.pop(record_id, None)

    def _recover(self) -> set[str]:
        """The ids already written. A last line cut short by a crash (one that is not a whole record) is
        trimmed off; a whole record that only lacks its newline is kept, and the newline added."""
        if self.path.is_dir():
            raise ConfigurationError(f"--out {self.path}: is a directory")
        if not self.path.parent.is_dir():
            raise ConfigurationError(f"--out {self.path}: directory {self.path.parent} does not exist")
        if self.path.exists() and not self.path.is_file():
            raise ConfigurationError(f"--out {self.path}: is not a regular file (a device, a pipe or a socket)")
        if not self.path.exists():
            return set()
        data = self.path.read_bytes()
        ids: set[str] = set()
        lines = data.splitlines()
        for line in lines:
            record = _parse_record(line)
            if record is not None:
                ids.add(record["id"])
                failure = _failure(record)
                if failure is not None:
                    self.failed_ids[record["id"]] = failure
        if lines and not ids:
            raise ConfigurationError(
                f"--out {self.path}: exists but holds no batch records (JSON lines with an id); "
                "choose a new file, or remove it"
            )
        complete = data.rfind(b"\n") + 1
        if complete < len(data):
            with self.path.open("r+b") as handle:
                if _record_id(data[complete:]) is None:
                    handle.truncate(complete)
                else:
                    handle.seek(0, 2)
                    handle.write(b"\n")
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
        if "error" in record:
            self.failed_ids[str(record["id"])] = bool(record["error"].get("transient"))

    def close(self) -> None:
        # On a full disk the last flush fails again; what reached the file is trimmed by the next run.
        with contextlib.suppress(OSError):
            self._file.close()


def _parse_record(line: bytes) -> dict[str, Any] | None:
    """A batch record written as ``line`` (a string id, and a summary or an error); None for anything else: a
    line cut short, an input record, another file's line."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if isinstance(record, dict) and isinstance(record.get("id"), str) and ("summary" in record or "error" in record):
        return record
    return None


def _record_id(line: bytes) -> str | None:
    """The id of the batch record ``line``, or None when it is none (``_parse_record``)."""
    record = _parse_record(line)
    return None if record is None else str(record["id"])


def _failure(record: dict[str, Any]) -> bool | None:
    """For an error record, whether it failed for a transient reason; None for a summary. Records written before
    the flag existed count as transient when the transport failed."""
    error = record.get("error")
    if not isinstance(error, dict):
        return None
    if "transient" in error:
        return error["transient"] is True
    return error.get("kind") == "BackendError" and "transport failed" in str(error.get("message", ""))


def _record(item: InputRecord, outcome: SummaryResult | SummaryFailure, meta: RunMeta | None) -> dict[str, Any]:
    record: dict[str, Any] = {"id": item.id}
    if isinstance(outcome, SummaryFailure):
        record["error"] = {"kind": outcome.kind, "message": outcome.message, "transient": outcome.transient}
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
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.summarizer = summarizer
        self.results = results
        self.cache = cache
        self.concurrency = concurrency or summarizer.settings.requests_at_once
        self.progress = progress
        self.warn = warn
        self.tally = BatchTally()
        self._stopping = False
        self._write_error: ConfigurationError | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._cache = OptionalCache(cache, warn=warn)

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
            result = await self._cache.get(key)
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
            # The slot is held until the record is written: once the output cannot take one, no article starts.
            try:
                self.tally.in_flight += 1
                try:
                    outcome = await outcome_of(self.summarizer, item.text or "")
                finally:
                    self.tally.in_flight -= 1
                if isinstance(outcome, SummaryResult):
                    await self._cache.put(key, outcome, labels)
                try:
                    self._write(item, outcome, outcome.meta if isinstance(outcome, SummaryResult) else None)
                except ConfigurationError as exc:  # the output cannot take records (disk full): start no more
                    self._write_error = self._write_error or exc
                    self._stopping = True
            finally:
                gate.release()

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
            outcomes = await asyncio.gather(*started, return_exceptions=True)
            lost = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, asyncio.CancelledError)]
            if lost and self._write_error is None:
                # Not a fault of one article (those are records): a record could not be made at all.
                first = lost[0]
                raise SummarizerError(
                    f"{len(lost)} record(s) could not be written: {type(first).__name__}: {first} "
                    "(a bug in summarizer; please report it); rerun the same command to resume"
                )
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
