"""The HTML report: the article with every grounded span highlighted, beside the structured summary.

One self-contained file: inline CSS and a few lines of inline script, no
fetches (a Content-Security-Policy forbids them), so it can be mailed or
archived as is. The article is untrusted input; every piece of it, and of the
model's answer, is escaped, so markup inside an article shows as text.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ._brief import meeting_line
from ._schema import ITEM_FIELDS, MEETING_FIELDS, ArticleSummary, DroppedItem, Evidence

__all__ = ["render_html"]

_LABELS = {
    "parties": "Parties",
    "participants": "Participants",
    "mediators": "Mediators",
    "topics": "Topics",
    "disputed_claims": "Disputed claims",
}
_SINGULAR = {
    "parties": "party",
    "participants": "participant",
    "mediators": "mediator",
    "topics": "topic",
    "disputed_claims": "disputed claim",
}
# Colour-blind-safe hues (Okabe-Ito), light enough to read black text on.
_COLOURS = {
    "parties": "#9ad0f5",
    "participants": "#f7c873",
    "mediators": "#a8e0c4",
    "topics": "#e8b4d6",
    "disputed_claims": "#f4a98a",
    "meeting": "#f0e442",
}

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{padding:12px 20px;border-bottom:1px solid #ddd;background:#fff}
h1{font-size:18px;margin:0 0 6px}
.legend span{display:inline-block;margin-right:12px;padding:0 6px;border-radius:3px}
main{display:flex;gap:20px;padding:20px;align-items:flex-start}
#article{flex:3;white-space:pre-wrap;background:#fff;padding:16px;border:1px solid #ddd;border-radius:4px}
#summary{flex:2;background:#fff;padding:16px;border:1px solid #ddd;border-radius:4px}
#summary h2{font-size:15px;margin:16px 0 4px}
#summary ul{margin:0;padding-left:18px}
#summary li{margin:2px 0;cursor:pointer}
#summary span[data-item]{cursor:pointer;border-radius:2px;padding:0 2px}
.quote{color:#555;font-size:13px}
.match{font-size:11px;color:#666;border:1px solid #ccc;border-radius:3px;padding:0 3px}
mark{color:inherit;border-radius:2px;cursor:pointer}
mark.multi{box-shadow:inset 0 -2px #333}
mark.active,li.active,span.active{outline:2px solid #1b1b1b}
#dropped li{cursor:default}
footer{padding:0 20px 20px;color:#666;font-size:12px}
"""
for _field, _colour in _COLOURS.items():
    _STYLE += f".f-{_field}{{background:{_colour}}}\n"

# Clicking a highlight selects its items in the summary, and the reverse.
_SCRIPT = """
document.addEventListener('click', function (event) {
  var target = event.target.closest('mark[data-items], [data-item]');
  document.querySelectorAll('.active').forEach(function (e) { e.classList.remove('active'); });
  if (!target) { return; }
  var ids = (target.dataset.items || target.dataset.item).split(' ');
  ids.forEach(function (id) {
    document.querySelectorAll('[data-item="' + id + '"], mark[data-items~="' + id + '"]').forEach(function (e) {
      e.classList.add('active');
    });
  });
  var other = target.tagName === 'MARK'
    ? document.querySelector('[data-item="' + ids[0] + '"]')
    : document.querySelector('mark[data-items~="' + ids[0] + '"]');
  if (other) { other.scrollIntoView({block: 'nearest'}); }
});
"""


@dataclass(frozen=True)
class _Highlight:
    item_id: str
    field: str
    start: int
    end: int
    title: str


def render_html(summary: ArticleSummary, article: str, *, meta: dict[str, Any] | None = None) -> str:
    highlights = list(_highlights(summary, len(article)))
    legend = "".join(f'<span class="f-{f}">{_LABELS[f]}</span>' for f in ITEM_FIELDS)
    legend += '<span class="f-meeting">Meeting place and date</span>'
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Summary</title>",
        f"<style>{_STYLE}</style></head><body>",
        f'<header><h1>Summary</h1><div class="legend">{legend}</div></header>',
        f'<main><section id="article" aria-label="Article">{_marked_article(article, highlights)}</section>',
        f'<aside id="summary" aria-label="Summary">{_summary_panel(summary)}</aside></main>',
    ]
    if meta:
        parts.append(
            f"<footer>{_e(meta.get('model', ''))} via {_e(meta.get('backend', ''))}, "
            f"prompt {_e(meta.get('prompt_version', ''))}, {float(meta.get('seconds', 0)):.1f} s</footer>"
        )
    parts.append(f"<script>{_SCRIPT}</script></body></html>\n")
    return "\n".join(parts)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _headline(field: str, item: BaseModel) -> str:
    if field == "topics":
        return str(getattr(item, "label", ""))
    if field == "disputed_claims":
        return str(getattr(item, "claim", ""))
    return str(getattr(item, "name", ""))


