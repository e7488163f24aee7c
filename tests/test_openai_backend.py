"""The OpenAI-compatible backend against scripted servers on loopback: retries, faults, modes, concurrency."""

import asyncio
import json
import threading

import openai
import pytest
from typer.testing import CliRunner

from summarizer import (
    ArticleTooLongError,
    BackendError,
    ConfigurationError,
    ExtractionError,
    Settings,
    Summarizer,
    summarize_many,
)
from summarizer._openai import OpenAIBackend, StructuredMode
from summarizer._retry import RetryPolicy
from summarizer._summarizer import SummaryFailure, SummaryResult
from summarizer.cli import app
from summarizer.testing import chat_answer_from_summary
from tests.conftest import ARTICLE, answer_dict, summary_dict
from tests.fake_server import Reply, completion_body, ok, serve


def backend_for(url, **options):
    options.setdefault("mode", StructuredMode.json_schema)
    options.setdefault("retry", RetryPolicy(max_attempts=4, initial_wait=1.0, max_wait=30.0))
    return OpenAIBackend("fake-model", base_url=url, **options)


def scripted(replies):
    """A handler that plays ``replies`` in order."""
    queue = list(replies)
    lock = threading.Lock()

    def handler(request):
        with lock:
            return queue.pop(0)

    return handler


def test_rate_limit_then_server_error_then_success(retry_waits):
    replies = [
        Reply(status=429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "7"}),
        Reply(status=500, body={"error": {"message": "boom"}}),
        ok(answer_dict()),
    ]
    with serve(scripted(replies)) as server:
        result = Summarizer(backend_for(server.base_url), settings=Settings(strategy="single")).run(ARTICLE)
    assert len(server.requests) == 3
    assert result.meta.attempts == 1  # transport retries are not re-asks
    assert result.summary.parties[0].name == "Northland"
    assert retry_waits[0] == 7.0  # Retry-After honoured
    assert 1.0 <= retry_waits[1] <= 30.0  # then exponential backoff with jitter
    assert server.requests[0]["response_format"]["type"] == "json_schema"


def test_retry_after_is_capped_by_the_policy(retry_waits):
    replies = [Reply(status=503, body={}, headers={"retry-after-ms": "90000"}), ok(answer_dict())]
    with serve(scripted(replies)) as server:
        Summarizer(backend_for(server.base_url), settings=Settings(strategy="single")).run(ARTICLE)
    assert retry_waits == [30.0]


def test_transport_failures_are_bounded_and_named(retry_waits):
    with serve(lambda request: Reply(status=503, body={"error": {"message": "overloaded"}})) as server:
        backend = backend_for(server.base_url, retry=RetryPolicy(max_attempts=3))
        with pytest.raises(BackendError, match=r"transport failed after 3 attempt\(s\): HTTP 503") as info:
            Summarizer(backend, settings=Settings(strategy="single")).run(ARTICLE)
    assert len(server.requests) == 3
    assert len(retry_waits) == 2
    assert "\n" not in str(info.value)


def test_a_hanging_server_times_out(retry_waits):
    with serve(lambda request: Reply(delay=3.0, body={})) as server:
        backend = backend_for(server.base_url, timeout=0.3, retry=RetryPolicy(max_attempts=2))
        with pytest.raises(BackendError, match=r"after 2 attempt\(s\): timed out"):
            Summarizer(backend, settings=Settings(strategy="single")).run(ARTICLE)
    assert len(server.requests) == 2


