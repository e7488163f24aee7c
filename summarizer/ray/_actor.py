"""The Ray Data stage: one ``Summarizer`` per actor, reused for every batch of rows the actor is given.

Ray builds ``SummarizeBatch`` once per actor of an actor pool (``map_batches``
with a callable class), so the embedded model loads once per actor, or one
client per actor talks to a remote server with ``concurrency`` requests in
flight. Each input row gives exactly one result row, in order: a summary, or
an error (an empty text, a missing id, a model failure) as data, never an
exception that would fail the job.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .._backend import Backend
from .._batch import OptionalCache, cache_labels, outcome_of
from .._cache import RESULT_CACHE_FILE, ResultCache, cache_key
from .._exceptions import ConfigurationError
from .._inputs import InputRecord, record_from_document
from .._settings import Settings
from .._summarizer import Summarizer, SummaryFailure, SummaryResult

if TYPE_CHECKING:
    import ray.data

__all__ = ["RESULT_COLUMNS", "PoolSize", "SummarizeBatch", "summarize_dataset"]

#: Columns every result row has, beside the input's own columns (``text`` and ``path`` excepted).
RESULT_COLUMNS = ("id", "summary", "error", "meta", "source")

_ERROR_TYPE = pa.struct([("kind", pa.string()), ("message", pa.string())])
# Input columns not carried into results: the article itself, and the reader's file path (it becomes ``source``).
_NOT_CARRIED = frozenset({"text", "path", *RESULT_COLUMNS})

BackendFactory = Callable[[], Backend]


class SummarizeBatch:
    """Summarizes a batch of rows ``{"id", "text", ...}`` into result rows; the callable class Ray runs per actor.

    ``settings`` are the driver's resolved ``Settings`` fields without the
    API key: the actor builds its settings from them as they are, and reads
    only the key from its own environment (Ray's runtime environment), so
    the key never passes through the object store.
    ``backend_factory`` builds the backend in the actor instead (a test's
    fake, or a backend that cannot be built from settings). ``cache_dir``
    holds the SQLite result cache (None: no cache). Rows whose id is in
    ``skip_ids`` give no result row (the corpus runner reports them itself).
    """

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        backend_factory: BackendFactory | None = None,
        cache_dir: str | None = None,
        skip_ids: Collection[Any] = (),
    ) -> None:
        # Every field as the driver resolved it (None included), so this node's environment cannot change the
        # model or server; only the API key, left out, is read here, from the runtime environment.
        self.settings = Settings(**dict(settings))
        backend = backend_factory() if backend_factory is not None else None
        if backend is None and self.settings.backend_name == "embedded":
            backend = self.settings.create_backend()
            # The engine's threads follow the CPUs Ray gave this actor, not every core of the node.
            cpus = _assigned_cpus()
            server = getattr(backend, "server", None)
            if cpus is not None and server is not None:
                server.n_threads = cpus
        self.summarizer = Summarizer(backend, settings=self.settings)
        self.cache = _open_cache(cache_dir)
        # A cache this node cannot read or write is only not reused; the actor's log says so once.
        self._optional_cache = OptionalCache(self.cache, warn=_log_warning)
        self.skip_ids = frozenset(skip_ids)
        self._identity: dict[str, Any] | None = None
        self._labels: dict[str, str] = {}
        self._loop = asyncio.new_event_loop()

    def __call__(self, batch: pa.Table) -> pa.Table:
        if "id" in batch.column_names and self.skip_ids:
            keep = [value not in self.skip_ids for value in batch.column("id").to_pylist()]
            batch = batch.filter(pa.array(keep, type=pa.bool_()))
        rows = batch.to_pylist()
        records = [record_from_document(row, _source(row)) for row in rows]
        outcomes = self._loop.run_until_complete(self._summarize(records))
        return result_table(batch, records, outcomes)

    async def _summarize(self, records: list[InputRecord]) -> list[SummaryResult | SummaryFailure]:
        gate = asyncio.Semaphore(max(1, min(self.settings.requests_at_once, self.summarizer.backend.max_concurrency)))

        async def one(record: InputRecord) -> SummaryResult | SummaryFailure:
            if record.error is not None or record.text is None:
                return SummaryFailure.from_error(record.error) if record.error else _no_text(record)
            key = cache_key(record.text, self._cache_identity()) if self.cache is not None else None
            hit = await self._optional_cache.get(key)
            if hit is not None:
                return SummaryResult(hit.summary, hit.meta.model_copy(update={"cached": True}))
            async with gate:
                outcome = await outcome_of(self.summarizer, record.text)
            if isinstance(outcome, SummaryResult):
                await self._optional_cache.put(key, outcome, self._labels)
            return outcome

        # The event loop lives as long as the actor, so the backend's pooled connections are kept between batches.
        return list(await asyncio.gather(*(one(record) for record in records)))

    def _cache_identity(self) -> dict[str, Any]:
        if self._identity is None:
            self._identity = self.summarizer.result_identity()
            self._labels = {**cache_labels(self._identity), "model": self.summarizer.backend.model_id}
        return self._identity

    def __del__(self) -> None:
        # Ray ends an actor by ending its process; this releases the model early when the pool shrinks.
        summarizer = getattr(self, "summarizer", None)
        if summarizer is not None:
            summarizer.close()
        cache = getattr(self, "cache", None)
        if cache is not None:
            cache.close()


def _open_cache(cache_dir: str | None) -> ResultCache | None:
    """The result cache at ``cache_dir``, or None where this node cannot open it (a driver's path on
    another machine): results are then only not reused, never lost."""
    if cache_dir is None:
        return None
    try:
        return ResultCache(Path(cache_dir) / RESULT_CACHE_FILE)
    except (OSError, ConfigurationError):
        return None


def _log_warning(message: str) -> None:
    logging.getLogger("summarizer.ray").warning("%s", message)


def _no_text(record: InputRecord) -> SummaryFailure:
    return SummaryFailure(kind="ArticleError", message=f"{record.source or record.id}: no text")


def _source(row: Mapping[str, Any]) -> str:
    for name in ("source", "path"):
        value = row.get(name)
        if isinstance(value, str) and value:
            return value
    return f"id {row.get('id')!r}"


def _assigned_cpus() -> int | None:
    try:
        import ray

        assigned: dict[str, float] = ray.get_runtime_context().get_assigned_resources()  # type: ignore[no-untyped-call]
        cpus = assigned.get("CPU")
    except Exception:  # not inside a Ray worker: the engine picks its own thread count
        return None
    return max(1, math.floor(cpus)) if cpus else None


def result_table(
    batch: pa.Table, records: list[InputRecord], outcomes: list[SummaryResult | SummaryFailure]
) -> pa.Table:
    """Result rows for ``batch``: ``id`` as the input gave it, ``summary`` and ``meta`` as JSON text,
    ``error`` as ``{kind, message}``, ``source``, then the input's other columns unchanged."""
    summaries: list[str | None] = []
    errors: list[dict[str, str] | None] = []
    metas: list[str | None] = []
    for outcome in outcomes:
        if isinstance(outcome, SummaryFailure):
            summaries.append(None)
            errors.append({"kind": outcome.kind, "message": outcome.message})
            metas.append(None)
        else:
            summaries.append(json.dumps(outcome.summary.model_dump(mode="json"), ensure_ascii=False))
            errors.append(None)
            metas.append(json.dumps(outcome.meta.model_dump(), ensure_ascii=False))
    ids = batch.column("id") if "id" in batch.column_names else pa.nulls(batch.num_rows, pa.string())
    columns: dict[str, Any] = {
        "id": ids,
        "summary": pa.array(summaries, type=pa.string()),
        "error": pa.array(errors, type=_ERROR_TYPE),
        "meta": pa.array(metas, type=pa.string()),
        "source": pa.array([record.source for record in records], type=pa.string()),
    }
    for name in batch.column_names:
        if name not in _NOT_CARRIED:
            columns[name] = batch.column(name)
    return pa.table(columns)


@dataclass(frozen=True)
class PoolSize:
    """The actor pool: ``actors`` actors of ``cpus`` Ray CPUs each, ``batch_size`` rows per call."""

    actors: int
    cpus: float
    batch_size: int
    #: Each actor loads a model (the embedded backend) rather than calling a server.
    holds_model: bool = False

    @classmethod
    def choose(
        cls,
        settings: Settings,
        *,
        custom_backend: bool = False,
        actors: int | None = None,
        cpus_per_actor: float | None = None,
        batch_size: int | None = None,
    ) -> PoolSize:
        """The sizes given, else the defaults for the backend: each embedded actor holds a model and keeps
        two cores busy; a server's actors mostly wait on the network, several requests each."""
        if not custom_backend and settings.backend_name == "embedded":
            return cls(
                actors or 1, 2.0 if cpus_per_actor is None else cpus_per_actor, batch_size or 4, holds_model=True
            )
        return cls(
            actors or 2,
            0.25 if cpus_per_actor is None else cpus_per_actor,
            batch_size or 4 * settings.requests_at_once,
        )


def summarize_dataset(
    dataset: ray.data.Dataset,
    *,
    settings: Settings | None = None,
    backend_factory: BackendFactory | None = None,
    actors: int | None = None,
    cpus_per_actor: float | None = None,
    batch_size: int | None = None,
    cache_dir: str | Path | None = None,
    skip_ids: Collection[Any] = (),
) -> ray.data.Dataset:
    """A lazy Dataset of result rows, one per row of ``dataset`` (rows ``{"id", "text", ...}``) whose id is not
    in ``skip_ids``.

    Result rows: ``id`` (as given), ``summary`` (the summary as JSON text, or
    null), ``error`` (``{kind, message}``, or null), ``meta`` (run metadata as
    JSON text, or null), ``source`` (the row's ``source`` or ``path``), then
    the input's other columns. Runs ``SummarizeBatch`` on a pool of
    ``actors`` Ray actors with ``cpus_per_actor`` CPUs each, ``batch_size``
    rows per call. Defaults: for the embedded model one actor of 2 CPUs and
    4 rows (each actor holds a model); for a server 2 actors of 0.25 CPU and
    4 × ``concurrency`` rows (the work is waiting on the network).

    The API key in ``settings`` reaches the actors as ``SUMMARIZER_API_KEY``
    in Ray's runtime environment, not in the actors' arguments. Nothing runs
    until the Dataset is consumed; a backend that cannot be built then fails
    the job as a Ray task error. ``settings`` default to ``Settings.resolve()``
    here (``ConfigurationError`` for a bad value in the environment).
    """
    import ray.data

    settings = settings or Settings.resolve()
    pool = PoolSize.choose(
        settings,
        custom_backend=backend_factory is not None,
        actors=actors,
        cpus_per_actor=cpus_per_actor,
        batch_size=batch_size,
    )
    fields = settings.model_dump(exclude={"api_key", "openai_api_key"}, exclude_unset=False)
    # Only the key this server may receive travels, as the one an actor sends to any server.
    env = {"SUMMARIZER_API_KEY": settings.server_api_key} if settings.server_api_key else {}
    with warnings.catch_warnings():
        # Ray 2.60 names no parameter for restarts and deprecates the keyword arguments it still reads them from.
        warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
        return dataset.map_batches(
            SummarizeBatch,
            fn_constructor_kwargs={
                "settings": fields,
                "backend_factory": backend_factory,
                "cache_dir": None if cache_dir is None else str(cache_dir),
                "skip_ids": frozenset(skip_ids),
            },
            batch_format="pyarrow",
            batch_size=pool.batch_size,
            compute=ray.data.ActorPoolStrategy(size=pool.actors),
            num_cpus=pool.cpus,
            runtime_env={"env_vars": env} if env else None,
            # Ray Data restarts actors and retries their calls without end by default: an article that kills its
            # worker (the engine out of memory) would loop forever instead of failing the job with its reason.
            max_restarts=2,
            max_task_retries=2,
        )