def _highlights(summary: ArticleSummary, length: int) -> Iterable[_Highlight]:
    meeting = summary.meeting
    for field in MEETING_FIELDS:
        evidence: Evidence | None = getattr(meeting, f"{field}_evidence")
        if evidence is not None and evidence.span is not None and 0 <= evidence.span[0] < evidence.span[1] <= length:
            yield _Highlight(
                f"meeting-{field}", "meeting", *evidence.span, f"meeting {field}: {getattr(meeting, field)}"
            )
    for field in ITEM_FIELDS:
        for index, item in enumerate(summary.items(field)):
            evidence = getattr(item, "evidence", None)
            if evidence is None or evidence.span is None:
                continue
            start, end = evidence.span
            if 0 <= start < end <= length:
                yield _Highlight(f"{field}-{index}", field, start, end, f"{_SINGULAR[field]}: {_headline(field, item)}")


def _marked_article(article: str, highlights: list[_Highlight]) -> str:
    """The article cut at every span boundary; each piece is marked with every item whose span covers it."""
    bounds = sorted({0, len(article), *(h.start for h in highlights), *(h.end for h in highlights)})
    pieces = []
    for start, end in itertools.pairwise(bounds):
        text = _e(article[start:end])
        covering = [h for h in highlights if h.start <= start and end <= h.end]
        if not covering:
            pieces.append(text)
            continue
        classes = f"f-{covering[0].field}" + (" multi" if len(covering) > 1 else "")
        ids = " ".join(h.item_id for h in covering)
        title = "; ".join(h.title for h in covering)
        pieces.append(f'<mark class="{classes}" data-items="{ids}" title="{_e(title)}">{text}</mark>')
    return "".join(pieces)


def _summary_panel(summary: ArticleSummary) -> str:
    parts = [f"<p>{_e(summary.summary)}</p>"]
    # The place and the date are the article's words: each is tied to its highlight like an item.
    line = "".join(
        f'<span class="f-meeting" data-item="meeting-{field}">{_e(text)}</span>' if field else _e(text)
        for text, field in meeting_line(summary.meeting)
    )
    parts.append(f"<p><strong>Meeting:</strong> {line}</p>")
    for field in ITEM_FIELDS:
        items = summary.items(field)
        parts.append(f'<h2 class="f-{field}">{_LABELS[field]}</h2>')
        if not items:
            parts.append("<p><em>None reported.</em></p>")
            continue
        entries = [
            f'<li data-item="{field}-{index}">{_item_text(field, item)}{_evidence_text(item)}</li>'
            for index, item in enumerate(items)
        ]
        parts.append(f"<ul>{''.join(entries)}</ul>")
    parts.append(_dropped_section(summary.dropped))
    return "".join(parts)


def _item_text(field: str, item: BaseModel) -> str:
    data = item.model_dump(mode="json", exclude={"evidence"})
    if field == "participants":
        extra = ", ".join(x for x in (data.get("role"), data.get("side") and f"for {data['side']}") if x)
        return f"<strong>{_e(data['name'])}</strong>" + (f" — {_e(extra)}" if extra else "")
    if field == "mediators":
        return f"<strong>{_e(data['name'])}</strong> ({_e(data['kind'])})"
    if field == "topics":
        return f"<strong>{_e(data['label'])}</strong> — {_e(data['detail'])}"
    if field == "disputed_claims":
        return (
            f"{_e(data['claim'])} — claimed by <strong>{_e(', '.join(data['claimed_by']))}</strong>; "
            f"{_e(data['stance'])} by <strong>{_e(', '.join(data['disputed_by']))}</strong>"
        )
    return f"<strong>{_e(data['name'])}</strong>"


def _evidence_text(item: BaseModel) -> str:
    evidence: Evidence | None = getattr(item, "evidence", None)
    if evidence is None or not evidence.quote:
        return ""
    badge = evidence.match.value if evidence.match else "not found"
    if evidence.problem is not None:
        badge = f"ungrounded: {evidence.problem.value}"
    return f'<div class="quote">“{_e(evidence.quote)}” <span class="match">{_e(badge)}</span></div>'


def _dropped_section(dropped: list[DroppedItem]) -> str:
    if not dropped:
        return '<h2 id="dropped">Dropped</h2><p><em>Nothing was dropped.</em></p>'
    entries = []
    for entry in dropped:
        entries.append(
            f"<li>{_e(_SINGULAR.get(entry.field, entry.field))} <strong>{_e(entry.headline)}</strong>: "
            f"{_e(entry.detail)} <span class='match'>{_e(entry.reason.value)}</span></li>"
        )
    return f'<h2 id="dropped">Dropped</h2><ul class="dropped">{"".join(entries)}</ul>'
