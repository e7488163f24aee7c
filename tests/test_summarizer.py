import asyncio
import json

import pytest

from summarizer import (
    ArticleError,
    ArticleSummary,
    ArticleTooLongError,
    ExtractionError,
    Settings,
    Summarizer,
    summarize,
)
from summarizer._drafts import ArticleSummaryDraft
from summarizer.testing import FunctionBackend, ScriptedBackend, TaskBackend, answer_from_summary, completion
from tests.conftest import ARTICLE, answer_dict, summary_dict


def make(backend, **settings):
    """The re-ask and error machinery, through the one-call strategy (strategies are tested elsewhere)."""
    settings.setdefault("strategy", "single")
    return Summarizer(backend, settings=Settings(**settings))


def test_valid_answer_becomes_a_summary_with_meta():
    backend = ScriptedBackend([answer_dict()])
    result = make(backend).run(ARTICLE)
    assert type(result.summary) is ArticleSummary
    assert result.summary == ArticleSummary.model_validate(summary_dict())
    assert result.meta.attempts == 1
    assert result.meta.backend == "mock"
    assert result.meta.prompt_version == "naive-v2"
    assert result.meta.grounding_rate == 1.0
    assert result.meta.hallucinated_entity_rate == 0.0
    assert result.meta.strategy == "single"
    assert result.meta.completion_tokens > 0


def test_request_asks_for_the_schema_deterministically():
    backend = ScriptedBackend([answer_dict()])
    make(backend, seed=7).summarize(ARTICLE)
    (request,) = backend.requests
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["schema"] == ArticleSummaryDraft.model_json_schema()
    assert request["temperature"] == 0.0
    assert request["seed"] == 7
    assert request["max_tokens"] == 1024
    assert ARTICLE in request["messages"][-1]["content"]


def test_invalid_answer_is_reasked_with_the_error():
    backend = ScriptedBackend([answer_dict(mediators=[{"name": "X", "kind": "alien"}]), answer_dict()])
    result = make(backend).run(ARTICLE)
    assert result.meta.attempts == 2
    reask = backend.requests[1]["messages"]
    assert reask[-2]["role"] == "assistant"
    assert "alien" in reask[-2]["content"]
    assert reask[-1]["role"] == "user"
    assert "kind" in reask[-1]["content"]


def test_reask_transcript_keeps_only_the_latest_failure():
    backend = ScriptedBackend(["not json at all", '{"summary": "half"}', answer_dict()])
    result = make(backend, max_reasks=2).run(ARTICLE)
    assert result.meta.attempts == 3
    first, second, third = (r["messages"] for r in backend.requests)
    assert len(second) == len(third) == len(first) + 2
    assert "half" in third[-2]["content"]
    assert all("not json at all" not in m["content"] for m in third)


def test_gives_up_after_the_allowed_reasks():
    backend = ScriptedBackend(["nope"] * 5)
    with pytest.raises(ExtractionError, match="after 2 attempt") as info:
        make(backend, max_reasks=1).summarize(ARTICLE)
    assert info.value.attempts == 2
    assert len(backend.requests) == 2


def test_truncated_answer_is_reported_not_reasked():
    class Truncating(ScriptedBackend):
        def chat(self, *, messages, **params):
            super().chat(messages=messages, **params)
            return completion('{"summary": "cut', finish_reason="length")

    backend = Truncating([answer_dict()])
    with pytest.raises(ExtractionError, match="output limit"):
        make(backend).summarize(ARTICLE)
    assert len(backend.requests) == 1


def test_article_too_long_for_the_context_is_refused_before_any_call():
    backend = FunctionBackend(lambda m, p: answer_dict(), context_window=600)
    with pytest.raises(ArticleTooLongError, match="too long"):
        make(backend, max_tokens=500).summarize(ARTICLE + " word" * 200)
    assert backend.requests == []


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_article_is_refused_before_any_call(text):
    backend = ScriptedBackend([])
    with pytest.raises(ArticleError, match="empty"):
        make(backend).summarize(text)


