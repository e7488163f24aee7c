"""Long articles: read in chunks that fit the context, merged into one summary of the whole article."""

from __future__ import annotations

import pytest

from summarizer import ArticleTooLongError, Settings, Summarizer
from summarizer._probabilities import CONTENT_FREE
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


def test_a_chunk_repeats_the_short_paragraph_that_ended_the_one_before():
    text = "\n".join(f"Paragraph {n} says something." for n in range(6))  # 26 characters a line
    chunks = [text[s:e] for s, e in chunk_spans(text, 110)]
    assert chunks[0].splitlines()[-1] == chunks[1].splitlines()[0]
    assert [c.splitlines()[0][:11] for c in chunks] == ["Paragraph 0", "Paragraph 2", "Paragraph 4"]


def test_a_long_article_is_read_in_chunks_and_a_fact_only_at_its_end_reaches_the_summary():
    backend, result = run_long()
    summary = result.summary
    assert result.meta.chunks > 2
    read = {r.article for r in backend.tasks if not r.choices}
    assert read == {LONG[s:e] for s, e in _chunks_of(backend)}
    # Each chunk's venue question is asked over that chunk, and its content-free half over the stand-in.
    venue = {r.article for r in backend.tasks if r.choices}
    assert CONTENT_FREE in venue
    assert venue - {CONTENT_FREE} <= read
    assert [m.name for m in summary.mediators] == ["Marit Solhaug"]
    assert [c.claim for c in summary.disputed_claims] == ["Northland agreed to reopen the road by December."]
    assert [p.name for p in summary.participants] == ["Ada Brook", "Tomas Rehn"]
    assert (summary.meeting.status.value, summary.meeting.location) == ("held", "Oslo")
    place = summary.meeting.location_evidence
    assert place is not None
    assert place.span is not None
    assert LONG[place.span[0] : place.span[1]] == "Oslo"  # the chunk that names it, moved into the article
    for field in ("parties", "participants", "mediators", "topics", "disputed_claims"):
        for item in summary.items(field):
            start, end = item.evidence.span
            assert LONG[start:end] == item.evidence.quote  # offsets into the whole article, not the chunk


def _chunks_of(backend):
    seen = []
    for task in backend.tasks:
        if task.article not in seen and not task.choices:
            seen.append(task.article)
    position, spans = 0, []
    for text in seen:
        start = LONG.index(text, position)
        spans.append((start, start + len(text)))
        position = start + 1
    return spans


def test_an_article_that_fits_is_read_whole_in_one_plan():
    backend, result = run_long(HEAD + TAIL)
    assert result.meta.chunks == 1
    assert {r.article for r in backend.tasks if not r.choices} == {None}


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


def _person(name, quote, span, match, **fields):
    evidence = {"quote": quote, "span": span, "match": match}
    return {"name": name, "role": None, "side": None, "evidence": evidence, **fields}


def test_merging_keeps_one_entity_once_by_its_fullest_name_with_its_best_quote_and_moves_spans():
    first = ArticleSummary.model_validate(
        summary_dict(
            summary="",
            participants=[_person("Ada Brook", "Ada", [0, 3], "fuzzy")],
            mediators=[],
            disputed_claims=[],
        )
    )
    second = ArticleSummary.model_validate(
        summary_dict(
            summary="Second chunk's summary.",
            participants=[
                _person("Brook", "Brook", [4, 9], "exact", role="envoy"),
                _person("Tomas Rehn", "Rehn", [10, 14], "exact"),
            ],
            meeting={
                "status": "unclear",
                "date": None,
                "location": "Oslo",
                "location_evidence": {"quote": "Oslo", "span": [20, 24], "match": "exact"},
            },
        )
    )
    merged = merge_summaries([(0, first), (100, second)])
    assert [(p.name, p.role, p.evidence.span if p.evidence else None) for p in merged.participants] == [
        ("Ada Brook", "envoy", (104, 109)),
        ("Tomas Rehn", None, (110, 114)),
    ]
    assert [p.name for p in merged.parties] == ["Northland", "Southland"]
    assert len(merged.disputed_claims) == 1
    assert (merged.meeting.status.value, merged.meeting.date, merged.meeting.location) == ("held", "Wednesday", "Oslo")
    # Each value keeps the evidence of the chunk it came from, moved by that chunk's offset.
    assert merged.meeting.location_evidence is not None
    assert merged.meeting.location_evidence.span == (120, 124)
    assert merged.meeting.date_evidence == first.meeting.date_evidence
    assert merged.summary == "Second chunk's summary."  # the first chunk had none


