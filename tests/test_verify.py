"""Probability questions and the venue verification: the model's calibrated yes or no on the meeting place."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import pytest

from summarizer import BackendError, Settings, Summarizer
from summarizer._probabilities import (
    CONTENT_FREE,
    ChoiceProbabilities,
    calibrated_log_odds,
    choice_probabilities,
    probability_params,
)
from summarizer._schema import DropReason
from summarizer._summarizer import SummaryResult
from summarizer.pipeline import ModelRequest, describe_steps
from summarizer.pipeline._verify import VENUE_CALIBRATION, VENUE_THRESHOLD, venue_confidence
from summarizer.testing import Answer, FirstToken, FunctionBackend, TaskBackend, answer_from_summary, completion
from tests.conftest import ARTICLE, summary_dict

PLACED = ARTICLE.replace("on Wednesday", "in Harbourtown on Wednesday")


def _placed_summary() -> dict[str, Any]:
    return summary_dict(
        meeting={
            "status": "held",
            "date": None,
            "location": "Harbourtown",
            "location_evidence": None,
            "date_evidence": None,
        }
    )


def _backend(yes_given_article: float, yes_given_nothing: float) -> TaskBackend:
    """The summary's answers, and the venue question answered "yes" with the given probabilities."""
    summary = answer_from_summary(_placed_summary())

    def answer(request: ModelRequest) -> Answer:
        if request.choices:
            p = yes_given_nothing if request.article == CONTENT_FREE else yes_given_article
            return FirstToken({"yes": p, "no": 1 - p})
        return summary(request)

    return TaskBackend(answer)


def _log_odds(p: float) -> float:
    return math.log(p / (1 - p))


def test_first_token_probabilities_sum_the_spellings_of_a_choice_and_are_normalised_over_the_choices():
    response = completion("Yes", top={"Yes": 0.5, " yes": 0.2, "No": 0.1, "Maybe": 0.2})
    answer = choice_probabilities(response, ("yes", "no"))
    assert answer.of("yes") == pytest.approx(0.7 / 0.8)
    assert answer.of("no") == pytest.approx(0.1 / 0.8)


def test_a_server_without_log_probabilities_gives_no_answer():
    assert choice_probabilities(completion("yes"), ("yes", "no")).probabilities == {}
    unrelated = choice_probabilities(completion("Maybe", top={"Maybe": 0.9, "Perhaps": 0.1}), ("yes", "no"))
    assert unrelated.of("yes") is None
    assert calibrated_log_odds(unrelated, ChoiceProbabilities(probabilities={"yes": 0.5, "no": 0.5}), "yes") is None


def test_calibrated_log_odds_take_out_what_the_model_says_with_no_article():
    asked = ChoiceProbabilities(probabilities={"yes": 0.9, "no": 0.1})
    prior = ChoiceProbabilities(probabilities={"yes": 0.6, "no": 0.4})
    assert calibrated_log_odds(asked, prior, "yes") == pytest.approx(_log_odds(0.9) - _log_odds(0.6))
    assert calibrated_log_odds(prior, prior, "yes") == pytest.approx(0.0)


def test_a_probability_question_asks_for_one_free_token_and_its_alternatives():
    params = probability_params(
        {"messages": [{"role": "user", "content": "?"}], "response_model": object, "max_tokens": 900, "seed": 7}
    )
    assert params == {
        "messages": [{"role": "user", "content": "?"}],
        "seed": 7,
        "max_tokens": 1,
        "temperature": 0.0,
        "logprobs": True,
        "top_logprobs": 20,
    }


def test_a_place_the_article_does_not_make_the_model_surer_of_is_withdrawn_and_listed():
    # yes 0.8 over the article, 0.5 over nothing: log-odds 1.39, under the threshold.
    summary = Summarizer(_backend(0.8, 0.5), settings=Settings()).summarize(PLACED)
    assert summary.meeting.location is None
    assert summary.meeting.location_evidence is None
    [dropped] = [d for d in summary.dropped if d.field == "meeting"]
    assert dropped.item == {"location": "Harbourtown"}
    assert dropped.reason is DropReason.low_confidence
    assert f"1.39 < {VENUE_THRESHOLD}" in dropped.detail
    assert f"confidence {venue_confidence(_log_odds(0.8) - _log_odds(0.5)):.2f}" in dropped.detail