def test_summarizer_reuses_its_backend_for_many_articles():
    backend = FunctionBackend(lambda m, p: answer_dict(summary=m[-1]["content"][-10:]))
    with make(backend) as s:
        a = s.summarize(ARTICLE + " First.")
        b = s.summarize(ARTICLE + " Second.")
    assert a.summary != b.summary
    assert len(backend.requests) == 2


def test_module_level_summarize_accepts_a_backend():
    assert (
        summarize(ARTICLE, backend=ScriptedBackend([answer_dict()]), strategy="single").parties[0].name == "Northland"
    )


def test_answers_that_are_json_but_wrong_shape_are_reasked():
    backend = ScriptedBackend([json.dumps([1, 2, 3]), answer_dict()])
    assert make(backend).run(ARTICLE).meta.attempts == 2


class PrimingBackend(TaskBackend):
    """A fake that records what it is asked to hold in its prompt cache, and reads it the first time only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.primed: list[list[dict[str, str]]] = []

    def prime(self, prefix):
        first = not self.primed
        self.primed.append(prefix)
        if not first:
            return None
        answered = completion("x")
        assert answered.usage is not None
        return answered.model_copy(update={"usage": answered.usage.model_copy(update={"prompt_tokens": 700})})


def test_the_fixed_text_is_primed_before_the_first_request_and_counted_once():
    backend = PrimingBackend(answer_from_summary(summary_dict()))
    summarizer = Summarizer(backend, settings=Settings())
    first = summarizer.run(ARTICLE)
    second = summarizer.run(ARTICLE)
    # The system prompt every step opens with, the same bytes each time; asked before any pass.
    assert len(backend.primed) == 2
    assert backend.primed[0] == backend.primed[1] == summarizer.prompts.prefix()
    assert backend.primed[0] == [backend.requests[0]["messages"][0]]
    # The article that paid for reading it counts the call; the next finds it held and counts nothing.
    assert first.meta.requests[0].step == "prefix"
    assert first.meta.requests[0].prompt_tokens == 700
    assert "prefix" not in [r.step for r in second.meta.requests]
    assert second.meta.requests[0].step == "meeting"


def test_a_prompt_set_whose_system_prompt_varies_per_request_primes_nothing():
    backend = PrimingBackend(answer_from_summary(summary_dict()))
    Summarizer(backend, settings=Settings(strategy="single")).run(ARTICLE)
    assert backend.primed == []


def test_an_article_over_the_size_limit_is_refused_before_it_is_read(monkeypatch):
    import summarizer._summarizer as driving

    monkeypatch.setattr(driving, "clean", lambda text: pytest.fail("a refused article must not be cleaned"))
    backend = TaskBackend(answer_from_summary(summary_dict()))
    summarizer = Summarizer(backend, settings=Settings(max_article_chars=len(ARTICLE) - 1))
    with pytest.raises(
        ArticleTooLongError, match=r"has 2\d\d characters, more than the limit of 2\d\d.*SUMMARIZER_MAX_ARTICLE_CHARS"
    ):
        summarizer.run(ARTICLE)
    assert backend.requests == []


def test_reading_an_article_does_not_hold_the_event_loop(monkeypatch):
    """Cleaning and reading are CPU work: in ``arun`` they run in a worker thread, so the other articles of a
    batch go on meanwhile. Here reading waits for a signal that only another task on the loop can give."""
    import threading

    import summarizer._summarizer as driving

    signal = threading.Event()
    original = driving.read  # type: ignore[attr-defined]

    def slow_read(article, language="auto"):
        if not signal.wait(timeout=10):
            raise AssertionError("reading held the event loop: the other task never ran")
        return original(article, language)

    monkeypatch.setattr(driving, "read", slow_read)
    summarizer = Summarizer(TaskBackend(answer_from_summary(summary_dict())), settings=Settings())

    async def both():
        async def other():
            signal.set()

        reading = asyncio.create_task(summarizer.arun(ARTICLE))
        await asyncio.sleep(0)  # the article starts, and its reading must leave the loop free
        await other()
        return await reading

    assert asyncio.run(both()).summary.parties