@pytest.mark.parametrize("path", ["sync", "async"])
def test_a_server_that_trickles_its_answer_meets_a_deadline_for_the_whole_request(retry_waits, path):
    """Each byte arrives well within the read timeout, so only a deadline for the whole request can end it."""
    answer = ok(answer_dict())
    with serve(lambda request: Reply(body=answer.body, trickle=0.05)) as server:  # ~2 KB: over a minute
        backend = backend_for(server.base_url, timeout=0.6, retry=RetryPolicy(max_attempts=2))
        summarizer = Summarizer(backend, settings=Settings(strategy="single"))

        def run() -> object:
            return summarizer.run(ARTICLE) if path == "sync" else asyncio.run(summarizer.arun(ARTICLE))

        # Without the deadline, each attempt reads the whole answer (over a minute) and succeeds.
        with pytest.raises(BackendError, match=r"after 2 attempt\(s\): timed out"):
            run()
    assert len(server.requests) == 2


def test_invalid_json_is_reasked_not_retried(retry_waits):
    replies = [ok("this is not json"), ok(answer_dict())]
    with serve(scripted(replies)) as server:
        result = Summarizer(backend_for(server.base_url), settings=Settings(strategy="single")).run(ARTICLE)
    assert result.meta.attempts == 2
    assert retry_waits == []
    reask = server.requests[1]["messages"]
    assert reask[-2] == {"role": "assistant", "content": "this is not json"}
    assert len(reask) == len(server.requests[0]["messages"]) + 2


def test_invalid_answers_exhaust_the_reasks(retry_waits):
    with (
        serve(lambda request: ok('{"summary": 3}')) as server,
        pytest.raises(ExtractionError, match=r"no valid summary after 2 attempt\(s\)"),
    ):
        Summarizer(backend_for(server.base_url), settings=Settings(strategy="single", max_reasks=1)).run(ARTICLE)
    assert len(server.requests) == 2


def test_rejected_key_says_how_to_set_it():
    with (
        serve(lambda request: Reply(status=401, body={"error": {"message": "bad key"}})) as server,
        pytest.raises(ConfigurationError, match="OPENAI_API_KEY"),
    ):
        Summarizer(backend_for(server.base_url), settings=Settings(strategy="single")).run(ARTICLE)
    assert len(server.requests) == 1


def test_openai_without_a_key_is_a_one_line_configuration_error():
    with pytest.raises(ConfigurationError, match="set it with: export OPENAI_API_KEY"):
        OpenAIBackend("gpt-4o-mini")


def test_openai_requests_strict_schemas():
    backend = OpenAIBackend("gpt-4o-mini", api_key="sk-test", mode="json_schema")
    request = backend._request(
        [], {"response_format": {"type": "json_schema", "json_schema": {"name": "S", "schema": {}}}}
    )
    assert request["response_format"]["json_schema"]["strict"] is True


def test_auto_mode_falls_back_to_json_mode_when_json_schema_is_refused():
    """A server that answers 500 to json_schema but keeps to JSON in json_object mode: schema in the prompt."""

    def handler(request):
        response_format = request.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            return Reply(status=500, body={"error": {"message": "unsupported"}})
        if response_format.get("type") == "json_object":
            system = request["messages"][0]["content"]
            return ok(answer_dict() if "summary" in system else {"answer": "yes"})
        return ok("A poem about rain.")

    with serve(handler) as server:
        backend = OpenAIBackend("fake-model", base_url=server.base_url)
        result = Summarizer(backend, settings=Settings(strategy="single")).run(ARTICLE)
    assert backend.structured_mode is StructuredMode.json
    assert result.summary.mediators[0].name == "Island Council"
    assert server.requests[-1]["response_format"] == {"type": "json_object"}


def test_llama_cpp_context_overflow_is_an_article_too_long_error():
    """llama-server's 400 for a prompt longer than its context, when no chunk could fit either: one line with
    the numbers and the fix, one request."""
    body = {
        "error": {
            "code": 400,
            "message": "request (9412 tokens) exceeds the available context size (8192 tokens), try increasing it",
            "type": "exceed_context_size_error",
            "n_prompt_tokens": 9412,
            "n_ctx": 8192,
        }
    }
    with (
        serve(lambda request: Reply(status=400, body=body)) as server,
        pytest.raises(ArticleTooLongError, match=r"8,192-token context leaves 0 tokens for a chunk.*--max-tokens"),
    ):
        Summarizer(backend_for(server.base_url), settings=Settings(strategy="single")).run(ARTICLE)
    assert len(server.requests) == 1


