"""Rendering a summary for people and programs: JSON, a Markdown brief, or an HTML report."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from ._brief import meeting_line
from ._display import markdown_text as md
from ._html import render_html
from ._schema import ArticleSummary

__all__ = ["OutputFormat", "render"]


class OutputFormat(StrEnum):
    json = "json"
    markdown = "markdown"
    html = "html"


def render(
    summary: ArticleSummary, fmt: OutputFormat, *, meta: dict[str, Any] | None = None, article: str | None = None
) -> str:
    """``summary`` as text; the HTML report also needs the ``article`` its spans point into."""
    if fmt is OutputFormat.html:
        if article is None:
            raise ValueError("the HTML report needs the article text")
        return render_html(summary, article, meta=meta)
    if fmt is OutputFormat.json:
        document: dict[str, Any] = summary.model_dump(mode="json")
        if meta is not None:
            document = {**document, "meta": meta}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return _markdown(summary, meta)


def _markdown(s: ArticleSummary, meta: dict[str, Any] | None) -> str:
    """The brief. Every text from the article, the model or a server is escaped (``_display.markdown_text``):
    an article's ``<script>``, links or terminal escapes stay text in any Markdown renderer or terminal."""
    lines = ["# Summary", "", md(s.summary), ""]
    # The status leads: a reader sees at once whether the talks took place.
    lines += [f"**Meeting:** {''.join(md(text) for text, _ in meeting_line(s.meeting))}", ""]
    lines += _section("Parties", [md(p.name) for p in s.parties])
    lines += _section(
        "Participants",
        [
            _join(md(p.name), ", ".join(md(x) for x in (p.role, p.side and f"for {p.side}") if x))
            for p in s.participants
        ],
    )
    lines += _section("Mediators", [f"{md(m.name)} ({m.kind.value})" for m in s.mediators])
    lines += _section("Topics", [_join(f"**{md(t.label)}**", md(t.detail)) for t in s.topics])
    lines += _section(
        "Disputed claims",
        [
            f"{md(c.claim)} — claimed by {_names(c.claimed_by)}; {c.stance.value} by {_names(c.disputed_by)}"
            for c in s.disputed_claims
        ],
    )
    if s.dropped:
        lines += _section("Dropped", [f"{d.field}: {md(d.headline)} — {md(d.detail)}" for d in s.dropped])
    if meta:
        lines += [
            "---",
            f"_{md(str(meta['model']))} via {md(str(meta['backend']))}, prompt {md(str(meta['prompt_version']))}, "
            f"{meta['seconds']:.1f} s, {meta['attempts']} attempt(s)_",
            "",
        ]
    return "\n".join(lines)


def _section(title: str, items: list[str]) -> list[str]:
    body = [f"- {item}" for item in items] or ["_None reported._"]
    return [f"## {title}", "", *body, ""]


def _join(head: str, tail: str | None) -> str:
    return f"{head} — {tail}" if tail else head


def _names(names: list[str]) -> str:
    return ", ".join(md(name) for name in names) if names else "unnamed"
