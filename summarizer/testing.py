"""Test helpers: fake backends, instant retries, and a real local llama.cpp server.

``ScriptedBackend`` replays outputs in order (a dict is sent as JSON, a str
as-is, so invalid answers can exercise re-asks); ``FunctionBackend`` computes
each answer from the chat request (messages and parameters);
``TaskBackend`` computes it from the typed ``ModelRequest`` the pipeline is
asking (pass name, response model, items), never from the prompt's wording.
All record every request they receive.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from . import _retry
from ._backend import Backend, allow_model_calls, register_backend
from ._drafts import MAX_SUBJECTS, MeetingDraft
from ._llama import LlamaServer
from ._names import same_name
from ._probabilities import CONTENT_FREE
from ._schema import Meeting
from .pipeline import ModelRequest, current_request

__all__ = [
    "FirstToken",
    "FunctionBackend",
    "ScriptedBackend",
    "SummaryBackendFactory",
    "TaskBackend",
    "answer_from_summary",
    "chat_answer_from_summary",
    "completion",
    "instant_retries",
    "llama_server",
    "model_answers",
]


@dataclass(frozen=True)
class FirstToken:
    """A fake's answer to a probability question: the probability of each word as the one token it writes,
    ``FirstToken({"yes": 0.9, "no": 0.1})``; the most probable is written, all are given as log-probs."""

    probabilities: dict[str, float]

    def __post_init__(self) -> None:
        if not self.probabilities:
            raise ValueError("FirstToken needs at least one word and its probability")


Answer = str | dict[str, Any] | FirstToken


def completion(
    content: str, *, model: str = "mock", finish_reason: str = "stop", top: dict[str, float] | None = None
) -> ChatCompletion:
    """Wrap ``content`` in a ChatCompletion, with rough token counts; with ``top`` (token: probability), the
    first token's log-probs as a server gives them for ``logprobs`` and ``top_logprobs``."""
    logprobs = None
    if top is not None:
        alternatives = [
            {"token": token, "logprob": math.log(p) if p > 0 else -100.0, "bytes": None} for token, p in top.items()
        ]
        logprobs = {"content": [{**alternatives[0], "token": content, "top_logprobs": alternatives}]}
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
                    "logprobs": logprobs,
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
        if isinstance(answer, FirstToken):
            ranked = dict(sorted(answer.probabilities.items(), key=lambda pair: -pair[1]))
            return completion(next(iter(ranked)), model=self._model_id, top=ranked)
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


