"""Probability questions and the venue verification: the model's calibrated yes or no on the meeting place."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from summarizer import Settings, Summarizer
from summarizer._probabilities import (
    CONTENT_FREE,
    ChoiceProbabilities,
    calibrated_log_odds,
    choice_probabilities,
    probability_params,
)
from summarizer._schema import DropReason
from summarizer.pipeline import ModelRequest, describe_steps
from summarizer.pipeline._verify import VENUE_THRESHOLD
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


def test_a_place_the_article_makes_the_model_sure_of_stays():
    # yes 0.99 over the article, 0.3 over nothing: log-odds 5.4.
    summary = Summarizer(_backend(0.99, 0.3), settings=Settings()).summarize(PLACED)
    assert summary.meeting.location == "Harbourtown"
    evidence = summary.meeting.location_evidence
    assert evidence is not None
    assert evidence.span is not None
    assert PLACED[slice(*evidence.span)] == "Harbourtown"
    assert not [d for d in summary.dropped if d.field == "meeting"]


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
    assert ("check", "venue") in [(kind, name) for kind, name, *_ in describe_steps("focused")]


def test_a_server_that_gives_no_log_probabilities_leaves_the_place():
    answers = answer_from_summary(_placed_summary())

    def plain(request: ModelRequest) -> Answer:
        return "yes" if request.choices else answers(request)  # a one-token answer, no log-probs

    summary = Summarizer(TaskBackend(plain), settings=Settings()).summarize(PLACED)
    assert summary.meeting.location == "Harbourtown"


def test_a_chat_level_fake_answers_the_venue_question_by_standing_by_its_summary():
    from summarizer.testing import chat_answer_from_summary

    backend = FunctionBackend(chat_answer_from_summary(_placed_summary()))
    summary = Summarizer(backend, settings=Settings()).summarize(PLACED)
    assert summary.meeting.location == "Harbourtown"
    assert sum(1 for r in backend.requests if r.get("logprobs")) == 2