def test_a_place_the_article_makes_the_model_sure_of_stays():
    # yes 0.99 over the article, 0.3 over nothing: log-odds 5.4.
    summary = Summarizer(_backend(0.99, 0.3), settings=Settings()).summarize(PLACED)
    assert summary.meeting.location == "Harbourtown"
    evidence = summary.meeting.location_evidence
    assert evidence is not None
    assert evidence.span is not None
    assert PLACED[slice(*evidence.span)] == "Harbourtown"
    assert not [d for d in summary.dropped if d.field == "meeting"]
    score = _log_odds(0.99) - _log_odds(0.3)
    assert evidence.confidence is not None
    assert evidence.confidence == pytest.approx(venue_confidence(score))
    assert evidence.confidence > 0.9


def test_confidence_rises_with_the_score_through_one_half_and_stays_a_probability():
    slope, intercept = VENUE_CALIBRATION
    assert slope > 0  # a higher score, a likelier venue
    assert venue_confidence(-intercept / slope) == pytest.approx(0.5)
    scores = [-2.0, 0.0, VENUE_THRESHOLD, 3.0, 6.0]
    confidences = [venue_confidence(score) for score in scores]
    assert confidences == sorted(confidences)
    assert all(0 < c < 1 for c in confidences)
    assert venue_confidence(1000.0) == pytest.approx(1.0)
    assert venue_confidence(-1000.0) == pytest.approx(0.0, abs=1e-12)


def test_the_question_is_asked_last_over_the_article_then_over_a_content_free_input():
    backend = _backend(0.99, 0.3)
    Summarizer(backend, settings=Settings()).summarize(PLACED)
    *_, asked, prior = backend.tasks
    assert (asked.pass_name, asked.article, asked.choices) == ("venue", None, ("yes", "no"))
    assert (prior.pass_name, prior.article) == ("venue", CONTENT_FREE)
    assert asked.values == {"place": "Harbourtown", "sides": "Northland and Southland"}
    *_, asked_chat, prior_chat = backend.requests
    assert "response_format" not in asked_chat
    assert (asked_chat["max_tokens"], asked_chat["logprobs"]) == (1, True)
    assert "Harbourtown on Wednesday" in asked_chat["messages"][-1]["content"]
    assert "Harbourtown on Wednesday" not in prior_chat["messages"][-1]["content"]
    assert f"<article>\n{CONTENT_FREE}\n</article>" in prior_chat["messages"][-1]["content"]
    assert "held (or to be held) in Harbourtown?" in prior_chat["messages"][-1]["content"]


def test_the_async_path_asks_and_decides_the_same():
    summary = asyncio.run(Summarizer(_backend(0.8, 0.5), settings=Settings()).arun(PLACED)).summary
    assert summary.meeting.location is None


def test_keep_ungrounded_keeps_a_withdrawn_place_with_its_words_flagged():
    summary = Summarizer(_backend(0.8, 0.5), settings=Settings(keep_ungrounded=True)).summarize(PLACED)
    assert summary.meeting.location == "Harbourtown"
    evidence = summary.meeting.location_evidence
    assert evidence is not None
    assert evidence.problem is DropReason.low_confidence
    assert evidence.confidence == pytest.approx(venue_confidence(_log_odds(0.8) - _log_odds(0.5)))
    assert evidence.span is not None
    assert PLACED[slice(*evidence.span)] == "Harbourtown"


def test_no_place_no_question_and_the_step_can_be_switched_off():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    Summarizer(backend, settings=Settings()).summarize(ARTICLE)
    assert not [t for t in backend.tasks if t.choices]
    backend = _backend(0.8, 0.5)
    summary = Summarizer(backend, settings=Settings(without=frozenset({"venue"}))).summarize(PLACED)
    assert summary.meeting.location == "Harbourtown"
    assert not [t for t in backend.tasks if t.choices]
    assert ("verify", "venue") in [(kind, name) for kind, name, *_ in describe_steps("focused")]


