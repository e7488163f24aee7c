"""llama.cpp's own HTTP server (llama-server, run by xllamacpp) with the embedded model, driven by the real client."""

import asyncio
import json
import os
import subprocess
import sys

import httpx2
import psutil
import pytest

from summarizer import EMBEDDED_MODELS, ArticleSummary, OpenAIBackend, Settings, StructuredMode, Summarizer
from summarizer._embedded import ensure_model_file
from summarizer.reading._english import actor_mentions, dispute_passages
from summarizer.testing import llama_server
from tests.conftest import ROOT, SEED

pytestmark = pytest.mark.model

SHORT_ARTICLE = ROOT / "evals" / "edge-cases" / "edge-direct-talks-fisheries.txt"


@pytest.fixture(scope="module")
def server():
    model = ensure_model_file(EMBEDDED_MODELS["qwen2.5-coder-1.5b"])
    with llama_server(model) as running:
        yield running


def test_auto_mode_finds_the_json_schema_dialect(server):
    backend = OpenAIBackend("local", base_url=server.base_url, api_key=server.api_key)
    assert backend.structured_mode is StructuredMode.json_schema


def test_listener_is_on_loopback_only_and_wants_the_key(server):
    listening = [c for c in psutil.Process(os.getpid()).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening, "the server's HTTP listener"
    assert {c.laddr.ip for c in listening} <= {"127.0.0.1", "::1"}
    assert httpx2.get(f"{server.base_url}/models", timeout=10).status_code == 401
    keyed = httpx2.get(f"{server.base_url}/models", headers={"Authorization": f"Bearer {server.api_key}"}, timeout=10)
    assert keyed.status_code == 200


def test_cli_against_the_server(server, tmp_path):
    command = [sys.executable, "-m", "summarizer", str(SEED), "--meta", "--base-url", server.base_url]
    proc = subprocess.run(
        [*command, "--api-key", server.api_key],
        capture_output=True,
        cwd=tmp_path,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    document = json.loads(proc.stdout)
    meta = document.pop("meta")
    assert meta["backend"] == "openai"
    assert meta["model"] == "local"  # the server's only model, found without --model
    summary = ArticleSummary.model_validate(document)
    assert any("russia" in m.name.lower() for m in summary.mediators)
    # The server's grammar holds claimants and deniers to the actors of the denial passages too.
    article = SEED.read_text(encoding="utf-8")
    actors = set(actor_mentions(dispute_passages(article), article))
    assert summary.disputed_claims
    assert all(set(c.claimed_by) | set(c.disputed_by) <= actors for c in summary.disputed_claims)


def test_async_library_path_against_the_server(server):
    backend = OpenAIBackend("local", base_url=server.base_url, api_key=server.api_key)
    summarizer = Summarizer(backend, settings=Settings())
    result = asyncio.run(summarizer.arun(SHORT_ARTICLE.read_text(encoding="utf-8")))
    assert result.meta.prompt_tokens > 200
    assert {p.name for p in result.summary.participants} & {"Ingrid Solberg", "Tomas Rehn"}


def test_batch_against_the_server_at_concurrency_2(server, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("edge-direct-talks-fisheries", "edge-no-meeting-harbour-strike"):
        (folder / f"{name}.txt").write_bytes((ROOT / "evals" / "edge-cases" / f"{name}.txt").read_bytes())
    (folder / "blank.txt").write_text(" \n", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    command = [sys.executable, "-m", "summarizer", "batch", str(folder), "--out", str(out)]
    command += ["--base-url", server.base_url, "--api-key", server.api_key]
    command += ["--concurrency", "2", "--no-cache", "--progress"]
    proc = subprocess.run(command, capture_output=True, cwd=tmp_path, timeout=900, check=False)
    assert proc.returncode == 1, proc.stderr.decode()  # the blank article is a failed record
    records = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert set(records) == {"edge-direct-talks-fisheries", "edge-no-meeting-harbour-strike", "blank"}
    assert records["blank"]["error"]["kind"] == "ArticleError"
    fisheries = ArticleSummary.model_validate(records["edge-direct-talks-fisheries"]["summary"])
    assert {p.name for p in fisheries.participants} & {"Ingrid Solberg", "Tomas Rehn"}
    assert records["edge-direct-talks-fisheries"]["meta"]["backend"] == "openai"
    assert "2 summarized, 0 from cache, 1 failed" in proc.stderr.decode()
