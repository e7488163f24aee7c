"""Turning an article into a validated ``ArticleSummary``: prompt, constrained call, re-asks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import instructor
from instructor.core import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from ._article import check_article_text
from ._backend import Backend
from ._exceptions import ArticleTooLongError, ExtractionError
from ._prompts import ChatPrompt, load_prompt
from ._schema import SCHEMA_VERSION, ArticleSummary
from ._settings import Settings

__all__ = ["RunMeta", "Summarizer", "SummaryResult", "summarize"]


class RunMeta(BaseModel):
    """How a summary was produced."""

    backend: str
    model: str
    prompt_version: str
    schema_version: str
    prompt_tokens: int
    completion_tokens: int
    attempts: int
    seconds: float


@dataclass(frozen=True)
class SummaryResult:
    summary: ArticleSummary
    meta: RunMeta


@dataclass
class _CallLog:
    """What the backend was asked during one summary, across re-asks."""

    base_messages: int
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    completions: list[ChatCompletion] = field(default_factory=list)


class Summarizer:
    """Summarizes articles with one backend, kept loaded between articles.

    >>> with Summarizer() as s:                      # doctest: +SKIP
    ...     first = s.summarize(text_a)
    ...     second = s.summarize(text_b)
    """

    def __init__(
        self,
        backend: Backend | None = None,
        *,
        settings: Settings | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings or Settings.resolve()
        self._backend = backend
        self._progress = progress
        self.prompt: ChatPrompt = load_prompt(self.settings.prompt)

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = self.settings.create_backend(progress=self._progress)
        return self._backend

    def __enter__(self) -> Summarizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()

    def summarize(self, text: str) -> ArticleSummary:
        return self.run(text).summary

    def run(self, text: str) -> SummaryResult:
        """Summarize ``text`` and report how (tokens, attempts, seconds)."""
        check_article_text(text)
        started = time.perf_counter()
        backend = self.backend
        messages = self.prompt.messages(text, ArticleSummary)
        self._check_fits(backend, messages)
        log = _CallLog(base_messages=len(messages))
        summary = self._extract(backend, messages, log)
        meta = RunMeta(
            backend=backend.name,
            model=backend.model_id,
            prompt_version=self.prompt.version,
            schema_version=SCHEMA_VERSION,
            prompt_tokens=log.prompt_tokens,
            completion_tokens=log.completion_tokens,
            attempts=log.attempts,
            seconds=round(time.perf_counter() - started, 3),
        )
        return SummaryResult(summary=summary, meta=meta)

    def _check_fits(self, backend: Backend, messages: list[dict[str, str]]) -> None:
        window = backend.context_window
        needed = backend.count_tokens(messages)
        if window is None or needed is None:
            return
        room = window - self.settings.max_tokens
        if needed > room:
            raise ArticleTooLongError(
                f"the article is too long for the model: the prompt needs {needed:,} tokens but "
                f"{window:,}-token context leaves {room:,} after {self.settings.max_tokens:,} for the answer; "
                "shorten the article or raise --n-ctx"
            )

    def _extract(self, backend: Backend, messages: list[dict[str, str]], log: _CallLog) -> ArticleSummary:
        def send(**request: Any) -> ChatCompletion:
            # instructor appends every failed answer and its error to the
            # transcript; keep only the newest pair so re-asks do not grow.
            history = request.pop("messages")
            request["messages"] = history[: log.base_messages] + history[log.base_messages :][-2:]
            log.attempts += 1
            response = backend.chat(**request)
            log.completions.append(response)
            if response.usage is not None:
                log.prompt_tokens += response.usage.prompt_tokens
                log.completion_tokens += response.usage.completion_tokens
            return response

        create = instructor.patch(create=send, mode=instructor.Mode.JSON_SCHEMA)
        attempts = 1 + self.settings.max_reasks
        reasks = Retrying(
            stop=stop_after_attempt(attempts),
            retry=retry_if_exception_type(ValueError),  # pydantic and JSON errors; backend errors are final
            reraise=True,
        )
        try:
            answer = create(
                response_model=ArticleSummary,
                messages=messages,
                max_retries=reasks,
                max_tokens=self.settings.max_tokens,
                temperature=self.settings.temperature,
                seed=self.settings.seed,
            )
        except IncompleteOutputException:
            raise ExtractionError(
                f"the model's answer was cut off at the {self.settings.max_tokens}-token output limit "
                "(raise --max-tokens)",
                attempts=log.attempts,
            ) from None
        except InstructorRetryException as exc:
            raise ExtractionError(
                f"no valid summary after {log.attempts} attempt(s): {_first_line(exc)}",
                attempts=log.attempts,
            ) from exc
        # instructor hands back its own subclass carrying the raw response; callers get the plain model.
        return ArticleSummary.model_validate(answer.model_dump())


def _first_line(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    text = " ".join(str(cause).split())
    return text[:300]


_shared: dict[Settings, Summarizer] = {}


def summarize(text: str, *, backend: Backend | None = None, **settings: Any) -> ArticleSummary:
    """Summarize one article with the given backend, or the one ``settings`` describe.

    Without a backend, the model is loaded once per distinct settings and kept
    for later calls, so calling this in a loop does not reload it.
    """
    resolved = Settings.resolve(**settings)
    if backend is not None:
        return Summarizer(backend, settings=resolved).summarize(text)
    if resolved not in _shared:
        _shared[resolved] = Summarizer(settings=resolved)
    return _shared[resolved].summarize(text)