def test_a_server_that_gives_no_log_probabilities_leaves_the_place():
    answers = answer_from_summary(_placed_summary())

    def plain(request: ModelRequest) -> Answer:
        return "yes" if request.choices else answers(request)  # a one-token answer, no log-probs

    summary = Summarizer(TaskBackend(plain), settings=Settings()).summarize(PLACED)
    assert summary.meeting.location == "Harbourtown"
    assert summary.meeting.location_evidence is not None
    assert summary.meeting.location_evidence.confidence is None  # nothing rated it


def test_a_chat_level_fake_answers_the_venue_question_by_standing_by_its_summary():
    from summarizer.testing import chat_answer_from_summary

    backend = FunctionBackend(chat_answer_from_summary(_placed_summary()))
    summary = Summarizer(backend, settings=Settings()).summarize(PLACED)
    assert summary.meeting.location == "Harbourtown"
    assert sum(1 for r in backend.requests if r.get("logprobs")) == 2


def test_a_choice_missing_from_the_top_tokens_gets_the_least_listed_probability():
    answer = choice_probabilities(completion("Yes", top={"Yes": 0.6, "Sure": 0.3, "Maybe": 0.1}), ("yes", "no"))
    assert answer.of("yes") == pytest.approx(0.6 / 0.7)
    assert answer.of("no") == pytest.approx(0.1 / 0.7)
    # A server that lists only the token it wrote: nothing to compare it with, so no answer.
    assert choice_probabilities(completion("yes", top={"yes": 0.9}), ("yes", "no")).probabilities == {}


def _over_http(status: int, message: str) -> tuple[SummaryResult | BackendError, int]:
    """The placed summary from a real HTTP server fake that answers every venue question with ``status``:
    the result (or the error that ended the article) and how many venue questions it was asked."""
    from summarizer._openai import OpenAIBackend, StructuredMode
    from summarizer._retry import RetryPolicy
    from summarizer.testing import chat_answer_from_summary
    from tests.fake_server import Reply, ok, serve

    answer = chat_answer_from_summary(_placed_summary())

    def handler(request: dict[str, Any]) -> Reply:
        if request.get("logprobs"):
            return Reply(status=status, body={"error": {"code": status, "message": message}})
        return ok(answer(request["messages"], request))

    with serve(handler) as server:
        retry = RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.01)
        backend = OpenAIBackend("fake-model", base_url=server.base_url, mode=StructuredMode.json_schema, retry=retry)
        try:
            outcome: SummaryResult | BackendError = Summarizer(backend, settings=Settings()).run(PLACED)
        except BackendError as exc:
            outcome = exc
        return outcome, sum(1 for r in server.requests if r.get("logprobs"))


def test_a_server_that_refuses_log_probabilities_leaves_the_place_and_the_article_is_not_lost():
    result, asked = _over_http(400, "logprobs is not supported")
    assert asked == 2
    assert isinstance(result, SummaryResult)
    assert result.summary.meeting.location == "Harbourtown"
    assert [p.name for p in result.summary.parties] == ["Northland", "Southland"]


def test_a_server_that_gives_log_probabilities_over_http_decides_as_the_embedded_engine_does():
    from summarizer._openai import OpenAIBackend, StructuredMode
    from summarizer.testing import chat_answer_from_summary
    from tests.fake_server import Reply, ok, serve

    chat = chat_answer_from_summary(_placed_summary())

    def handler(request: dict[str, Any]) -> Reply:
        if request.get("logprobs"):  # yes 0.8 over the article, 0.5 over nothing: log-odds 1.39
            content_free = f"<article>\n{CONTENT_FREE}\n</article>" in request["messages"][-1]["content"]
            return ok(FirstToken({"yes": 0.5, "no": 0.5} if content_free else {"yes": 0.8, "no": 0.2}))
        return ok(chat(request["messages"], request))

    with serve(handler) as server:
        backend = OpenAIBackend("fake-model", base_url=server.base_url, mode=StructuredMode.json_schema)
        result = Summarizer(backend, settings=Settings()).run(PLACED)
        asked = [r for r in server.requests if r.get("logprobs")]
    assert [(r["max_tokens"], r["top_logprobs"], "response_format" in r) for r in asked] == [(1, 20, False)] * 2
    assert result.summary.meeting.location is None
    assert [d.reason for d in result.summary.dropped if d.field == "meeting"] == [DropReason.low_confidence]