def test_a_server_that_reports_its_context_gets_a_long_article_in_chunks_that_fit():
    """llama.cpp says how many tokens the refused prompt had and how many its context holds: the article is
    planned again in chunks sized from those numbers, and every chunk's request fits."""
    article = (
        ARTICLE + "\n\n" + "".join(f"Update {n}: no statement yet; the hall stays closed.\n\n" for n in range(400))
    )
    limit = 9000  # characters the fake's context holds: about 2,250 of its 4-character tokens
    answer = chat_answer_from_summary(summary_dict())

    def handler(request):
        size = sum(len(m["content"]) for m in request["messages"])
        if size > limit:
            error = {"type": "exceed_context_size_error", "n_prompt_tokens": size // 4, "n_ctx": limit // 4}
            return Reply(status=400, body={"error": {"code": 400, "message": "too long", **error}})
        return ok(answer(request["messages"], request))

    with serve(handler) as server:
        settings = Settings(strategy="focused", max_tokens=100)
        result = Summarizer(backend_for(server.base_url), settings=settings).run(article)
    sizes = [sum(len(m["content"]) for m in r["messages"]) for r in server.requests]
    assert sizes[0] > limit
    assert all(size <= limit for size in sizes[1:])
    assert result.meta.chunks >= 3
    assert [p.name for p in result.summary.parties] == ["Northland", "Southland"]


def test_auto_mode_detects_a_server_that_silently_ignores_the_schema():
    """Prose back under every dialect: fall back to instructor's Markdown-JSON mode with the schema in the prompt."""

    def handler(request):
        system = request["messages"][0]["content"]
        if "json" in system.lower() and "summary" in system:
            return ok("```json\n" + json.dumps(answer_dict()) + "\n```")
        return ok("Rain falls softly.")

    with serve(handler) as server:
        backend = OpenAIBackend("fake-model", base_url=server.base_url)
        result = Summarizer(backend, settings=Settings(strategy="single")).run(ARTICLE)
    assert backend.structured_mode is StructuredMode.md_json
    assert result.summary.parties[1].name == "Southland"


def test_injected_client_is_used_as_given():
    with serve(lambda request: ok(answer_dict())) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="injected", max_retries=0)
        backend = OpenAIBackend("fake-model", client=client, mode="json_schema")
        Summarizer(backend, settings=Settings(strategy="single")).run(ARTICLE)
        assert backend.client is client
    assert len(server.requests) == 1


def test_async_path_with_an_injected_async_client():
    with serve(lambda request: ok(answer_dict())) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="injected", max_retries=0)
        backend = OpenAIBackend("fake-model", async_client=client, mode="json_schema")
        result = asyncio.run(Summarizer(backend, settings=Settings(strategy="single")).arun(ARTICLE))
    assert isinstance(result, SummaryResult)
    assert result.meta.backend == "openai"


def test_many_articles_run_concurrently_keep_order_and_survive_a_failure():
    def handler(request):
        article = request["messages"][1]["content"]
        if "article 3" in article:
            return Reply(delay=0.2, body={"choices": "broken"})  # 200 with nonsense: a bad server answer
        name = article.split(".")[0]
        return Reply(delay=0.3, body=ok(answer_dict(summary=name)).body)

    texts = [f"article {i}. {ARTICLE}" for i in range(6)]
    with serve(handler) as server:
        backend = OpenAIBackend("fake-model", base_url=server.base_url, mode="json_schema", concurrency=3)
        results = summarize_many(texts, backend=backend, concurrency=3, max_reasks=0, strategy="single")
    assert [r.summary.summary if isinstance(r, SummaryResult) else None for r in results] == [
        "article 0",
        "article 1",
        "article 2",
        None,
        "article 4",
        "article 5",
    ]
    assert isinstance(results[3], SummaryFailure)
    assert 1 < server.in_flight_peak[0] <= 3


