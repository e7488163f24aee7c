"""Test helpers: fake backends, instant retries, and a real local llama.cpp server.

``ScriptedBackend`` replays outputs in order (a dict is sent as JSON, a str
as-is, so invalid answers can exercise re-asks); ``FunctionBackend`` computes
each answer from the request. Both record every request they receive.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from . import _retry
from ._backend import Backend, register_backend

__all__ = [
    "FunctionBackend",
    "ScriptedBackend",
    "answer_from_summary",
    "completion",
    "free_port",
    "instant_retries",
    "llama_server",
]

Answer = str | dict[str, Any]


def completion(content: str, *, model: str = "mock", finish_reason: str = "stop") -> ChatCompletion:
    """Wrap ``content`` in a ChatCompletion, with rough token counts."""
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-mock",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish_reason,
                    "message": {"role": "assistant", "content": content},
                }
            ],
            "usage": {
                "prompt_tokens": 0,
                "completion_tokens": len(content.split()),
                "total_tokens": len(content.split()),
            },
        }
    )


class FunctionBackend(Backend):
    """Answers each request with ``function(messages, params)``."""

    name = "function"

    def __init__(
        self,
        function: Callable[[list[dict[str, Any]], dict[str, Any]], Answer],
        *,
        model_id: str = "function",
        context_window: int | None = None,
    ) -> None:
        self.function = function
        self.requests: list[dict[str, Any]] = []
        self._model_id = model_id
        self._context_window = context_window

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def context_window(self) -> int | None:
        return self._context_window

    def count_tokens(self, messages: list[dict[str, str]]) -> int | None:
        if self._context_window is None:
            return None
        return sum(len(str(m.get("content", "")).split()) for m in messages)

    def chat(self, *, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        self.requests.append({"messages": [dict(m) for m in messages], **params})
        answer = self.function(messages, params)
        content = answer if isinstance(answer, str) else json.dumps(answer)
        return completion(content, model=self._model_id)


class ScriptedBackend(FunctionBackend):
    """Replays ``answers`` in order; raises if asked more often than scripted."""

    name = "mock"

    def __init__(self, answers: Iterable[Answer], **options: Any) -> None:
        self._answers = list(answers)
        super().__init__(self._next, **options)

    def _next(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> Answer:
        if not self._answers:
            raise AssertionError(f"ScriptedBackend ran out of answers after {len(self.requests)} requests")
        return self._answers.pop(0)


register_backend("mock", ScriptedBackend)


def answer_from_summary(document: dict[str, Any]) -> Callable[[list[dict[str, Any]], dict[str, Any]], Answer]:
    """An answer function that serves every strategy's passes from one full summary document.

    Each pass asks for a named model (``response_format.json_schema.name``):
    the whole summary, its meeting facts, or its disputes (denier first).
    """
    disputes = [
        {"denier": c["disputed_by"], "stance": c["stance"], "claim": c["claim"], "claimant": c["claimed_by"]}
        for c in document.get("disputed_claims", [])
    ]
    parts: dict[str, Answer] = {
        "ArticleSummary": document,
        "MeetingFacts": {k: v for k, v in document.items() if k != "disputed_claims"},
        "DisputeFindings": {"disputed_claims": disputes},
    }

    def answer(messages: list[dict[str, Any]], params: dict[str, Any]) -> Answer:
        name = (params.get("response_format") or {}).get("json_schema", {}).get("name", "ArticleSummary")
        return parts[name]

    return answer


@contextlib.contextmanager
def instant_retries() -> Iterator[list[float]]:
    """Make transport-retry waits instant; yields the list of waits that would have been slept."""
    waits: list[float] = []

    async def record_async(seconds: float) -> None:
        waits.append(seconds)

    saved = _retry._sleep_impl, _retry._async_sleep_impl
    _retry._sleep_impl, _retry._async_sleep_impl = waits.append, record_async
    try:
        yield waits
    finally:
        _retry._sleep_impl, _retry._async_sleep_impl = saved


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def llama_server(model_path: Path, *, n_ctx: int = 8192, startup_timeout: float = 180.0) -> Iterator[str]:
    """Yield the server's base URL (``http://127.0.0.1:PORT/v1``) once it answers; stop it afterwards."""
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path),
        "--model_alias", "local",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--verbose", "False",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode(errors="replace")[-2000:] if process.stderr else ""
                raise RuntimeError(f"llama_cpp.server exited with {process.returncode}: {error}")
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not answer within {startup_timeout:.0f} s")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
