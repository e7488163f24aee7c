"""Reading a corpus: folders of .txt/.md/.html files and JSON Lines files, one record per article.

A bad record never stops a corpus: an unreadable file, an unparsable line,
an empty text or a repeated id becomes a record with an ``error`` naming the
file or line, and the rest is read on. HTML is reduced to the article's main
text by trafilatura.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._article import check_article_text, decode_article
from ._exceptions import ArticleError

__all__ = ["TEXT_SUFFIXES", "InputRecord", "read_inputs"]

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
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
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (*TEXT_SUFFIXES, *HTML_SUFFIXES)
        )
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
        text = decode_article(data, source)
        if path.suffix.lower() in HTML_SUFFIXES:
            text = html_main_text(text, path)
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
        for number, raw in enumerate(handle, start=1):
            source = f"{path}:{number}"
            if not raw.strip():
                continue
            try:
                document = json.loads(decode_article(raw, source))
            except json.JSONDecodeError as exc:
                error = ArticleError(f"{source}: not valid JSON ({exc.msg} at column {exc.colno})")
                yield InputRecord(id=source, source=source, error=error)
                continue
            except ArticleError as exc:
                yield InputRecord(id=source, source=source, error=exc)
                continue
            yield _from_document(document, source)


def _from_document(document: Any, source: str) -> InputRecord:
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


def html_main_text(markup: str, path: Path | str = "html") -> str:
    """The main text of an HTML page (headline and body), without navigation, ads or footers."""
    import trafilatura  # imported here: it takes a moment, and plain-text runs never need it

    text = trafilatura.extract(markup, include_comments=False, include_tables=False, favor_recall=True)
    if not text or not text.strip():
        raise ArticleError(f"{path}: no article text found in the HTML")
    return str(text)
