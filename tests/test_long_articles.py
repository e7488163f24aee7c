"""Long articles: read in chunks that fit the context, merged into one summary of the whole article."""

from __future__ import annotations

import pytest

from summarizer import ArticleTooLongError, Settings, Summarizer
from summarizer._schema import ArticleSummary
from summarizer.pipeline import merge_summaries
from summarizer.testing import TaskBackend, answer_from_summary
from summarizer.text import chunk_spans
from tests.conftest import summary_dict

HEAD = "Ada Brook of Northland met Tomas Rehn of Southland in Oslo on Monday for talks on the coast road.\n\n"
FILLER = "Update {n}: reporters outside the hall were told a statement could come later; traffic stays closed.\n\n"
TAIL = (
    "Final update: the talks were mediated by Marit Solhaug of the Island Council. "
    "Southland press said Northland agreed to reopen the road by December; the Northland ministry denied it."
)
LONG = HEAD + "".join(FILLER.format(n=n) for n in range(120)) + TAIL


def quote(text: str) -> dict[str, str]:
    return {"quote": text}


WHOLE = summary_dict(
    summary="Ada Brook and Tomas Rehn met in Oslo.",
    meeting={"status": "held", "date": "Monday", "location": "Oslo"},
    parties=[
        {"name": "Northland", "evidence": quote("Ada Brook of Northland")},
        {"name": "Southland", "evidence": quote("Tomas Rehn of Southland")},
    ],
    participants=[
        {"name": "Ada Brook", "role": None, "side": "Northland", "evidence": quote("Ada Brook of Northland met")},
        {"name": "Tomas Rehn", "role": None, "side": "Southland", "evidence": quote("Tomas Rehn of Southland")},
    ],
    mediators=[{"name": "Marit Solhaug", "kind": "person", "evidence": quote("mediated by Marit Solhaug")}],
    topics=[{"label": "coast road", "detail": "", "evidence": quote("talks on the coast road")}],
    disputed_claims=[
        {
            "claim": "Northland agreed to reopen the road by December.",
            "claimed_by": ["Southland press"],
            "disputed_by": ["Northland ministry"],
            "stance": "denied",
            "evidence": quote("Northland agreed to reopen the road by December"),
        }
    ],
)


def reader_of(article):
    """A model that answers only what the text it was shown holds (the request's chunk, else the whole
    ``article``): each item whose quote is in it."""
    return lambda request: what_is_in(request.article if request.article is not None else article, request)


def what_is_in(text, request):
    document = dict(WHOLE)
    for field in ("parties", "participants", "mediators", "topics", "disputed_claims"):
        document[field] = [item for item in WHOLE[field] if item["evidence"]["quote"] in text]
    if "Oslo" not in text:
        document["meeting"] = {"status": "unclear", "date": None, "location": None}
    return answer_from_summary(document)(request)


def run_long(article: str = LONG, *, window: int = 3000, **settings):
    backend = TaskBackend(reader_of(article), context_window=window)
    result = Summarizer(backend, settings=Settings(strategy="focused", max_tokens=200, **settings)).run(article)
    return backend, result


def test_chunks_end_at_line_breaks_then_sentences_then_spaces_never_inside_a_character():
    text = "Head line\n\nPara one is here. It has two sentences.\nPara two.\n" + "x" * 30 + " yy 👩‍👩‍👧 zz"
    assert [text[s:e] for s, e in chunk_spans(text, 40)] == [
        "Head line",
        "Para one is here. It has two sentences.",
        "Para two.",
        "x" * 30 + " yy 👩‍👩‍👧",
        "zz",
    ]
    assert [text[s:e] for s, e in chunk_spans(text, 20)][2:4] == ["It has two", "sentences.\nPara two."]
    assert chunk_spans(text, 10_000) == [(0, len(text))]
    unspaced = "会談した" * 10
    assert all(e - s <= 7 for s, e in chunk_spans(unspaced, 7))
    with pytest.raises(ValueError, match="at least 1"):
        chunk_spans(text, 0)


def test_a_long_article_is_read_in_chunks_and_a_fact_only_at_its_end_reaches_the_summary():
    backend, result = run_long()
    summary = result.summary
    assert result.meta.chunks > 2
    assert {r.article for r in backend.tasks} == {LONG[s:e] for s, e in _chunks_of(backend)}
    assert [m.name for m in summary.mediators] == ["Marit Solhaug"]
    assert [c.claim for c in summary.disputed_claims] == ["Northland agreed to reopen the road by December."]
    assert [p.name for p in summary.participants] == ["Ada Brook", "Tomas Rehn"]
    assert (summary.meeting.status.value, summary.meeting.location) == ("held", "Oslo")
    for field in ("parties", "participants", "mediators", "topics", "disputed_claims"):
        for item in summary.items(field):
            start, end = item.evidence.span
            assert LONG[start:end] == item.evidence.quote  # offsets into the whole article, not the chunk


def _chunks_of(backend):
    seen = []
    for task in backend.tasks:
        if task.article not in seen:
            seen.append(task.article)
    position, spans = 0, []
    for text in seen:
        start = LONG.index(text, position)
        spans.append((start, start + len(text)))
        position = start + len(text)
    return spans


def test_an_article_that_fits_is_read_whole_in_one_plan():
    backend, result = run_long(HEAD + TAIL)
    assert result.meta.chunks == 1
    assert {r.article for r in backend.tasks} == {None}


def test_too_long_for_any_chunk_or_for_the_chunk_limit_is_refused_before_any_model_call():
    backend = TaskBackend(reader_of(LONG), context_window=1200)
    with pytest.raises(
        ArticleTooLongError, match=r"raise the context \(--n-ctx, or the server's\) or lower --max-tokens"
    ):
        Summarizer(backend, settings=Settings(max_tokens=200)).run(LONG)
    assert backend.tasks == []
    backend = TaskBackend(reader_of(LONG), context_window=3000)
    with pytest.raises(ArticleTooLongError, match=r"more than the limit of 2 \(raise it with SUMMARIZER_MAX_CHUNKS"):
        Summarizer(backend, settings=Settings(max_tokens=200, max_chunks=2)).run(LONG)
    assert backend.tasks == []


def test_merging_keeps_one_entity_once_with_its_best_grounded_quote_and_moves_spans():
    first = ArticleSummary.model_validate(
        summary_dict(
            participants=[
                {
                    "name": "Ada Brook",
                    "role": None,
                    "side": None,
                    "evidence": {"quote": "Ada", "span": [0, 3], "match": "fuzzy"},
                }
            ],
            mediators=[],
            disputed_claims=[],
        )
    )
    second = ArticleSummary.model_validate(
        summary_dict(
            participants=[
                {
                    "name": "Brook",
                    "role": None,
                    "side": None,
                    "evidence": {"quote": "Brook", "span": [4, 9], "match": "exact"},
                },
                {
                    "name": "Tomas Rehn",
                    "role": None,
                    "side": None,
                    "evidence": {"quote": "Rehn", "span": [10, 14], "match": "exact"},
                },
            ],
            meeting={"status": "unclear", "date": None, "location": "Oslo"},
        )
    )
    merged = merge_summaries([(0, first), (100, second)])
    assert [(p.name, p.evidence.span) for p in merged.participants] == [
        ("Brook", (104, 109)),
        ("Tomas Rehn", (110, 114)),
    ]
    assert [p.name for p in merged.parties] == ["Northland", "Southland"]
    assert len(merged.disputed_claims) == 1
    assert (merged.meeting.status.value, merged.meeting.date, merged.meeting.location) == ("held", "Wednesday", "Oslo")
    assert merged.summary == first.summary
