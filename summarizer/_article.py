"""Reading an article: from a path or stdin, as Unicode text, refusing what is not an article.

Bytes are UTF-8 unless a byte-order mark says UTF-16 or UTF-32 (Windows
PowerShell writes UTF-16 with a BOM by default). Other encodings are refused
with the command that converts them: guessing a legacy code page from plain
text misspells names silently. An HTML page is decoded as it declares (w3lib:
byte-order mark, then ``<meta charset>``, then a guess) and reduced to its
main text by trafilatura.
"""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata
from pathlib import Path

from ._exceptions import ArticleError

__all__ = [
    "HTML_SUFFIXES",
    "article_from_bytes",
    "bom_encoding",
    "check_article_text",
    "decode_article",
    "html_main_text",
    "read_article",
    "replace_lone_surrogates",
]

HTML_SUFFIXES = (".html", ".htm")
# Standard input is HTML when it opens like a page; a file says so by its suffix.
_HTML_OPENING = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<!doctype\s+html|<html)", re.IGNORECASE)

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A str holding a surrogate code point cannot be written as UTF-8; JSON's "\ud83c" escape makes one
# when a caption is cut in the middle of an emoji's pair.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

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
    is_html = (
        _HTML_OPENING.match(data[:512]) is not None
        if name == "<stdin>"
        else Path(source).suffix.lower() in HTML_SUFFIXES
    )
    return article_from_bytes(data, name, html=is_html)


def article_from_bytes(data: bytes, name: str, *, html: bool = False) -> str:
    """The article in ``data``: an HTML page's main text when ``html``, else the decoded text."""
    if html:
        return check_article_text(html_main_text(data, name), name)
    return decode_article(data, name)


def bom_encoding(head: bytes) -> str | None:
    """The codec a byte-order mark at the start of ``head`` names (``"utf-16"``, ...), or None."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def decode_article(data: bytes, name: str) -> str:
    """``data`` as text: UTF-8, or UTF-16/32 with a byte-order mark; ``ArticleError`` naming the fix otherwise."""
    encoding = bom_encoding(data[:4]) or "utf-8"
    sample = data[:_BINARY_SNIFF_BYTES]
    if encoding == "utf-8" and b"\x00" in sample:
        if (order := _bomless_utf16_order(sample)) is not None:
            raise ArticleError(
                f"{name}: looks like UTF-16 text without a byte-order mark; "
                f"convert it, e.g. iconv -f UTF-16{order} -t UTF-8"
            )
        raise ArticleError(f"{name}: looks like a binary file (it contains NUL bytes), not article text")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise ArticleError(
                f"{name}: its byte-order mark says {encoding.upper()}, but {exc.reason} at offset {exc.start}"
            ) from None
        raise ArticleError(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it, e.g. iconv -f windows-1252 -t utf-8"
        ) from None
    return check_article_text(text, name)


def _bomless_utf16_order(sample: bytes) -> str | None:
    """``"LE"`` or ``"BE"`` for ASCII-heavy UTF-16 (a NUL in every other byte: odd bytes in little-endian,
    even ones in big-endian); None for anything else, binary formats included."""
    if len(sample) < 4:
        return None
    odd, even = sample[1::2], sample[0::2]
    if odd.count(0) / len(odd) > 0.9:
        return "LE"
    if even.count(0) / len(even) > 0.9:
        return "BE"
    return None


def replace_lone_surrogates(text: str) -> str:
    """``text`` with each unpaired UTF-16 surrogate replaced by U+FFFD, so it can be written as UTF-8."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def check_article_text(text: str, name: str = "article") -> str:
    """Return ``text`` unchanged if it can be summarized, else raise ``ArticleError``."""
    if not text.strip():
        raise ArticleError(f"{name}: the article is empty")
    head = text[:_BINARY_SNIFF_BYTES]
    controls = sum(1 for ch in head if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f\v")
    if controls > _MAX_CONTROL_SHARE * len(head):
        raise ArticleError(f"{name}: looks like binary data (many control characters), not article text")
    return text


def html_main_text(markup: str | bytes, path: Path | str = "html") -> str:
    """The main text of an HTML page (headline and body), without navigation, ads or footers.

    ``markup`` as bytes is decoded as the page declares (byte-order mark, then ``<meta charset>``), else
    as UTF-8 when it is valid, else by charset-normalizer's guess. Raises ``ArticleError`` when the page
    holds no article text.
    """
    import trafilatura  # imported here: it takes a moment, and plain-text runs never need it

    if isinstance(markup, bytes):
        from w3lib.encoding import html_body_declared_encoding, html_to_unicode

        declared = html_body_declared_encoding(markup)
        if declared not in (None, "utf-8") and bom_encoding(markup[:4]) is None and _is_utf8_beyond_ascii(markup):
            # A page re-saved as UTF-8 that still declares its old single-byte charset: UTF-8 bytes beyond
            # ASCII almost never decode by chance, and reading them as the declaration says garbles names.
            markup = markup.decode("utf-8")
        else:
            markup = html_to_unicode(None, markup, auto_detect_fun=_guess_encoding)[1]
    text = trafilatura.extract(markup, include_comments=False, include_tables=False, favor_recall=True)
    if not text or not text.strip():
        raise ArticleError(f"{path}: no article text found in the HTML")
    return str(text)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8_beyond_ascii(data: bytes) -> bool:
    return not data.isascii() and _is_utf8(data)


def _guess_encoding(data: bytes) -> str | None:
    """For a page that declares no charset: UTF-8 when it decodes, else charset-normalizer's best guess."""
    if _is_utf8(data):
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return best.encoding if best is not None else None
