"""The brief a reader sees: its sentences that Markdown and HTML both show, worded once in plain text (each
format escapes the pieces and may mark the ones from the article), and what would read as broken in it."""

from __future__ import annotations

import re

from ._drafts import CUT_MARK
from ._schema import MEETING_FIELDS, ArticleSummary, DropReason, Evidence, Meeting, MeetingStatus
from .pipeline._finish import echoes

__all__ = ["brief_problems", "meeting_line"]

# The brief's own words are English; the article's place and date stay in the article's words.
_STATUS_PHRASES = {
    MeetingStatus.held: "Talks held",
    MeetingStatus.ongoing: "Talks under way",
    MeetingStatus.planned: "Talks planned",
    MeetingStatus.postponed: "Talks postponed",
    MeetingStatus.cancelled: "Talks cancelled",
    MeetingStatus.refused: "Talks refused by a side",
    MeetingStatus.denied: "Talks denied",
    MeetingStatus.unclear: "Talks (status unclear)",
}
# A date that reads after "on": a weekday, a month with its day ("March 1", "1 March"), or an ISO date. Not a
# year ("2024") or a time ("3 p.m."), which follow a comma like any other wording.
_MONTH = (
    r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?"
    r"|nov(ember)?|dec(ember)?)"
)
_DAY = re.compile(
    rf"^((mon|tues|wednes|thurs|fri|satur|sun)day\b|{_MONTH}\.?\s+\d|\d{{1,2}}(st|nd|rd|th)?\s+{_MONTH}\b|\d{{4}}-\d\d-\d\d\b)",
    re.IGNORECASE,
)


def meeting_line(meeting: Meeting) -> list[tuple[str, str | None]]:
    """The meeting as the brief's one line, in pieces ``(text, field)``: ``field`` is ``"location"`` or
    ``"date"`` for the article's own words, None for the brief's. Only what is known is said: "Talks held
    in Khojaly on Wednesday", "Talks denied". A date no preposition surely fits ("yesterday", "el martes")
    follows a comma."""
    pieces: list[tuple[str, str | None]] = [(_STATUS_PHRASES[meeting.status], None)]
    if meeting.location:
        pieces += [(" in ", None), (meeting.location, "location"), *_unfound(meeting.location_evidence)]
    if meeting.date:
        pieces += [(" on " if _DAY.match(meeting.date.strip()) else ", ", None), (meeting.date, "date")]
        pieces += _unfound(meeting.date_evidence)
    pieces.append((".", None))
    return pieces


def _unfound(evidence: Evidence | None) -> list[tuple[str, str | None]]:
    """A value kept by ``--keep-ungrounded`` says why it was flagged: the article does not state it, as an
    item's flag says, or (``low_confidence``) the model does not hold it to be where the talks were."""
    if evidence is None or evidence.problem is None:
        return []
    if evidence.problem is DropReason.low_confidence:
        return [(" (may not be where the talks were)", None)]
    return [(" (not found in the article)", None)]


def brief_problems(summary: ArticleSummary, markdown: str) -> list[str]:
    """What a reader of the brief would see as broken, one line each; ``markdown`` is the brief as rendered.

    A free text (``summary``, a topic's ``detail``, a ``claim``) still cut by the generation bound; a topic
    detail that repeats its label; a meeting place or date the article does not state (a placeholder such
    as "not specified"); an empty summary. In the Markdown, which the renderer should never write: a section
    heading with nothing under it, "None" on the meeting line.
    """
    problems = [] if summary.summary.strip() else ["empty: the summary has no sentence"]
    texts = [("summary", summary.summary)]
    texts += [(f"topic {t.label!r}", t.detail) for t in summary.topics]
    texts += [("claim", c.claim) for c in summary.disputed_claims]
    problems += [f"cut: {where} ends {text[-40:]!r}" for where, text in texts if text.endswith(CUT_MARK)]
    problems += [
        f"echo: topic {t.label!r} has the detail {t.detail!r}" for t in summary.topics if echoes(t.label, t.detail)
    ]
    for field in MEETING_FIELDS:
        value, evidence = getattr(summary.meeting, field), getattr(summary.meeting, f"{field}_evidence")
        if value is not None and (evidence is None or evidence.span is None):
            problems.append(f"ungrounded: meeting {field} {value!r} is not the article's")
    lines = [line for line in markdown.splitlines() if line.strip()]
    for line, after in zip(lines, [*lines[1:], ""], strict=True):
        if line.startswith("#") and (not after or after.startswith("#")):
            problems.append(f"empty section: {line!r}")
        if line.startswith("**Meeting:**") and ("None" in line or "null" in line):
            problems.append(f"placeholder on the meeting line: {line!r}")
    return problems
