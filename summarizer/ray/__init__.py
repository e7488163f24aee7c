"""Summaries of corpora on Ray Data: ``pip install 'summarizer[ray]'``.

>>> import ray.data                                               # doctest: +SKIP
>>> from summarizer.ray import summarize_dataset                  # doctest: +SKIP
>>> rows = ray.data.read_json("feed.jsonl")                       # doctest: +SKIP
>>> summarize_dataset(rows).write_parquet("summaries/")           # doctest: +SKIP

``summarize_dataset`` is the lazy Ray Data stage (an actor pool, one
summarizer per actor); ``run_corpus`` is ``summarize batch --engine ray``:
files in, resumable result shards out.
"""

from __future__ import annotations

try:
    import ray.data  # noqa: F401 - fail here, with the fix, rather than deep inside a run
except ImportError as exc:  # pragma: no cover - depends on the environment
    from .._exceptions import ConfigurationError

    raise ConfigurationError("summarizer.ray needs Ray Data: pip install 'summarizer[ray]'") from exc

from ._actor import RESULT_COLUMNS, SummarizeBatch, summarize_dataset
from ._cluster import connect
from ._corpus import CorpusTally, RayRunError, run_corpus
from ._shards import ShardFormat

__all__ = [
    "RESULT_COLUMNS",
    "CorpusTally",
    "RayRunError",
    "ShardFormat",
    "SummarizeBatch",
    "connect",
    "run_corpus",
    "summarize_dataset",
]
