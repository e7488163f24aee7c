from summarizer import Settings, Summarizer
from summarizer._cues import dispute_sentences
from summarizer.testing import FunctionBackend, answer_from_summary
from tests.conftest import ARTICLE, summary_dict


def test_denial_sentences_come_with_the_sentence_before():
    article = (
        "Envoys met on Monday. Local media said a truce was agreed. "
        "The ministry denied the report. Talks resume next week."
    )
    assert dispute_sentences(article) == ["Local media said a truce was agreed. The ministry denied the report."]


def test_cue_words_are_whole_words():
    assert dispute_sentences("Earlier, officials said they believe in dialogue. The release was delayed.") == []
    assert dispute_sentences('"Reports that the ship entered our waters are false," a spokesman said.')
    assert dispute_sentences("The statements do not correspond to reality.")
    assert dispute_sentences("She called the claim complete disinformation.")


def test_disputes_pass_is_skipped_without_a_denial():
    backend = FunctionBackend(answer_from_summary(summary_dict(disputed_claims=[])))
    article = ARTICLE.split(" Southland press")[0]
    result = Summarizer(backend, settings=Settings(strategy="focused")).run(article)
    assert [r["response_format"]["json_schema"]["name"] for r in backend.requests] == [
        "MeetingFacts",
        "EvidenceQuotes",
    ]
    assert result.summary.disputed_claims == []


def test_disputes_pass_sees_the_denial_passages():
    backend = FunctionBackend(answer_from_summary(summary_dict()))
    article = ARTICLE.replace("discussed; the", "discussed. The")
    result = Summarizer(backend, settings=Settings(strategy="focused")).run(article)
    disputes = backend.requests[1]["messages"][1]["content"]
    assert "1. Southland press said the border was discussed. The Northland ministry denied it." in disputes
    assert result.summary.disputed_claims[0].disputed_by == ["Northland ministry"]
