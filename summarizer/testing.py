"""Test helpers: fake backends, instant retries, and a real local llama.cpp server.

``ScriptedBackend`` replays outputs in order (a dict is sent as JSON, a str
as-is, so invalid answers can exercise re-asks); ``FunctionBackend`` computes
each answer from the request. Both record every request they receive.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from . import _retry
from ._backend import Backend, allow_model_calls, register_backend
from ._llama import LlamaServer

__all__ = [
    "FunctionBackend",
    "ScriptedBackend",
    "answer_from_summary",
    "completion",
    "instant_retries",
    "llama_server",
    "model_answers",
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


def model_answers(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What the model would answer to each pass's request, given one summary in the contract's shape.

    Keyed by the name of the response model asked for: the whole summary in
    one call (items with their quotes), its meeting facts, its disputes
    (denier first) without quotes. Items without evidence quote "".
    """

    def bare(item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if k != "evidence"}

    def quoted(item: dict[str, Any]) -> dict[str, Any]:
        return {**bare(item), "evidence": _quote_of(item)}

    meeting = {k: v for k, v in document.items() if k not in ("disputed_claims", "dropped")}
    findings = [
        {"denier": c["disputed_by"], "stance": c["stance"], "claim": c["claim"], "claimant": c["claimed_by"]}
        for c in document.get("disputed_claims", [])
    ]
    return {
        "ArticleSummaryDraft": {
            **meeting,
            **{field: [quoted(item) for item in document.get(field, [])] for field in _ITEM_FIELDS},
        },
        "MeetingFacts": {**meeting, **{field: [bare(item) for item in document.get(field, [])] for field in _MEETING}},
        "DisputeFindings": {"disputed_claims": findings},
        "_findings_quoted": {
            "disputed_claims": [
                {**finding, "evidence": _quote_of(claim)}
                for finding, claim in zip(findings, document.get("disputed_claims", []), strict=True)
            ]
        },
    }


_MEETING = ("parties", "participants", "mediators", "topics")
_ITEM_FIELDS = (*_MEETING, "disputed_claims")


def _quote_of(item: dict[str, Any]) -> str:
    return str((item.get("evidence") or {}).get("quote", ""))


def answer_from_summary(document: dict[str, Any]) -> Callable[[list[dict[str, Any]], dict[str, Any]], Answer]:
    """An answer function that serves every strategy's passes from one summary in the contract's shape.

    Asked for quotes or corrections, it stands by its answer: it gives the
    quotes, or the items again, of the items named in the request.
    """
    parts = model_answers(document)

    def answer(messages: list[dict[str, Any]], params: dict[str, Any]) -> Answer:
        response_format = (params.get("response_format") or {}).get("json_schema", {})
        name = response_format.get("name", "ArticleSummaryDraft")
        if name in ("EvidenceQuotes", "Corrections"):
            schema = response_format["schema"]
            asked = messages[-1]["content"]
            items = dict(parts["ArticleSummaryDraft"])
            if "QuotedDisputeFinding" in schema.get("$defs", {}):
                items.update(parts["_findings_quoted"])
            if name == "EvidenceQuotes":
                return {field: _quotes_asked(items[field], field, asked) for field in schema["properties"]}
            return {field: [i for i in items[field] if _headline(i) in asked] for field in schema["properties"]}
        if name not in parts:
            raise AssertionError(f"answer_from_summary has no answer for a {name} request")
        return parts[name]

    return answer


def _quotes_asked(items: list[dict[str, Any]], field: str, asked: str) -> list[Any]:
    """The quote of each item the request lists under ``field``, in its order.

    An item the answer never gave (one the code added, such as a person the
    article's wording puts in the meeting) is quoted by its own name.
    """
    listed = asked.split(f"\n{field}:\n", 1)[1].split(":\n", 1)[0] if f"\n{field}:\n" in asked else ""
    quotes: list[Any] = []
    for line in re.findall(r"^\d+\. (.*)$", listed, re.MULTILINE):
        given = next((i for i in items if line.startswith(_headline(i))), None)
        quotes.append(given["evidence"] if given else ast.literal_eval(line.split(" (evidence ")[0]))
    return quotes


def _headline(item: dict[str, Any]) -> str:
    return repr(item.get("name") or item.get("label") or item.get("claim") or "")


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


@contextlib.contextmanager
def llama_server(model_path: Path, *, alias: str = "local", n_ctx: int = 8192) -> Iterator[LlamaServer]:
    """llama.cpp's HTTP server (``llama-server``, run by xllamacpp) with ``model_path`` on 127.0.0.1.

    Yields the running server: ``.base_url`` (``http://127.0.0.1:PORT/v1``) and
    ``.api_key``, which every request must carry. Stopped on exit.
    """
    server = LlamaServer(model_path, alias=alias, n_ctx=n_ctx)
    with allow_model_calls():
        server.start()
    try:
        yield server
    finally:
        server.close()