def test_a_flagged_place_from_one_chunk_never_beats_a_grounded_one_from_another():
    from summarizer._schema import ArticleSummary
    from summarizer.pipeline import merge_summaries

    def chunk(place: str, problem: DropReason | None, confidence: float) -> ArticleSummary:
        start = PLACED.index(place) if place in PLACED else 0
        evidence = {
            "quote": place,
            "span": [start, start + len(place)],
            "match": "exact",
            "problem": problem,
            "confidence": confidence,
        }
        meeting = {"status": "held", "date": None, "location": place, "location_evidence": evidence}
        return ArticleSummary.model_validate(summary_dict(meeting={**meeting, "date_evidence": None}))

    flagged = chunk("Harbourtown", DropReason.low_confidence, 0.2)
    grounded = chunk("Northland", None, 0.9)
    merged = merge_summaries([(0, flagged), (0, grounded)])
    assert merged.meeting.location == "Northland"
    assert merged.meeting.location_evidence is not None
    assert merged.meeting.location_evidence.confidence == 0.9  # the place's own rating travels with it


def test_the_brief_says_why_a_kept_place_is_flagged():
    from summarizer._render import OutputFormat, render

    summary = Summarizer(_backend(0.8, 0.5), settings=Settings(keep_ungrounded=True)).summarize(PLACED)
    markdown = render(summary, OutputFormat.markdown)
    assert "Harbourtown (may not be where the talks were)" in markdown
    assert "not found in the article" not in markdown


def test_a_transport_failure_on_the_venue_question_still_fails_the_article():
    error, _ = _over_http(503, "overloaded")
    assert isinstance(error, BackendError)
    assert error.transient
    assert "transport failed" in str(error)


def test_without_meeting_grounding_a_place_has_no_evidence_to_carry_a_confidence_but_is_still_decided():
    settings = Settings(without=frozenset({"meeting-grounding"}))
    kept = Summarizer(_backend(0.99, 0.3), settings=settings).summarize(PLACED)
    assert (kept.meeting.location, kept.meeting.location_evidence) == ("Harbourtown", None)
    withdrawn = Summarizer(_backend(0.8, 0.5), settings=settings).summarize(PLACED)
    assert withdrawn.meeting.location is None
    [dropped] = [d for d in withdrawn.dropped if d.field == "meeting"]
    assert "confidence" in dropped.detail


def test_rating_needs_a_kept_value():
    from summarizer._schema import ArticleSummary
    from summarizer.grounding import Grounding

    unplaced = Grounding(ArticleSummary.model_validate(summary_dict()), ARTICLE)
    unplaced.rate_meeting("location", 0.7)
    assert unplaced.settle().meeting.location_evidence is None
    placed = Grounding(ArticleSummary.model_validate(_placed_summary()), PLACED)
    placed.rate_meeting("location", 0.7)
    placed.rate_meeting("date", 0.7)  # no date: nothing to rate
    settled = placed.settle()
    assert settled.meeting.location_evidence is not None
    assert settled.meeting.location_evidence.confidence == 0.7
    assert settled.meeting.date_evidence is None
    placed.reject_meeting("location", DropReason.low_confidence, "withdrawn")
    assert placed.settle().meeting.location_evidence is None  # the rating goes with the place


def test_confidence_is_a_probability_and_never_asked_of_the_model():
    from pydantic import ValidationError

    from summarizer._schema import Evidence

    for outside in (1.5, -0.1):
        with pytest.raises(ValidationError):
            Evidence(quote="x", confidence=outside)
    backend = _backend(0.8, 0.5)
    Summarizer(backend, settings=Settings(keep_ungrounded=True)).summarize(PLACED)
    formats = [json.dumps(r["response_format"]) for r in backend.requests if "response_format" in r]
    assert formats  # the structured passes were asked
    assert not [f for f in formats if "confidence" in f]


def test_log_probabilities_that_are_not_numbers_give_no_answer():
    for broken in (float("nan"), float("inf")):
        response = completion("yes", top={"yes": 0.6, "no": 0.4})
        assert response.choices[0].logprobs is not None
        [token] = response.choices[0].logprobs.content or []
        assert token.top_logprobs is not None
        token.top_logprobs[0].logprob = broken
        assert choice_probabilities(response, ("yes", "no")).probabilities == {}
