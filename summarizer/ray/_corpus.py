"""``summarize batch --engine ray``: JSONL or Parquet in, result shards out, resumable, on a Ray cluster.

The run is Ray Data end to end: Ray's readers, the summarizer on an actor
pool (``summarize_dataset``), Ray's file writes under Ray Data's checkpoint,
which records the ids of every committed shard in ``OUT/_checkpoint`` with a
two-phase commit. A rerun reads that checkpoint, skips the ids already
written, and deletes shards whose write never committed (a driver killed
mid-write), so every id is written once.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.fs

from .._exceptions import ArticleError, ConfigurationError, SummarizerError
from .._settings import Settings
from ._actor import BackendFactory, PoolSize, result_table, summarize_dataset
from ._cluster import connect, first_line
from ._shards import (
    CHECKPOINT_DIR,
    DUPLICATES_STEM,
    ShardFormat,
    next_run,
    result_shards,
    shard_sink,
    write_table,
)

if TYPE_CHECKING:
    import ray.data

__all__ = ["CorpusTally", "RayRunError", "run_corpus"]

_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
_PARQUET_SUFFIXES = (".parquet",)


class RayRunError(SummarizerError):
    """The Ray job itself failed (an unreadable input file, a lost cluster); committed shards are kept."""


@dataclass
class CorpusTally:
    """What a corpus run did, counted from the shards it wrote."""

    #: Input rows, duplicates included.
    rows: int = 0
    summarized: int = 0
    cached: int = 0
    failed: int = 0
    #: Rows whose id a committed shard of an earlier run already holds.
    skipped: int = 0
    #: Ids that several input rows share: one error row each, none summarized.
    duplicate_ids: int = 0
    #: Error rows that earlier runs committed to this output: the checkpoint skips their ids, so a rerun
    #: does not retry them (the local runner does, for transient failures).
    kept_failed: int = 0
    #: This run's number in the output directory (0 when it had nothing to write).
    run: int = 0
    shards: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def run_corpus(
    inputs: Sequence[str | Path],
    out: str | Path,
    *,
    settings: Settings | None = None,
    address: str | None = None,
    shard_format: ShardFormat = "parquet",
    actors: int | None = None,
    cpus_per_actor: float | None = None,
    batch_size: int | None = None,
    rows_per_shard: int | None = None,
    cache_dir: str | Path | None = None,
    backend_factory: BackendFactory | None = None,
    progress: bool = True,
    status: Callable[[str], None] | None = None,
) -> CorpusTally:
    """Summarize the JSONL and Parquet files in ``inputs`` (files or folders) into shards in the folder ``out``.

    Every input row needs an ``id`` (the resume key) and a ``text``. Joins the
    Ray cluster at ``address`` (``auto``, ``ray://…``) or starts a private one
    on loopback; see ``summarize_dataset`` for ``actors``, ``cpus_per_actor``
    and ``batch_size``. A shard holds at least ``rows_per_shard`` rows (the
    last of a run fewer); rows wait in memory until their shard is written,
    so a crash redoes at most that many per write task. Default: one batch for
    the embedded model, 1,024 rows for a server (fewer, larger files).
    ``cache_dir`` holds the result cache (None: no cache). Raises
    ``ArticleError`` for inputs that are missing, of another format, or have
    rows without an id, ``ConfigurationError`` for an output
    that is not a folder or a cluster that cannot be reached, and
    ``RayRunError`` when the job fails.
    """
    import ray
    import ray.data

    settings = settings or Settings.resolve()
    report = status or (lambda line: None)
    json_paths, parquet_paths = _classify(inputs, out)
    filesystem, out_path = _output_dir(out)  # checked now, created only once the input has passed its census
    pool = PoolSize.choose(
        settings,
        custom_backend=backend_factory is not None,
        actors=actors,
        cpus_per_actor=cpus_per_actor,
        batch_size=batch_size,
    )
    # Ray's CPUs are a scheduling count: the actors', plus one for read and write tasks and one for Ray's
    # checkpoint filter, else a pool that takes every CPU starves the reads it waits for.
    needed = math.ceil(pool.actors * pool.cpus) + 2
    started = connect(address, num_cpus=needed, quiet=not progress)
    if not started:
        _check_fits(needed, pool)
    data_logger = logging.getLogger("ray.data")
    previous_level = data_logger.level
    # Ray Data logs every stage it starts at INFO, its progress too when stderr is not a terminal, and a failed
    # task's whole traceback at ERROR; quiet, the failure is reported in one line instead.
    data_logger.setLevel(logging.INFO if progress else logging.CRITICAL)
    context = ray.data.DataContext.get_current()
    previous_progress, previous_checkpoint = context.enable_progress_bars, context.checkpoint_config
    context.enable_progress_bars = progress
    try:
        return _run(
            json_paths,
            parquet_paths,
            out,
            filesystem,
            out_path,
            settings=settings,
            shard_format=shard_format,
            pool=pool,
            rows_per_shard=rows_per_shard or (pool.batch_size if pool.holds_model else max(pool.batch_size, 1024)),
            cache_dir=cache_dir,
            backend_factory=backend_factory,
            report=report,
        )
    except (KeyboardInterrupt, SummarizerError):
        raise
    except Exception as exc:  # Ray's own failures: a file its reader cannot parse, a lost node
        reason = _reason(exc)
        if json_paths and _unreadable_json(reason):
            # Ray's reader stops at the first line it cannot take, without naming the file or the line.
            raise ArticleError(
                f"{_names(json_paths)}: Ray's JSON reader failed ({reason}): a line that is not JSON, or a field "
                "whose type changes between lines (ids of mixed types); --engine local names each bad line"
            ) from None
        raise RayRunError(f"the Ray job failed: {reason}; committed shards are kept, rerun to resume") from None
    finally:
        data_logger.setLevel(previous_level)
        context.enable_progress_bars = previous_progress
        context.checkpoint_config = previous_checkpoint
        if started:
            ray.shutdown()


def _run(
    json_paths: list[str],
    parquet_paths: list[str],
    out: str | Path,
    filesystem: pyarrow.fs.FileSystem,
    out_path: str,
    *,
    settings: Settings,
    shard_format: ShardFormat,
    pool: PoolSize,
    rows_per_shard: int,
    cache_dir: str | Path | None,
    backend_factory: BackendFactory | None,
    report: Callable[[str], None],
) -> CorpusTally:
    import ray.data
    from ray.data.checkpoint import CheckpointConfig

    context = ray.data.DataContext.get_current()
    tally = CorpusTally()
    census = _census(json_paths, parquet_paths, filesystem, f"{out_path}/{CHECKPOINT_DIR}")
    duplicates = census.duplicates
    tally.rows, tally.skipped, tally.duplicate_ids = census.rows, census.committed_rows, len(duplicates)
    try:
        filesystem.create_dir(out_path, recursive=True)
    except OSError as exc:
        raise ConfigurationError(f"--out {out}: {first_line(exc)}") from None
    earlier = result_shards(filesystem, out_path)
    run = next_run(earlier)
    context.checkpoint_config = CheckpointConfig(
        id_column="id",
        checkpoint_path=_join(out, CHECKPOINT_DIR),
        delete_checkpoint_on_success=False,
    )
    results = summarize_dataset(
        _read(json_paths, parquet_paths),
        settings=settings,
        backend_factory=backend_factory,
        actors=pool.actors,
        cpus_per_actor=pool.cpus,
        batch_size=pool.batch_size,
        cache_dir=cache_dir,
        skip_ids=duplicates,
    )
    results.write_datasink(shard_sink(_uri(out), run, shard_format, min_rows_per_file=rows_per_shard))
    context.checkpoint_config = None  # what follows only reads, or writes one whole file itself
    _write_duplicates(filesystem, out_path, duplicates, shard_format)
    new = result_shards(filesystem, out_path).get(run, [])
    tally.run = run if new else 0
    tally.shards = new
    _count(tally, new, shard_format)
    kept = CorpusTally()
    _count(kept, [path for paths in earlier.values() for path in paths], shard_format)
    tally.kept_failed = kept.failed
    report(f"batch: {len(new)} new shard(s) in {out}")
    return tally


def _check_fits(needed: int, pool: PoolSize) -> None:
    """Refuse a pool the cluster can never place: Ray Data would wait for it without a word."""
    import ray

    cpus = float(ray.cluster_resources().get("CPU", 0))  # type: ignore[no-untyped-call]
    if cpus < needed:
        raise ConfigurationError(
            f"the Ray cluster has {cpus:g} CPUs; {pool.actors} actor(s) of {pool.cpus:g} CPU, plus one for reads "
            f"and writes and one for Ray's checkpoint filter, need {needed}: lower --actors or --cpus-per-actor"
        )


def _classify(inputs: Sequence[str | Path], out: str | Path) -> tuple[list[str], list[str]]:
    """The JSON Lines and the Parquet files to read, by suffix, as URIs or absolute paths.

    Folders (local or in object storage) are listed recursively, skipping hidden and ``_`` entries.
    Raises ``ArticleError`` for a missing input or one with neither kind of file, and for an input
    folder that holds ``out`` (a rerun would read its own shards as articles).
    """
    json_paths: list[str] = []
    parquet_paths: list[str] = []
    out_uri = _uri(out).rstrip("/")
    for given in inputs:
        uri = _uri(given)
        try:
            filesystem, path = pyarrow.fs.FileSystem.from_uri(uri)
            info = filesystem.get_file_info(path)
            if info.type == pyarrow.fs.FileType.NotFound:
                raise ArticleError(f"{given}: no such file or directory")
            if info.type == pyarrow.fs.FileType.Directory:
                if (out_uri + "/").startswith(uri.rstrip("/") + "/"):
                    raise ArticleError(f"{given}: holds --out {out}; write the shards outside the input folder")
                selector = pyarrow.fs.FileSelector(path, recursive=True)
                files = sorted(
                    f.path
                    for f in filesystem.get_file_info(selector)
                    if f.type == pyarrow.fs.FileType.File
                    and not any(part.startswith((".", "_")) for part in f.path[len(path) :].split("/"))
                )
            else:
                files = [path]
        except (OSError, pa.ArrowInvalid, ValueError) as exc:
            raise ArticleError(f"{given}: cannot read it ({first_line(exc)})") from None
        # Object storage lists paths without their scheme; Ray's readers need it back.
        scheme = uri.split("://", 1)[0] + "://" if "://" in uri else ""
        found = 0
        for file in files:
            name = scheme + file
            suffix = Path(file).suffix.lower()
            if suffix in _JSON_SUFFIXES:
                json_paths.append(name)
                found += 1
            elif suffix in _PARQUET_SUFFIXES:
                parquet_paths.append(name)
                found += 1
        if not found:
            kind = "folder holds no" if len(files) != 1 or files[0] != path else "is not a"
            raise ArticleError(
                f"{given}: {kind} .jsonl or .parquet file; the ray engine reads JSON Lines and Parquet "
                "(use --engine local for folders of .txt, .md or .html)"
            )
    return json_paths, parquet_paths


def _output_dir(out: str | Path) -> tuple[pyarrow.fs.FileSystem, str]:
    """The output folder's file system and path, created when missing; ``ConfigurationError`` otherwise."""
    try:
        filesystem, path = pyarrow.fs.FileSystem.from_uri(_uri(out))
        info = filesystem.get_file_info(path)
        if info.type == pyarrow.fs.FileType.File:
            raise ConfigurationError(f"--out {out}: is a file; the ray engine writes a folder of shards")
    except (OSError, pa.ArrowInvalid, ValueError) as exc:
        raise ConfigurationError(f"--out {out}: {first_line(exc)}") from None
    return filesystem, path


def _uri(out: str | Path) -> str:
    text = str(out)
    return text if "://" in text else str(Path(text).resolve())


def _join(out: str | Path, name: str) -> str:
    return f"{_uri(out).rstrip('/')}/{name}"


def _read(json_paths: list[str], parquet_paths: list[str], columns: list[str] | None = None) -> ray.data.Dataset:
    import ray.data

    parts: list[ray.data.Dataset] = []
    if json_paths:
        part = ray.data.read_json(json_paths, include_paths=True, file_extensions=None)
        parts.append(part.select_columns(columns) if columns else part)
    if parquet_paths:
        parts.append(ray.data.read_parquet(parquet_paths, include_paths=True, columns=columns, file_extensions=None))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class _Census:
    """The input's ids against what the output already holds."""

    #: Input rows, duplicates included.
    rows: int
    #: Input rows whose id a committed shard holds: the checkpoint filter skips them.
    committed_rows: int
    #: Ids not yet committed that several rows carry, with how many.
    duplicates: dict[Any, int]


def _census(
    json_paths: list[str], parquet_paths: list[str], filesystem: pyarrow.fs.FileSystem, checkpoint_dir: str
) -> _Census:
    """Count the input's ids with Ray and hold them against the committed checkpoint.

    Raises ``ArticleError`` when the input has no ``id`` column, ids that are
    neither strings nor integers, rows without an id (resuming needs one), or
    ids of another type than the output's.
    """
    import pyarrow.compute as pc
    import ray

    dataset = _read(json_paths, parquet_paths)
    schema = dataset.schema()
    if schema is None or "id" not in schema.names:
        raise ArticleError("the input has no 'id' column; the ray engine resumes by id, so every row needs one")
    id_type = schema.base_schema.field("id").type
    if not (pa.types.is_string(id_type) or pa.types.is_large_string(id_type) or pa.types.is_integer(id_type)):
        raise ArticleError(f"the input's 'id' column holds {id_type}; the ray engine needs string or integer ids")
    id_column = dataset.select_columns(["id"]).materialize()
    rows = id_column.count()
    counted = pa.concat_tables(ray.get(id_column.groupby("id").count().to_arrow_refs()))
    # Ray's groupby leaves out rows whose key is null: they are what the counts do not cover.
    counted = counted.filter(pc.is_valid(counted.column("id")))
    ids, counts = counted.column("id"), counted.column("count()")
    blank = pc.equal(ids, "") if pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type) else None
    absent = rows - int(pc.sum(counts).as_py() or 0)
    if blank is not None:
        absent += int(pc.sum(counts.filter(blank)).as_py() or 0)
    if absent:
        raise ArticleError(
            f"{absent} input row(s) have no 'id'; the ray engine resumes by id, so give every row one "
            "(or use --engine local, which names them in error records)"
        )
    committed = _committed_ids(filesystem, checkpoint_dir)
    if committed is not None and len(committed) and committed.type != ids.type:
        raise ArticleError(
            f"the input's ids are {ids.type} but the output's are {committed.type}; "
            "give them the type of the first run, or write to a new --out"
        )
    done = pc.is_in(ids, value_set=committed) if committed is not None else pa.array([False] * len(ids))
    pending = counted.filter(pc.invert(done))
    repeated = pending.filter(pc.greater(pending.column("count()"), 1))
    return _Census(
        rows=rows,
        committed_rows=int(pc.sum(counts.filter(done)).as_py() or 0),
        duplicates=dict(zip(repeated.column("id").to_pylist(), repeated.column("count()").to_pylist(), strict=True)),
    )


