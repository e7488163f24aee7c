from pathlib import Path

import pytest

from summarizer import ConfigurationError, Settings


def test_explicit_beats_environment_beats_default(tmp_path):
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    env = {"SUMMARIZER_MODEL": "qwen2.5-coder-0.5b", "SUMMARIZER_MAX_TOKENS": "300"}
    assert Settings.resolve(env).model == "qwen2.5-coder-0.5b"
    assert Settings.resolve(env).max_tokens == 300
    assert Settings.resolve(env, model="qwen2.5-coder-1.5b").model == "qwen2.5-coder-1.5b"
    assert Settings.resolve({}).model is None  # the embedded default, or the server's only model
    assert Settings.resolve({}).model_label == "qwen2.5-coder-1.5b"
    assert Settings.resolve({"SUMMARIZER_MODEL_PATH": str(gguf)}).model_path == Path(gguf)


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigurationError, match="SUMMARIZER_N_CTX"):
        Settings.resolve({"SUMMARIZER_N_CTX": "lots"})


def test_out_of_range_values_are_refused():
    with pytest.raises(ConfigurationError, match="max_tokens"):
        Settings.resolve({}, max_tokens=9000, n_ctx=4096)
    with pytest.raises(ConfigurationError, match="max_reasks"):
        Settings.resolve({}, max_reasks=-1)


def test_unknown_model_path_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="not found"):
        Settings.resolve({}, model_path=tmp_path / "nope.gguf")


def test_openai_api_key_goes_only_to_openai_and_never_shows_in_repr():
    openai_key = {"OPENAI_API_KEY": "sk-secret"}
    assert Settings.resolve(openai_key, base_url="https://api.openai.com/v1").server_api_key == "sk-secret"
    # A key set for OpenAI does not travel to another server, over plain http least of all.
    assert Settings.resolve(openai_key, base_url="http://10.0.0.5:8000/v1").server_api_key is None
    assert Settings.resolve(openai_key, base_url="https://api.openai.com.evil.example/v1").server_api_key is None
    # One given for the server goes to it.
    given = {**openai_key, "SUMMARIZER_API_KEY": "mine"}
    assert Settings.resolve(given, base_url="http://10.0.0.5:8000/v1").server_api_key == "mine"
    assert Settings.resolve(openai_key, base_url="http://10.0.0.5:8000/v1", api_key="flag").server_api_key == "flag"
    settings = Settings.resolve(given, base_url="https://api.openai.com/v1")
    assert "sk-secret" not in repr(settings)
    assert "mine" not in repr(settings)


def test_settings_are_hashable_and_equal_by_value():
    assert Settings.resolve({}, seed=1) == Settings.resolve({"SUMMARIZER_SEED": "1"})
    assert len({Settings.resolve({}), Settings.resolve({})}) == 1


def test_only_the_documented_variables_are_read_for_the_api_key():
    assert Settings.resolve({"API_KEY": "someone-else", "SUMMARIZER_API_KEY": "mine"}).api_key == "mine"
    assert Settings.resolve({"API_KEY": "someone-else"}).api_key is None


def test_a_language_is_auto_or_a_short_code_in_any_case():
    assert Settings.resolve({}, language="DE").language == "de"
    assert Settings.resolve({"SUMMARIZER_LANGUAGE": "Auto"}).language == "auto"
    with pytest.raises(ConfigurationError, match="--language"):
        Settings.resolve({}, language="english")


def test_a_backend_is_checked_against_what_it_needs():
    with pytest.raises(ConfigurationError, match="needs --base-url"):
        Settings.resolve({}, backend="openai")
    with pytest.raises(ConfigurationError, match="cannot take --base-url"):
        Settings.resolve({}, backend="embedded", base_url="http://127.0.0.1:9/v1")
