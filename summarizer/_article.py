"""Reading an article: from a path or stdin, as UTF-8 text, refusing what is not an article."""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

from ._exceptions import ArticleError

__all__ = ["check_article_text", "read_article"]

# Text files do not contain NUL; a few control characters beyond whitespace mean binary.
_BINARY_SNIFF_BYTES = 8192
_MAX_CONTROL_SHARE = 0.05


def read_article(source: str | Path) -> str:
    """Read an article from a file path, or from stdin when ``source`` is ``"-"``."""
    name = "<stdin>" if str(source) == "-" else str(source)
    if str(source) == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ArticleError(f"{name}: no such file") from None
        except IsADirectoryError:
            raise ArticleError(f"{name}: is a directory, not an article file") from None
        except PermissionError:
            raise ArticleError(f"{name}: permission denied") from None
        except OSError as exc:
            raise ArticleError(f"{name}: cannot read ({exc.strerror})") from None
    return decode_article(data, name)


def decode_article(data: bytes, name: str) -> str:
    sample = data[:_BINARY_SNIFF_BYTES]
    if b"\x00" in sample:
        raise ArticleError(f"{name}: looks like a binary file (it contains NUL bytes), not article text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it, e.g. iconv -f latin1 -t utf-8"
        ) from None
    return check_article_text(text, name)


def check_article_text(text: str, name: str = "article") -> str:
    """Return ``text`` unchanged if it can be summarized, else raise ``ArticleError``."""
    if not text.strip():
        raise ArticleError(f"{name}: the article is empty")
    head = text[:_BINARY_SNIFF_BYTES]
    controls = sum(1 for ch in head if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
    if controls > _MAX_CONTROL_SHARE * len(head):
        raise ArticleError(f"{name}: looks like binary data (many control characters), not article text")
    return text