class TaskBackend(FunctionBackend):
    """Answers each request with ``function(request)``, from the typed ``ModelRequest`` being asked.

    ``tasks`` lists the requests in order, beside the chat requests in
    ``requests``. Only requests made by a ``Summarizer`` carry one; the request
    travels in a context variable, which ``asyncio.to_thread`` (the default
    ``achat``) carries into the worker thread.
    """

    name = "task"

    def __init__(self, function: Callable[[ModelRequest], Answer], **options: Any) -> None:
        self.tasks: list[ModelRequest] = []
        self._task_function = function
        super().__init__(self._answer, **options)

    def _answer(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> Answer:
        request = current_request.get()
        if request is None:
            raise AssertionError("TaskBackend was asked outside a Summarizer's pipeline: no ModelRequest")
        self.tasks.append(request)
        return self._task_function(request)


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
    if "meeting" in meeting:  # the model gives the status after the lists; a document may leave it out
        when_where = Meeting.model_validate(meeting["meeting"]).model_dump(mode="json")
        meeting["status"] = when_where.pop("status")
        # The model gives the place and the date; code locates their evidence.
        meeting["meeting"] = {k: v for k, v in when_where.items() if k in MeetingDraft.model_fields}
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
        # Asked for the subjects of the talks, it names its own topics again, which cover themselves: the
        # subjects check adds nothing.
        "Subjects": {"subjects": [str(t.get("label", "")) for t in document.get("topics", [])][:MAX_SUBJECTS]},
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


def _role_in(document: dict[str, Any], name: str) -> str:
    """The part ``name`` plays in ``document``: its mediator, one of its sides, or neither."""
    for field, role in (("mediators", "mediator"), ("parties", "side")):
        if any(same_name(name, str(item.get("name", ""))) for item in document.get(field, [])):
            return role
    return "neither"


def answer_from_summary(document: dict[str, Any]) -> Callable[[ModelRequest], Answer]:
    """An answer function for ``TaskBackend`` that serves every strategy's passes from one summary in the
    contract's shape.

    Asked for quotes or corrections, it stands by its answer: it gives the
    quotes, or the items again, of the items the request is about. An item the
    answer never gave (one a repair step added, such as a person the article's
    wording puts in the meeting) is quoted by its own name. Asked a probability
    question, it stands by its summary too (``_sure``).
    """
    parts = model_answers(document)

    def answer(request: ModelRequest) -> Answer:
        if request.choices:
            return _sure(request.choices, content_free=request.article == CONTENT_FREE)
        if request.pass_name in ("evidence", "reground"):
            given = dict(parts["ArticleSummaryDraft"])
            if _asks_for_findings(request.response_model):
                given.update(parts["_findings_quoted"])
            if request.pass_name == "evidence":
                return {
                    field: [_quote_for(item, given[field]) for item in items] for field, items in request.items.items()
                }
            return {
                field: [_given(item, given[field]) or _echoed(item) for item in items]
                for field, items in request.items.items()
            }
        name = request.response_model.__name__
        if name == "ThirdPartyRoles":
            return {
                candidate: _role_in(document, candidate)
                for candidate in request.response_model.model_json_schema()["properties"]
            }
        if name not in parts:
            raise AssertionError(f"answer_from_summary has no answer for a {name} request")
        return parts[name]

    return answer


@dataclass(frozen=True)
class SummaryBackendFactory:
    """Builds, in whatever process calls it (a Ray actor), a ``TaskBackend`` that answers from ``summary``.

    A plain picklable value, so it can travel to workers the way a real
    backend's settings do. ``delay`` (seconds) is slept before each answer, a
    slow model for interrupt tests. ``require_env`` is an environment
    variable's name and the SHA-256 (hex) of the value it must hold where the
    backend is built: how a test sees an API key reach a worker through Ray's
    runtime environment without the key travelling in the factory itself.
    """

    summary: dict[str, Any]
    delay: float = 0.0
    require_env: tuple[str, str] | None = None

    def __call__(self) -> TaskBackend:
        if self.require_env is not None:
            name, digest = self.require_env
            value = os.environ.get(name, "")
            if hashlib.sha256(value.encode()).hexdigest() != digest:
                raise AssertionError(f"{name} does not hold the expected value in the process building the backend")
        answer = answer_from_summary(self.summary)
        delay = self.delay

        def slow(request: ModelRequest) -> Answer:
            time.sleep(delay)
            return answer(request)

        return TaskBackend(slow if delay else answer)


def chat_answer_from_summary(document: dict[str, Any]) -> Callable[[list[dict[str, Any]], dict[str, Any]], Answer]:
    """``answer_from_summary`` for a chat-level fake (``FunctionBackend``, a stub HTTP server), where no typed
    request travels: it reads only the response schema (its name, and how many items each list must hold).

    Asked for N quotes or corrections of a field, it gives those of the summary's first N items of that
    field, repeating the last when it has fewer.
    """
    parts = model_answers(document)

    def answer(messages: list[dict[str, Any]], params: dict[str, Any]) -> Answer:
        if params.get("logprobs") and "response_format" not in params:
            content_free = f"<article>\n{CONTENT_FREE}\n</article>" in str(messages[-1]["content"])
            return _sure(("yes", "no"), content_free=content_free)
        response_format = params["response_format"]["json_schema"]
        name, schema = response_format["name"], response_format["schema"]
        if name == "ThirdPartyRoles":
            return {candidate: _role_in(document, candidate) for candidate in schema["properties"]}
        if name not in ("EvidenceQuotes", "Corrections"):
            if name not in parts:
                raise AssertionError(f"chat_answer_from_summary has no answer for a {name} request")
            return parts[name]
        given = dict(parts["ArticleSummaryDraft"])
        if "QuotedDisputeFinding" in schema.get("$defs", {}):
            given.update(parts["_findings_quoted"])
        answers: dict[str, list[Any]] = {}
        for field, prop in schema["properties"].items():
            items = given[field] or [{"evidence": ""}]
            chosen = [items[min(n, len(items) - 1)] for n in range(prop["minItems"])]
            answers[field] = [item["evidence"] for item in chosen] if name == "EvidenceQuotes" else chosen
        return answers

    return answer


def _sure(choices: tuple[str, ...], *, content_free: bool) -> FirstToken:
    """A fake's probabilities: sure of the first choice over an article (the summary's "yes, the talks were
    there"), even odds with no article, so a calibrated verification keeps what the summary says."""
    if content_free:
        return FirstToken(dict.fromkeys(choices, 1 / len(choices)))
    return FirstToken({choice: 0.99 if n == 0 else 0.01 / max(1, len(choices) - 1) for n, choice in enumerate(choices)})


def _asks_for_findings(model: type[BaseModel]) -> bool:
    """Whether a re-ask wants disputed claims in the disputes pass's shape (claimant, denier)."""
    return "QuotedDisputeFinding" in model.model_json_schema().get("$defs", {})


def _headline(item: dict[str, Any] | BaseModel) -> str:
    data = item.model_dump() if isinstance(item, BaseModel) else item
    return str(data.get("name") or data.get("label") or data.get("claim") or "")


def _given(item: BaseModel, given: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((g for g in given if _headline(g) == _headline(item)), None)


def _echoed(item: BaseModel) -> dict[str, Any]:
    """An item the answer never gave, given back as asked, quoting its own name."""
    data = item.model_dump(exclude={"evidence"})
    if "claimed_by" in data:  # asked in the disputes pass's shape
        data = {
            "claim": data["claim"],
            "claimant": data["claimed_by"],
            "denier": data["disputed_by"],
            "stance": data["stance"],
        }
    return {**data, "evidence": _headline(item)}


def _quote_for(item: BaseModel, given: list[dict[str, Any]]) -> Any:
    found = _given(item, given)
    return found["evidence"] if found is not None else _headline(item)


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
