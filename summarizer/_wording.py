"""Sentences of the brief that Markdown and HTML both show, worded once in plain text; each format escapes
the pieces and may mark the ones that come from the article."""

from __future__ import annotations

import re

from ._schema import Meeting, MeetingStatus

__all__ = ["meeting_line"]

# The brief's own words are English; the article's place and date stay in the article's words.
_STATUS_PHRASES = {
    MeetingStatus.held: "Talks held",
    MeetingStatus.ongoing: "Talks under way",
    MeetingStatus.planned: "Talks planned",
    MeetingStatus.postponed: "Talks postponed",
    MeetingStatus.cancelled: "Talks cancelled",
    MeetingStatus.refused: "Talks refused by a side",
    MeetingStatus.denied: "Talks denied",
    MeetingStatus.unclear: "Talks reported; whether held is unclear",
}
# A date that reads after "on": a day number, a weekday, or a month with its day ("March 1").
_DAY = re.compile(
    r"^(\d|(mon|tues|wednes|thurs|fri|satur|sun)day\b|"
    r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|"
    r"nov(ember)?|dec(ember)?)\.?\s+\d)",
    re.IGNORECASE,
)


def meeting_line(meeting: Meeting) -> list[tuple[str, str | None]]:
    """The meeting as the brief's one line, in pieces ``(text, field)``: ``field`` is ``"location"`` or
    ``"date"`` for the article's own words, None for the brief's. Only what is known is said: "Talks held
    in Khojaly on Wednesday", "Talks denied". A date no preposition surely fits ("yesterday", "el martes")
    follows a comma."""
    pieces: list[tuple[str, str | None]] = [(_STATUS_PHRASES[meeting.status], None)]
    if meeting.location:
        pieces += [(" in ", None), (meeting.location, "location")]
    if meeting.date:
        pieces += [(" on " if _DAY.match(meeting.date.strip()) else ", ", None), (meeting.date, "date")]
    pieces.append((".", None))
    return pieces