def test_embedded_style_backends_run_one_at_a_time():
    from summarizer.testing import FunctionBackend

    active = []
    peak = []

    def answer(messages, params):
        active.append(1)
        peak.append(len(active))
        threading.Event().wait(0.05)
        active.pop()
        return answer_dict()

    results = summarize_many(
        [f"{ARTICLE} {n}" for n in ("One.", "Two.", "Three.")],
        backend=FunctionBackend(answer),
        concurrency=8,
        strategy="single",
    )
    assert all(isinstance(r, SummaryResult) for r in results)
    assert max(peak) == 1


def test_settings_choose_the_server_backend():
    with serve(lambda request: ok(answer_dict())) as server:
        settings = Settings.resolve({"SUMMARIZER_BASE_URL": server.base_url, "SUMMARIZER_MODE": "json_schema"})
        backend = settings.create_backend()
        assert isinstance(backend, OpenAIBackend)
        assert backend.model_id == "fake-model"  # the server's only model, from /models


def test_openai_itself_gets_no_enum_beyond_its_limits():
    openai_backend = OpenAIBackend("gpt-x", base_url="https://api.openai.com/v1", api_key="k", mode="json_schema")
    assert openai_backend.accepts_enum(["a phrase"] * 250)
    assert not openai_backend.accepts_enum(["a phrase"] * 251)
    assert not openai_backend.accepts_enum(["x" * 100] * 151)  # 15,100 characters
    local = OpenAIBackend("local", base_url="http://127.0.0.1:9/v1", mode="json_schema")
    assert local.accepts_enum(["a phrase"] * 5000)


def test_cli_on_several_articles_against_a_keep_alive_server_closes_cleanly(tmp_path):
    """Pooled async connections are closed inside their event loop, not after it (no traceback)."""
    texts = []
    for n in range(2):
        path = tmp_path / f"a{n}.txt"
        path.write_text(ARTICLE, encoding="utf-8")
        texts.append(str(path))
    with serve(lambda request: ok(answer_dict())) as server:
        command = [*texts, "--base-url", server.base_url, "--model", "fake-model", "--mode", "json_schema"]
        result = CliRunner().invoke(app, [*command, "--strategy", "single"])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == texts


def _faulty(kind):
    """A server that answers every chat request 200, with the fault ``kind``."""

    def handler(request):
        if kind == "empty-choices":
            return Reply(body={"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": []})
        if kind == "content-filter":
            body = completion_body("", finish_reason="content_filter")
            body["choices"][0]["message"]["content"] = None
            return Reply(body=body)
        if kind == "html-page":
            page = "<!doctype html><html><body><form>Sign in to continue</form></body></html>"
            return Reply(body=page, headers={"Content-Type": "text/html; charset=utf-8"})
        return Reply(body=completion_body('{"summary": "Two delegations me', finish_reason="length"))

    return handler


@pytest.mark.parametrize(
    ("kind", "named"),
    [
        ("empty-choices", "no choices"),
        ("content-filter", "content filter"),
        ("html-page", "not a chat completion"),
        ("length", "cut off at the"),
    ],
)
@pytest.mark.parametrize("mode", ["auto", "json_schema"])
def test_a_200_that_holds_no_answer_is_one_line_naming_the_fault(tmp_path, kind, named, mode, retry_waits):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    with serve(_faulty(kind)) as server:
        result = CliRunner().invoke(
            app, [str(article), "--base-url", server.base_url, "--model", "m", "--mode", mode, "-q"]
        )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("summarize: error: ")
    assert named in lines[0]
    assert "Traceback" not in result.output
    # No re-ask of what the server will not answer; the auto probe adds at most its two dialects.
    assert len(server.requests) <= (3 if mode == "auto" else 1) + (1 if kind == "length" else 0)
