"""The embedded backend's plumbing: openai client -> in-process transport -> llama.cpp's chat handler.

A recording stand-in for ``xllamacpp.Server`` takes the place of the engine
here; tests marked ``model`` (test_model.py, test_server.py) run the real one.
"""

import asyncio
import json
import weakref
from pathlib import Path
from typing import Any

import pytest

from summarizer import (
    ArticleTooLongError,
    BackendError,
    ConfigurationError,
    EmbeddedBackend,
    ModelCallsBlockedError,
    Settings,
    Summarizer,
    allow_model_calls,
)
from summarizer._llama import check_gguf
from tests.conftest import ARTICLE, answer_dict

SCHEMA = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}


class RecordingEngine:
    """Answers like xllamacpp.Server.handle_chat_completions: a dict, errors as {"error": {...}}."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def handle_chat_completions(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        return self.answers.pop(0)


def chat_answer(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
    }


def backend_with(engine: RecordingEngine, tmp_path: Path) -> EmbeddedBackend:
    backend = EmbeddedBackend(tmp_path / "m.gguf", model_id="m", seed=3)
    backend.server._server = engine
    backend.server.count_prompt_tokens = lambda messages: 10  # type: ignore[method-assign]
    return backend


def test_the_schema_reaches_the_engine_as_a_compact_json_grammar(tmp_path):
    engine = RecordingEngine(chat_answer('{"x": 1}'))
    backend = backend_with(engine, tmp_path)
    response = backend.chat(
        messages=[{"role": "user", "content": "hi"}],
        response_format={"type": "json_schema", "json_schema": {"name": "S", "schema": SCHEMA}},
        temperature=0.0,
        seed=3,
    )
    assert response.choices[0].message.content == '{"x": 1}'
    (request,) = engine.requests
    assert "response_format" not in request
    head, schema = request["grammar"].split("start: %json ", 1)
    assert head == "%llguidance {}\n"
    assert json.loads(schema) == {
        **SCHEMA,
        "x-guidance": {"whitespace_flexible": False, "key_separator": ": ", "item_separator": ", "},
    }
    assert request["model"] == "m"
    assert request["seed"] == 3


def test_a_whole_summary_goes_through_the_async_client_too(tmp_path):
    engine = RecordingEngine(chat_answer(json.dumps(answer_dict())))
    backend = backend_with(engine, tmp_path)
    result = asyncio.run(Summarizer(backend, settings=Settings(strategy="single")).arun(ARTICLE))
    assert result.summary.mediators[0].name == "Island Council"
    assert result.meta.backend == "embedded"
    assert result.meta.prompt_tokens == 5


def test_context_overflow_from_the_engine_is_article_too_long(tmp_path):
    overflow = {
        "error": {
            "code": 400,
            "type": "exceed_context_size_error",
            "message": "request (9000 tokens) exceeds the available context size (8192 tokens)",
            "n_prompt_tokens": 9000,
            "n_ctx": 8192,
        }
    }
    engine = RecordingEngine(overflow)
    with pytest.raises(ArticleTooLongError, match="9,000 tokens"):
        backend_with(engine, tmp_path).chat(messages=[{"role": "user", "content": "hi"}])
    assert len(engine.requests) == 1  # a refusal is not retried


def test_a_failing_engine_is_a_one_line_backend_error_naming_the_embedded_model(tmp_path):
    failure = {"error": {"code": 400, "type": "invalid_request_error", "message": "failed to parse grammar"}}
    engine = RecordingEngine(failure)
    with pytest.raises(BackendError, match=r"the embedded model \(m\).*HTTP 400 failed to parse grammar"):
        backend_with(engine, tmp_path).chat(messages=[{"role": "user", "content": "hi"}])


def test_an_engine_exception_is_one_answer_not_a_resent_request(tmp_path):
    class Raising(RecordingEngine):
        def handle_chat_completions(self, request):
            self.requests.append(request)
            raise ValueError("Either json_schema or grammar can be specified, but not both")

    engine = Raising()
    with pytest.raises(BackendError, match=r"refused the request: HTTP 400 llama\.cpp: Either json_schema"):
        backend_with(engine, tmp_path).chat(messages=[{"role": "user", "content": "hi"}])
    assert len(engine.requests) == 1


def test_an_xllamacpp_failure_record_is_an_error_status(tmp_path):
    engine = RecordingEngine({"code": 500, "type": "server_error", "message": "bad JSON from the engine"})
    with pytest.raises(BackendError, match="HTTP 500 bad JSON from the engine"):
        backend_with(engine, tmp_path).chat(messages=[{"role": "user", "content": "hi"}])
    assert len(engine.requests) == 1  # in process: nothing to resend


def test_settings_open_as_many_slots_as_the_concurrency(tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 16)
    backend = Settings(model_path=model, concurrency=2).create_backend()
    assert isinstance(backend, EmbeddedBackend)
    assert (backend.server.n_parallel, backend.max_concurrency) == (2, 2)
    assert Settings(model_path=model).create_backend().max_concurrency == 1


def test_closing_frees_the_engine(tmp_path):
    engine = RecordingEngine()
    backend = backend_with(engine, tmp_path)
    freed = weakref.ref(engine)
    del engine
    backend.close()
    assert freed() is None
    assert not backend.server.running


def test_models_route_names_the_alias(tmp_path):
    backend = backend_with(RecordingEngine(), tmp_path)
    assert [m.id for m in backend.client.models.list()] == ["m"]


def test_loading_is_blocked_in_unit_tests(tmp_path):
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 16)
    with pytest.raises(ModelCallsBlockedError, match="blocked"):
        EmbeddedBackend(path).chat(messages=[{"role": "user", "content": "hi"}])


def test_embedded_concurrency_defaults_to_one_slot_and_follows_the_setting():
    assert Settings().requests_at_once == 1
    assert Settings(base_url="http://127.0.0.1:1/v1").requests_at_once == 4
    assert Settings(concurrency=3).requests_at_once == 3
    assert Settings.resolve({"SUMMARIZER_CONCURRENCY": "2"}).requests_at_once == 2


def test_a_damaged_model_file_is_a_configuration_error(tmp_path):
    """Past the GGUF magic, garbage: llama.cpp refuses it, and the user is told to check the file (exit 2)."""
    model = tmp_path / "damaged.gguf"
    model.write_bytes(b"GGUF" + bytes(range(256)) * 8)
    with allow_model_calls(), pytest.raises(ConfigurationError, match=r"could not load .*damaged\.gguf.*--model-path"):
        EmbeddedBackend(model).server.start()


def test_check_gguf_errors(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="not found"):
        check_gguf(tmp_path / "missing.gguf")
    with pytest.raises(ConfigurationError, match="directory"):
        check_gguf(tmp_path)
    text = tmp_path / "notes.gguf"
    text.write_text("hello")
    with pytest.raises(ConfigurationError, match="not a GGUF"):
        check_gguf(text)


def test_each_call_is_counted_with_what_the_engine_took_from_its_cache(tmp_path):
    answer = chat_answer(json.dumps(answer_dict()))
    answer["usage"] = {
        "prompt_tokens": 900,
        "completion_tokens": 40,
        "total_tokens": 940,
        "prompt_tokens_details": {"cached_tokens": 620},
    }
    backend = backend_with(RecordingEngine(answer), tmp_path)
    meta = Summarizer(backend, settings=Settings(strategy="single")).run(ARTICLE).meta
    (call,) = meta.requests
    assert (call.step, call.prompt_tokens, call.cached_prompt_tokens, call.completion_tokens) == (
        "summary",
        900,
        620,
        40,
    )
    assert call.evaluated_prompt_tokens == 280
    assert call.seconds >= 0
    assert (meta.prompt_tokens, meta.cached_prompt_tokens, meta.evaluated_prompt_tokens) == (900, 620, 280)
    # --meta and batch records carry the per-call counts, the evaluated ones included.
    dumped = meta.model_dump(mode="json")
    assert dumped["requests"][0]["evaluated_prompt_tokens"] == 280
    assert dumped["evaluated_prompt_tokens"] == 280