def _committed_ids(filesystem: pyarrow.fs.FileSystem, checkpoint_dir: str) -> pa.ChunkedArray | None:
    """The ids of every committed shard (Ray's checkpoint files, not its pending ones), or None."""
    import pyarrow.parquet as pq

    selector = pyarrow.fs.FileSelector(checkpoint_dir, allow_not_found=True)
    files = [
        info.path
        for info in filesystem.get_file_info(selector)
        if info.type == pyarrow.fs.FileType.File
        and info.base_name.endswith(".parquet")
        and not info.base_name.endswith(".pending.parquet")
    ]
    if not files:
        return None
    return pq.ParquetDataset(files, filesystem=filesystem).read(columns=["id"]).column("id")


def _write_duplicates(
    filesystem: pyarrow.fs.FileSystem, out_path: str, duplicates: dict[Any, int], shard_format: ShardFormat
) -> None:
    """Replace ``summaries-duplicates.*`` with one error row per id in ``duplicates``; remove it when none."""
    from .._inputs import InputRecord
    from .._summarizer import SummaryFailure

    for extension in ("parquet", "jsonl"):
        stale = f"{out_path}/{DUPLICATES_STEM}.{extension}"
        if filesystem.get_file_info(stale).type == pyarrow.fs.FileType.File:
            filesystem.delete_file(stale)
    if not duplicates:
        return
    ids = sorted(duplicates, key=str)
    records = [InputRecord(id=str(value), source="") for value in ids]
    outcomes: list[Any] = [
        SummaryFailure(
            kind="ArticleError",
            message=f"duplicate id {value!r}: {duplicates[value]} input rows share it; none was summarized",
        )
        for value in ids
    ]
    table = result_table(pa.table({"id": pa.array(ids)}), records, outcomes)
    extension = "parquet" if shard_format == "parquet" else "jsonl"
    write_table(filesystem, f"{out_path}/{DUPLICATES_STEM}.{extension}", table, shard_format)


