"""The finishing step: free text completed from the article where the generation bound cut it, echoes gone."""

import itertools
import random

from summarizer import ArticleSummary
from summarizer._drafts import CUT_MARK
from summarizer.pipeline._finish import echoes, finish_text
from summarizer.reading import read
from tests.conftest import summary_dict

ARTICLE = (
    "Northland and Southland met in Harbourtown on Monday. "
    "They discussed a schedule for repairing the rail line and hoped trains could run again by the autumn. "
    "Fishing quotas in the shared sea were raised too."
)


def finished(**overrides):
    return finish_text(ArticleSummary.model_validate(summary_dict(**overrides)), read(ARTICLE))


def _topic(label, detail):
    return {"label": label, "detail": detail, "evidence": None}


def test_a_cut_copy_of_an_article_sentence_is_completed_with_the_articles_words():
    summary = finished(topics=[_topic("rail repairs", "They discussed a schedule for repairing the rail line and…")])
    assert summary.topics[0].detail == (
        "They discussed a schedule for repairing the rail line and hoped trains could run again by the autumn."
    )


def test_a_text_the_model_ended_inside_a_copied_sentence_is_completed_too():
    summary = finished(summary="Northland and Southland met. They discussed a schedule for repairing the rail")
    assert summary.summary == (
        "Northland and Southland met. They discussed a schedule for repairing the rail line and hoped trains "
        "could run again by the autumn."
    )


def test_a_cut_text_not_in_the_article_keeps_its_whole_sentences_or_its_mark():
    two = finished(summary="The sides met in Harbourtown. They then agreed to look again at the quotas of…")
    assert two.summary == "The sides met in Harbourtown."
    one = finished(summary="The sides agreed to look again at the quotas of…")
    assert one.summary == "The sides agreed to look again at the quotas of…"


def test_a_headline_style_text_the_model_ended_on_purpose_is_left_as_it_is():
    assert finished(summary="Sides meet in Harbourtown").summary == "Sides meet in Harbourtown"


def test_a_detail_that_echoes_its_label_becomes_the_articles_sentence_naming_it():
    summary = finished(topics=[_topic("fishing quotas", "Fishing quotas"), _topic("a tax on fish", "a tax on fish")])
    assert [t.detail for t in summary.topics] == [
        "Fishing quotas in the shared sea were raised too.",
        "a tax on fish",  # the article never names it: nothing better to say
    ]


def test_a_claims_cut_text_is_completed_and_the_rest_of_the_summary_is_untouched():
    before = ArticleSummary.model_validate(summary_dict())
    after = finish_text(before, read(ARTICLE))
    assert after == before  # nothing cut, nothing echoed


def test_finishing_never_cuts_a_word_and_never_leaves_an_echo_the_article_can_replace():
    # Many labels and details drawn from the article's words and others, with and without the cut mark.
    draw = random.Random(0)
    label_words = ["rail", "line", "the", "quotas", "Fishing", "sea", "Harbourtown", "Zoë"]
    detail_words = ["rail", "line", "the", "quotas", "fishing", "raised", "tax", "."]
    for _, marked in itertools.product(range(150), (False, True)):
        label = " ".join(draw.sample(label_words, draw.randint(1, 4)))
        detail = " ".join(draw.choices(detail_words, k=draw.randint(0, 8))) + (CUT_MARK if marked else "")
        topic = finished(topics=[_topic(label, detail)]).topics[0]
        if topic.detail != detail:  # an article sentence; or the text completed, or cut back, to a sentence end
            assert topic.detail.endswith("."), (label, detail, topic.detail)
            original = detail.removesuffix(CUT_MARK).rstrip()
            assert topic.detail in ARTICLE or topic.detail.startswith(original) or original.startswith(topic.detail), (
                label,
                detail,
                topic.detail,
            )
        if echoes(topic.label, topic.detail):  # kept only where no sentence of the article names it better
            assert topic.detail == detail, (label, detail)


def test_a_completion_keeps_the_articles_spacing_before_punctuation():
    copied = finished(topics=[_topic("rail line", "They discussed a schedule for repairing the rail line")])
    assert copied.topics[0].detail == (
        "They discussed a schedule for repairing the rail line and hoped trains could run again by the autumn."
    )
    cut_at_comma = "Northland and Southland met in Harbourtown on Monday…"  # the article goes on ", and ..."
    article = ARTICLE.replace("Harbourtown on Monday.", "Harbourtown on Monday, and agreed to meet again.")
    done = finish_text(ArticleSummary.model_validate(summary_dict(summary=cut_at_comma)), read(article))
    assert done.summary == "Northland and Southland met in Harbourtown on Monday, and agreed to meet again."


def test_an_echoed_detail_that_the_article_lists_mid_sentence_becomes_the_whole_sentence():
    summary = finished(topics=[_topic("repairing the rail line", "repairing the rail line")])
    assert summary.topics[0].detail == (
        "They discussed a schedule for repairing the rail line and hoped trains could run again by the autumn."
    )


def test_a_headline_copied_as_a_topic_gets_the_lede_as_its_detail():
    article = "Ports deal agreed\n\nNorthland and Southland agreed a ports deal on Monday after long talks."
    summary = finish_text(
        ArticleSummary.model_validate(summary_dict(topics=[_topic("Ports deal agreed", "Ports deal agreed")])),
        read(article),
    )
    assert summary.topics[0].detail == "Northland and Southland agreed a ports deal on Monday after long talks."


def test_a_cut_paraphrase_the_article_cannot_complete_ends_at_a_clause_or_becomes_the_articles_sentence():
    summary = finished(
        summary="The sides met in Harbourtown on Monday for their first talks in two years, and then about…",
        topics=[_topic("fishing quotas", "Quotas were the sides' first subject, with the ministers…")],
        disputed_claims=[],
    )
    assert summary.summary == "The sides met in Harbourtown on Monday for their first talks in two years."
    assert summary.topics[0].detail == "Fishing quotas in the shared sea were raised too."
    # A clause under half the text would lose what it says: the mark stays.
    short = finished(summary="They met, and then talked for hours about the quotas for the shared sea and…")
    assert short.summary.endswith(CUT_MARK)
