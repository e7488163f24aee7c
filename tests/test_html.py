"""The HTML report: escaped, self-contained, and its highlights are the quotes, checked in a real browser."""

import re

from summarizer import ArticleSummary
from summarizer._render import OutputFormat, render
from summarizer.grounding import Grounding
from tests.browser import SCREENSHOTS, load_report
from tests.conftest import summary_dict

HOSTILE = (
    "Ada Brook of Northland met Southland's envoy Tomas Rehn on Wednesday, mediated by the Island Council. "
    '<script>window.pwned = true</script><img src="https://example.com/x.png" onerror="window.pwned = true"> '
    "They discussed reopening the coast road to trucks — and “Zoë’s” bridge. "
    "Southland press said the border was discussed; the Northland ministry denied it."
)


def hostile_report():
    """A summary of ``HOSTILE`` with quotes that match exactly, after normalisation and not at all."""
    document = summary_dict(
        topics=[
            {"label": "road", "detail": "The coast road.", "evidence": {"quote": "reopening the coast road to trucks"}},
            {"label": "bridge", "detail": "A bridge.", "evidence": {"quote": 'trucks - and "Zoe\'s" bridge'}},
            {"label": "<b>tax</b>", "detail": "Invented.", "evidence": {"quote": "a tax on fish"}},
        ]
    )
    for field in ("parties", "participants", "mediators", "disputed_claims"):
        for item in document[field]:
            item["evidence"] = {"quote": item["evidence"]["quote"]}
    grounding = Grounding(ArticleSummary.model_validate(document), HOSTILE)
    return grounding.settle()


def test_article_and_answer_text_are_escaped():
    page = render(hostile_report(), OutputFormat.html, article=HOSTILE)
    assert "<script>window.pwned" not in page
    assert "&lt;script&gt;window.pwned = true&lt;/script&gt;" in page
    assert "<b>tax</b>" not in page
    assert len(re.findall(r"<script>", page)) == 1  # the report's own


def test_report_has_no_external_assets():
    page = render(hostile_report(), OutputFormat.html, article=HOSTILE)
    assert not re.search(r"""\s(?:src|href)\s*=\s*["'](?!#)""", page.replace("&quot;", ""))
    assert "default-src 'none'" in page


def test_report_in_headless_chromium(tmp_path):
    summary = hostile_report()
    path = tmp_path / "report.html"
    path.write_text(render(summary, OutputFormat.html, article=HOSTILE), encoding="utf-8")
    page = load_report(path, SCREENSHOTS / "hostile-report.png", click="li[data-item='topics-1']")

    assert page.console_errors == []
    assert page.requests == [path.resolve().as_uri()]
    # The item and both pieces of its highlight, cut where the road topic's quote ends.
    assert page.globals == {"pwned": False, "active": 3}
    assert "<script>window.pwned = true</script>" in page.article_text  # shown as text
    assert page.screenshot.stat().st_size > 10_000

    expected = {}
    for field in ("parties", "participants", "mediators", "topics", "disputed_claims"):
        for index, item in enumerate(summary.items(field)):
            start, end = item.evidence.span
            expected[f"{field}-{index}"] = HOSTILE[start:end]
    # The meeting's date is the article's word, highlighted where the article states it.
    expected["meeting-date"] = "Wednesday"
    assert page.items == expected
    assert page.items["topics-0"] == "reopening the coast road to trucks"  # exact: the quote itself
    assert page.items["topics-1"] == "trucks — and “Zoë’s” bridge"  # normalised: the article's own characters
    assert [d.item["label"] for d in summary.dropped] == ["<b>tax</b>"]