def _count(tally: CorpusTally, shards: list[str], shard_format: ShardFormat) -> None:
    """Count this run's rows by outcome, reading its shards back with Ray."""
    import ray.data

    if not shards:
        return
    # Only the columns the count needs: a rerun counts every earlier shard too, summaries and all.
    written = (
        ray.data.read_parquet(shards).select_columns(["id", "error", "meta"])
        if shard_format == "parquet"
        else ray.data.read_json(shards)
    )
    for part in written.map_batches(_outcomes, batch_format="pyarrow").take_all():
        tally.summarized += part["summarized"]
        tally.cached += part["cached"]
        tally.failed += part["failed"]
        tally.failures.extend(part["failures"][: max(0, 5 - len(tally.failures))])


def _outcomes(batch: pa.Table) -> pa.Table:
    """One row per batch of results: how many were summarized, cached and failed, and the first failures."""
    counts = {"summarized": 0, "cached": 0, "failed": 0}
    failures: list[str] = []
    # JSON Lines shards leave out a null error, as the local runner's records do.
    for row in batch.select([name for name in ("id", "error", "meta") if name in batch.column_names]).to_pylist():
        if row.get("error") is not None:
            counts["failed"] += 1
            if len(failures) < 5:
                failures.append(f"{row['id']}: {row['error']['message']}")
            continue
        meta = json.loads(row["meta"]) if isinstance(row.get("meta"), str) else row.get("meta") or {}
        counts["cached" if meta.get("cached") else "summarized"] += 1
    return pa.table({**{name: [n] for name, n in counts.items()}, "failures": [failures]})


def _reason(exc: BaseException) -> str:
    # Ray wraps a task's error in several layers; the user needs the innermost cause's first line.
    cause: BaseException = exc
    while True:
        inner = getattr(cause, "cause", None) or cause.__cause__
        if inner is None or inner is cause:
            break
        cause = inner
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[-1] if text else ''}".rstrip(": ")


def _unreadable_json(reason: str) -> bool:
    return reason.startswith("JSONDecodeError") or ("ArrowInvalid" in reason and "JSON" in reason)


def _names(paths: list[str]) -> str:
    shown = ", ".join(Path(p).name for p in paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
