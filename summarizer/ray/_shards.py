"""Result shards: deterministic names, and Ray file datasinks that write Parquet or JSON Lines.

A shard is named ``summaries-RRRR-TTTTTT.shard.EXT``: the run's number in
the output directory and Ray's write-task index. The ``.shard`` ends the
name Ray's checkpoint recovery matches by prefix, so task 100000's name is
not a prefix of task 1000000's. Ray retries a failed write task
under the same index, so a retry rewrites its own shard rather than adding
one. Rows duplicated across runs are prevented by Ray Data's checkpoint
(``_checkpoint/`` in the output): a committed shard's ids are skipped by the
next run, and a shard whose task never committed is deleted before the next
run writes anything. Ids that several input rows share get one error row
each in ``summaries-duplicates.EXT``, rewritten whole by every run.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.fs
import pyarrow.parquet as pq
from ray.data.datasource import BlockBasedFileDatasink, FilenameProvider

if TYPE_CHECKING:
    from ray.data.block import BlockAccessor

__all__ = [
    "CHECKPOINT_DIR",
    "DUPLICATES_STEM",
    "ShardFormat",
    "ShardNames",
    "next_run",
    "result_shards",
    "shard_sink",
    "write_table",
]

ShardFormat = Literal["parquet", "jsonl"]

CHECKPOINT_DIR = "_checkpoint"
DUPLICATES_STEM = "summaries-duplicates"
_SHARD = re.compile(r"summaries-(\d{4,})-(\d{6,})\.shard\.(parquet|jsonl)")


class ShardNames(FilenameProvider):
    """``summaries-{run:04d}-{task:06d}.shard.{ext}``: a function of the run and the write task, nothing random."""

    def __init__(self, run: int, extension: str) -> None:
        self.run = run
        self.extension = extension

    def get_filename_for_task(self, write_uuid: str, task_index: int) -> str:
        return f"summaries-{self.run:04d}-{task_index:06d}.shard.{self.extension}"


class _ParquetShards(BlockBasedFileDatasink):
    def __init__(self, path: str, run: int, *, min_rows_per_file: int | None) -> None:
        super().__init__(
            path,
            file_format="parquet",
            filename_provider=ShardNames(run, "parquet"),
            min_rows_per_file=min_rows_per_file,
        )

    def write_block_to_file(self, block: BlockAccessor, file: pa.NativeFile) -> None:
        pq.write_table(block.to_arrow(), file)


class _JsonLinesShards(BlockBasedFileDatasink):
    def __init__(self, path: str, run: int, *, min_rows_per_file: int | None) -> None:
        super().__init__(
            path, file_format="jsonl", filename_provider=ShardNames(run, "jsonl"), min_rows_per_file=min_rows_per_file
        )

    def write_block_to_file(self, block: BlockAccessor, file: pa.NativeFile) -> None:
        file.write(_json_lines(block.to_arrow()))


def _json_lines(table: pa.Table) -> bytes:
    # The summary and meta columns already hold JSON text: written as objects, the way the local runner writes them.
    lines = []
    for row in table.to_pylist():
        for name in ("summary", "meta"):
            if row.get(name) is None:
                row.pop(name, None)
            else:
                row[name] = json.loads(row[name])
        if row.get("error") is None:
            row.pop("error", None)
        lines.append(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return "".join(lines).encode("utf-8")


def shard_sink(
    path: str, run: int, shard_format: ShardFormat, *, min_rows_per_file: int | None
) -> BlockBasedFileDatasink:
    """The datasink writing run ``run``'s shards into the directory ``path``."""
    sink = _ParquetShards if shard_format == "parquet" else _JsonLinesShards
    return sink(path, run, min_rows_per_file=min_rows_per_file)


def write_table(filesystem: pyarrow.fs.FileSystem, path: str, table: pa.Table, shard_format: ShardFormat) -> None:
    """Write one whole shard from this process: to a temporary name, then renamed, so no reader sees half of it."""
    partial = f"{path}.partial"
    with filesystem.open_output_stream(partial) as stream:
        if shard_format == "parquet":
            pq.write_table(table, stream)
        else:
            stream.write(_json_lines(table))
    filesystem.move(partial, path)


def result_shards(filesystem: pyarrow.fs.FileSystem, path: str) -> dict[int, list[str]]:
    """The run shards in the directory ``path``, by run number, as paths."""
    runs: dict[int, list[str]] = {}
    selector = pyarrow.fs.FileSelector(path, allow_not_found=True)
    for info in filesystem.get_file_info(selector):
        match = _SHARD.fullmatch(info.base_name)
        if match and info.type == pyarrow.fs.FileType.File:
            runs.setdefault(int(match.group(1)), []).append(info.path)
    return {run: sorted(paths) for run, paths in runs.items()}


def next_run(shards: dict[int, Any]) -> int:
    """The number of the next run: one more than the last run that left a shard."""
    return max(shards, default=0) + 1
