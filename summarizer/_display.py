"""Text shown to people: nothing an article, a server or a file name holds may drive a terminal or a Markdown
renderer, and no credential in a server's address is shown.

- ``printable``: C0 and C1 control characters (ESC starts terminal escape sequences, among them OSC 52, which
  writes the clipboard), DEL, and a carriage return (which overwrites the line) become U+FFFD; newlines and
  tabs stay where ``multiline`` allows them.
- ``markdown_text``: printable, on one line, with the characters Markdown or inline HTML would act on escaped
  by backslash (CommonMark escapes any ASCII punctuation so), so ``<script>``, ``<img onerror>``, ``[x](url)``
  and ``**`` stay text.
- ``redacted_url``: a URL without its user, password and query values.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["html_comment_text", "markdown_text", "printable", "redacted_url"]

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_REPLACEMENT = "\ufffd"
# Characters that open or close Markdown or inline HTML anywhere in a line.
_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]<>&|~!{}])")
# At the start of a line (or of a list item's text) these open a heading, a quote, a list or a rule; a
# numbered item is escaped at its punctuation (a backslash escapes punctuation only, never a digit).
_LINE_OPENER = re.compile(r"^(\s*)([#>+\-=]|\d+(?=[.)]))")


def printable(text: str, *, multiline: bool = True) -> str:
    """``text`` with every control character a terminal acts on replaced by U+FFFD (newlines and tabs kept
    when ``multiline``)."""
    if multiline:
        return _CONTROLS.sub(_REPLACEMENT, text.replace("\r\n", "\n"))
    return _CONTROLS_ONE_LINE.sub(lambda m: " " if m.group() in "\t\n\u2028\u2029" else _REPLACEMENT, text)


def markdown_text(text: str) -> str:
    """``text`` as one line of Markdown that renders as the same text: printable, Markdown and HTML escaped."""
    line = _MARKDOWN_ACTIVE.sub(r"\\\1", printable(text, multiline=False))
    return _LINE_OPENER.sub(_escaped_opener, line)


def _escaped_opener(found: re.Match[str]) -> str:
    lead, opener = found.group(1), found.group(2)
    return f"{lead}{opener}\\" if opener[0].isdigit() else f"{lead}\\{opener}"


def html_comment_text(text: str) -> str:
    """``text`` for the inside of an HTML comment, which ``--`` and ``>`` could close early."""
    return printable(text, multiline=False).replace("--", "\u2010\u2010").replace(">", "\u203a")


def redacted_url(url: str) -> str:
    """``url`` without credentials: the user and password become ``***``, and so does every query value."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a URL at all: shown as given, less anything after a "@" or "?"
        return re.sub(r"[^/]*@", "***@", url.split("?", 1)[0])
    netloc = f"***@{host}{port}" if parts.username or parts.password else parts.netloc
    query = urlencode([(key, "***") for key, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
