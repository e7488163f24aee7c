"""Reading a corpus: folders of .txt/.md/.html files and JSON Lines files, one record per article.

A bad record never stops a corpus: an unreadable file, an unparsable line,
an empty text or a repeated id becomes a record with an ``error`` naming the
file or line, and the rest is read on. HTML is decoded as the page declares
(w3lib: byte-order mark, then ``<meta charset>``, then a guess) and reduced
to the article's main text by trafilatura. A JSON string holding a lone
surrogate escape (a caption cut mid-emoji), or a JSON line holding bytes that
are not UTF-8, has them replaced by U+FFFD.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._article import (
    HTML_SUFFIXES,
    article_from_bytes,
    bom_encoding,
    check_article_text,
    replace_lone_surrogates,
)
from ._exceptions import ArticleError

__all__ = ["TEXT_SUFFIXES", "InputRecord", "read_inputs", "record_from_document"]

TEXT_SUFFIXES = (".txt", ".md")
_EXTRA_FIELDS = ("url", "title", "published")


@dataclass(frozen=True)
class InputRecord:
    """One article to summarize, or the reason it cannot be."""

    id: str
    text: str | None = None
    #: Where it came from: a file, or ``file:line``.
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    error: ArticleError | None = None


def read_inputs(inputs: Iterable[Path]) -> Iterator[InputRecord]:
    """Every article in ``inputs`` (folders, JSONL files, text or HTML files), in order, ids unique."""
    seen: dict[str, str] = {}
    for path in inputs:
        for record in _read_one(path):
            if record.id in seen and record.error is None:
                message = f"{record.source}: duplicate id {record.id!r} (first seen in {seen[record.id]})"
                yield InputRecord(id=record.id, source=record.source, error=ArticleError(message))
                continue
            seen.setdefault(record.id, record.source)
            yield record


def _read_one(path: Path) -> Iterator[InputRecord]:
    if path.is_dir():
        try:
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (*TEXT_SUFFIXES, *HTML_SUFFIXES)
            )
        except OSError as exc:  # a folder inside it that cannot be listed
            where = exc.filename or path
            yield InputRecord(
                id=str(path), source=str(path), error=ArticleError(f"{where}: cannot list ({exc.strerror})")
            )
            return
        for file in files:
            yield _read_file(file, record_id=file.relative_to(path).with_suffix("").as_posix())
    elif path.suffix.lower() in (".jsonl", ".ndjson"):
        yield from _read_jsonl(path)
    elif path.exists():
        yield _read_file(path, record_id=path.stem)
    else:
        yield InputRecord(id=str(path), source=str(path), error=ArticleError(f"{path}: no such file or directory"))


def _read_file(path: Path, *, record_id: str) -> InputRecord:
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return InputRecord(id=record_id, source=source, error=ArticleError(f"{path}: cannot read ({exc.strerror})"))
    try:
        text = article_from_bytes(data, source, html=path.suffix.lower() in HTML_SUFFIXES)
    except ArticleError as exc:
        return InputRecord(id=record_id, source=source, error=exc)
    return InputRecord(id=record_id, text=text, source=source)


def _read_jsonl(path: Path) -> Iterator[InputRecord]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield InputRecord(id=str(path), source=str(path), error=ArticleError(f"{path}: cannot read ({exc.strerror})"))
        return
    with handle:
        encoding = bom_encoding(handle.read(4))
        handle.seek(0)
        if encoding in ("utf-16", "utf-32"):
            # Lines of UTF-16 cannot be split on the byte 0x0A; read it as text. Bytes a broken file holds
            # become U+FFFD in their line rather than stopping the file.
            lines: Iterator[bytes | str] = iter(
                io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="\n")
            )
        else:
            lines = iter(handle)
        for number, raw in enumerate(lines, start=1):
            source = f"{path}:{number}"
            if not raw.strip():
                continue
            yield _line_record(raw, source)


def _line_record(raw: bytes | str, source: str) -> InputRecord:
    """The article on one JSON line, or that line's error record: whatever the line holds never stops the file."""
    try:
        # A JSON line is text of the whole file: bytes that are not UTF-8 (an emoji cut in half by a
        # byte-level truncation) become U+FFFD in their record rather than costing it.
        line = raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")
        document = json.loads(line.lstrip("\ufeff"))
        return record_from_document(_without_lone_surrogates(document), source)
    except json.JSONDecodeError as exc:
        return InputRecord(
            id=source, source=source, error=ArticleError(f"{source}: not valid JSON ({exc.msg}, column {exc.colno})")
        )
    except ArticleError as exc:
        return InputRecord(id=source, source=source, error=exc)
    except RecursionError:
        return InputRecord(id=source, source=source, error=ArticleError(f"{source}: JSON nested too deeply to read"))
    except Exception as exc:  # a number of 5,000 digits, or what else a line may hold: its record, not the run's end
        message = " ".join(str(exc).split())[:200]
        return InputRecord(id=source, source=source, error=ArticleError(f"{source}: cannot read this line ({message})"))


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return replace_lone_surrogates(value)
    if isinstance(value, list):
        return [_without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {replace_lone_surrogates(str(k)): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def record_from_document(document: Any, source: str) -> InputRecord:
    """One article from a JSON object ``{"id", "text", "url"?, "title"?, "published"?}``.

    A bad object (no id, a text that is not a string or is empty) gives a record carrying its error.
    """
    if not isinstance(document, dict):
        return InputRecord(id=source, source=source, error=ArticleError(f"{source}: expected a JSON object"))
    raw_id = document.get("id")
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool) or str(raw_id).strip() == "":
        return InputRecord(id=source, source=source, error=ArticleError(f"{source}: missing or empty 'id'"))
    record_id = str(raw_id)
    extra = {k: document[k] for k in _EXTRA_FIELDS if k in document}
    text = document.get("text")
    if not isinstance(text, str):
        error = ArticleError(f"{source}: 'text' must be a string")
        return InputRecord(id=record_id, source=source, extra=extra, error=error)
    try:
        check_article_text(text, source)
    except ArticleError as exc:
        return InputRecord(id=record_id, source=source, extra=extra, error=exc)
    return InputRecord(id=record_id, text=text, source=source, extra=extra)
