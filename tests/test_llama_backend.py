from pathlib import Path

import pytest

from summarizer import ConfigurationError, LlamaCppBackend, ModelCallsBlockedError
from summarizer._llama import check_gguf, grammar_response_format
from summarizer.testing import completion

SCHEMA = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}


def test_json_schema_request_becomes_a_grammar_request():
    request = {"type": "json_schema", "json_schema": {"name": "S", "schema": SCHEMA}}
    assert grammar_response_format(request) == {"type": "json_object", "schema": SCHEMA}


def test_other_formats_pass_through_or_fail_clearly():
    assert grammar_response_format(None) is None
    assert grammar_response_format({"type": "json_object"}) == {"type": "json_object"}
    with pytest.raises(ConfigurationError, match="unsupported"):
        grammar_response_format({"type": "xml"})


class RecordingLlama:
    def __init__(self):
        self.calls = []

    def create_chat_completion_openai_v1(self, **kwargs):
        self.calls.append(kwargs)
        return completion('{"x": 1}')


def test_chat_sends_the_schema_to_the_sampler(tmp_path):
    backend = LlamaCppBackend(tmp_path / "m.gguf", seed=3)
    llama = RecordingLlama()
    backend._llama = llama  # type: ignore[assignment]
    backend.chat(
        messages=[{"role": "user", "content": "hi"}],
        model="ignored",
        response_format={"type": "json_schema", "json_schema": {"name": "S", "schema": SCHEMA}},
        temperature=0.0,
    )
    (call,) = llama.calls
    assert call["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert call["seed"] == 3
    assert "model" not in call


def test_loading_is_blocked_in_unit_tests(tmp_path):
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 16)
    with pytest.raises(ModelCallsBlockedError, match="blocked"):
        LlamaCppBackend(path).chat(messages=[{"role": "user", "content": "hi"}])


def test_check_gguf_errors(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="not found"):
        check_gguf(tmp_path / "missing.gguf")
    with pytest.raises(ConfigurationError, match="directory"):
        check_gguf(tmp_path)
    text = tmp_path / "notes.gguf"
    text.write_text("hello")
    with pytest.raises(ConfigurationError, match="not a GGUF"):
        check_gguf(text)
