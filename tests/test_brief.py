"""The brief a reader sees: the meeting line says only what is known, and broken text is found."""

import pytest

from summarizer import ArticleSummary
from summarizer._brief import brief_problems, meeting_line
from summarizer._render import OutputFormat, render
from summarizer._schema import Meeting
from tests.conftest import summary_dict


@pytest.mark.parametrize(
    ("meeting", "line"),
    [
        ({"status": "held", "location": "Khojaly", "date": "Wednesday"}, "Talks held in Khojaly on Wednesday."),
        ({"status": "denied", "location": None, "date": None}, "Talks denied."),
        ({"status": "planned", "location": None, "date": "March 1"}, "Talks planned on March 1."),
        ({"status": "held", "location": "Valdeluz", "date": "el martes"}, "Talks held in Valdeluz, el martes."),
        ({"status": "unclear", "location": "Doha", "date": "yesterday"}, "Talks (status unclear) in Doha, yesterday."),
        ({"status": "held", "location": None, "date": "2024"}, "Talks held, 2024."),  # a year is no day
        ({"status": "held", "location": None, "date": "3 p.m. local time"}, "Talks held, 3 p.m. local time."),
        ({"status": "held", "location": None, "date": "1 March"}, "Talks held on 1 March."),
        (
            {
                "status": "held",
                "location": "not specified",
                "date": None,
                "location_evidence": {"quote": "not specified", "problem": "quote_not_found"},
            },
            "Talks held in not specified (not found in the article).",  # kept by --keep-ungrounded, flagged
        ),
    ],
)
def test_the_meeting_line_says_only_what_is_known(meeting, line):
    assert "".join(text for text, _ in meeting_line(Meeting.model_validate(meeting))) == line


def test_the_article_s_place_and_date_are_the_pieces_marked_as_such():
    pieces = meeting_line(Meeting(status="held", location="Khojaly", date="Wednesday"))
    assert [(text, field) for text, field in pieces if field] == [("Khojaly", "location"), ("Wednesday", "date")]


def _problems(**overrides):
    summary = ArticleSummary.model_validate(summary_dict(**overrides))
    return brief_problems(summary, render(summary, OutputFormat.markdown))


def test_a_sound_brief_has_no_problems():
    assert _problems() == []


def test_cut_text_echoes_and_ungrounded_meeting_values_are_problems():
    problems = _problems(
        summary="The sides met and agreed to…",
        topics=[{"label": "road", "detail": "Road.", "evidence": None}],
        meeting={"status": "held", "date": None, "location": "not specified"},
    )
    assert problems == [
        "cut: summary ends 'The sides met and agreed to…'",
        "echo: topic 'road' has the detail 'Road.'",
        "ungrounded: meeting location 'not specified' is not the article's",
    ]


def test_an_empty_summary_is_a_problem():
    assert _problems(summary="") == ["empty: the summary has no sentence"]


def test_an_empty_section_and_none_on_the_meeting_line_are_problems():
    summary = ArticleSummary.model_validate(summary_dict())
    broken = "# Summary\n\nText.\n\n**Meeting:** held, None\n\n## Parties\n\n## Topics\n\n- road\n"
    assert brief_problems(summary, broken) == [
        "placeholder on the meeting line: '**Meeting:** held, None'",
        "empty section: '## Parties'",
    ]
