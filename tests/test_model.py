"""The real embedded model, end to end. Slow: tens of seconds per article on 2 cores."""

import json
import subprocess
import sys

import pytest

from summarizer import ArticleSummary, ArticleTooLongError, Settings, Summarizer
from tests.conftest import ROOT, SEED

pytestmark = pytest.mark.model


def test_grammar_reaches_the_sampler(real_summarizer):
    """The prompt begs for prose; only a grammar can make the answer match the schema."""
    schema = {
        "type": "object",
        "properties": {"verdict": {"type": "string", "enum": ["alpha", "omega"]}, "count": {"type": "integer"}},
        "required": ["verdict", "count"],
        "additionalProperties": False,
    }
    response = real_summarizer.backend.chat(
        messages=[{"role": "user", "content": "Write a short poem about the sea. Do not use JSON or braces."}],
        response_format={"type": "json_schema", "json_schema": {"name": "Verdict", "schema": schema}},
        max_tokens=40,
        temperature=0.0,
    )
    content = response.choices[0].message.content
    assert content is not None
    document = json.loads(content)
    assert set(document) == {"verdict", "count"}
    assert document["verdict"] in {"alpha", "omega"}
    assert isinstance(document["count"], int)


def test_seed_article_names_the_russian_peacekeepers_as_mediator(real_summarizer):
    result = real_summarizer.run(SEED.read_text(encoding="utf-8"))
    summary = ArticleSummary.model_validate(result.summary.model_dump())
    mediators = " ".join(m.name.lower() for m in summary.mediators)
    assert "russia" in mediators
    assert "peacekeep" in mediators
    assert result.meta.attempts >= 1
    assert result.meta.prompt_tokens > 500


def test_article_too_long_is_measured_with_the_real_tokenizer(real_summarizer):
    small = Summarizer(real_summarizer.backend, settings=Settings(n_ctx=8192, max_tokens=1024))
    with pytest.raises(ArticleTooLongError, match="too long"):
        small.summarize("Delegations met again to discuss the corridor. " * 1200)


def test_cli_on_the_seed_prints_valid_json(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", str(SEED), "--meta"],
        capture_output=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    document = json.loads(proc.stdout)
    meta = document.pop("meta")
    ArticleSummary.model_validate(document)
    assert meta["model"] == "qwen2.5-coder-1.5b"
    assert ROOT.exists()