def test_merged_lists_keep_to_the_contracts_limits_and_list_the_rest_as_dropped():
    def chunk(n):
        topics = [{"label": f"subject {n}-{k}", "detail": "", "evidence": None} for k in range(3)]
        return ArticleSummary.model_validate(summary_dict(topics=topics, disputed_claims=[]))

    merged = merge_summaries([(i * 100, chunk(i)) for i in range(5)])
    ArticleSummary.model_validate(merged.model_dump(mode="json"))  # what the schema allows
    assert len(merged.topics) == 8
    assert [d.reason.value for d in merged.dropped] == ["over_limit"] * 7
    assert merged.topics[0].label == "subject 0-0"


def test_a_claim_that_only_shares_words_with_another_is_not_merged_into_it():
    def chunk(claim):
        claims = [{"claim": claim, "claimed_by": ["A"], "disputed_by": ["B"], "stance": "denied", "evidence": None}]
        return ArticleSummary.model_validate(summary_dict(disputed_claims=claims))

    merged = merge_summaries(
        [
            (0, chunk("Estmark agreed to reopen the rail crossing.")),
            (
                50,
                chunk(
                    "Solberg said Estmark agreed to reopen the rail crossing by December after a long night of talks."
                ),
            ),
        ]
    )
    assert len(merged.disputed_claims) == 2
    repeated = merge_summaries(
        [
            (0, chunk("Estmark agreed to reopen the crossing.")),
            (50, chunk("Estmark had agreed to reopen the crossing.")),
        ]
    )
    assert len(repeated.disputed_claims) == 1


def test_a_language_read_by_the_model_alone_is_chunked_by_its_largest_pass_not_failed_after_a_call():
    # No denial cue list for Croatian: the disputes pass repeats the first 40 sentences after the article,
    # so that pass, not the meeting pass, decides whether the article fits.
    sentence = "Delegacije su razgovarale o cesti, mostu, luci i carini, a novinari su čekali ispred zgrade. "
    article = HEAD + sentence * 80
    backend, result = run_long(article, language="hr")
    assert result.meta.chunks > 1
    sizes = [sum(len(str(m["content"]).split()) for m in r["messages"]) for r in backend.requests]
    assert max(sizes) <= 3000 - 200


def test_a_place_one_chunk_could_not_ground_is_no_news_where_another_chunk_grounded_one():
    unplaced = ArticleSummary.model_validate(
        summary_dict(
            meeting={"status": "held", "date": None, "location": None},
            dropped=[
                {"field": "meeting", "item": {"location": "not specified"}, "reason": "quote_not_found", "detail": "-"},
                {"field": "meeting", "item": {"date": "not specified"}, "reason": "quote_not_found", "detail": "-"},
            ],
        )
    )
    flagged = {"quote": "Lakeside", "problem": "quote_not_found"}  # kept by --keep-ungrounded
    earlier = ArticleSummary.model_validate(
        summary_dict(meeting={"status": "held", "date": None, "location": "Lakeside", "location_evidence": flagged})
    )
    placed = ArticleSummary.model_validate(
        summary_dict(
            meeting={
                "status": "held",
                "date": None,
                "location": "Oslo",
                "location_evidence": {"quote": "Oslo", "span": [20, 24], "match": "exact"},
            }
        )
    )
    merged = merge_summaries([(0, unplaced), (100, earlier), (200, placed)])
    assert merged.meeting.location == "Oslo"  # the grounded place, before an earlier chunk's flagged one
    assert [d.item for d in merged.dropped if d.field == "meeting"] == [{"date": "not specified"}]
