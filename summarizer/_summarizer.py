"""Turning an article into a validated ``ArticleSummary``: a strategy's passes, constrained calls, re-asks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import instructor
from instructor.core import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel
from tenacity import AsyncRetrying, Retrying, retry_if_exception_type, stop_after_attempt

from ._article import check_article_text
from ._backend import Backend
from ._exceptions import ArticleTooLongError, ExtractionError, SummarizerError
from ._grounding import Grounding, grounding_counts, quotable_phrases
from ._prompts import PromptSet, load_prompts
from ._schema import (
    ITEM_FIELDS,
    SCHEMA_VERSION,
    ArticleSummary,
    DisputedClaim,
    Evidence,
    corrections_model,
    quotes_model,
)
from ._settings import Settings
from ._strategies import Pass, Strategy, get_strategy

__all__ = ["RunMeta", "Summarizer", "SummaryFailure", "SummaryResult", "summarize", "summarize_many"]


class RunMeta(BaseModel):
    """How a summary was produced."""

    backend: str
    model: str
    strategy: str
    prompt_version: str
    schema_version: str
    prompt_tokens: int
    #: Of ``prompt_tokens``, those the server reused from its prompt cache instead of reading
    #: (``usage.prompt_tokens_details.cached_tokens``): the passes' shared system prompt and article.
    cached_prompt_tokens: int = 0
    completion_tokens: int
    #: Model calls, over every pass and re-ask.
    attempts: int
    #: Answered from the result cache: the other fields describe the run that made it.
    cached: bool = False
    #: Items sent back to the model once because they failed grounding.
    regrounded: int = 0
    #: Grounded items / all items the model gave (null when it gave none).
    grounding_rate: float | None = None
    #: Names of sides, people and mediators not in the article / all such names.
    hallucinated_entity_rate: float | None = None
    seconds: float


@dataclass(frozen=True)
class SummaryResult:
    summary: ArticleSummary
    meta: RunMeta

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary.model_dump(mode="json"), "meta": self.meta.model_dump(mode="json")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SummaryResult:
        return cls(ArticleSummary.model_validate(data["summary"]), RunMeta.model_validate(data["meta"]))


@dataclass(frozen=True)
class SummaryFailure:
    """An article that could not be summarized, in a batch where the others could."""

    kind: str
    message: str
    attempts: int | None = None

    @classmethod
    def from_error(cls, exc: SummarizerError) -> SummaryFailure:
        return cls(kind=type(exc).__name__, message=str(exc), attempts=getattr(exc, "attempts", None))


@dataclass
class _CallLog:
    """What the backend was asked during one summary, across passes and re-asks."""

    base_messages: int = 0
    attempts: int = 0
    regrounded: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0

    def trim(self, request: dict[str, Any]) -> dict[str, Any]:
        """Count the attempt and keep only the newest failed answer and its error in the transcript.

        instructor appends every failed answer and its error message; keeping
        only the latest pair stops re-asks from growing the prompt.
        """
        self.attempts += 1
        history = request["messages"]
        return {**request, "messages": history[: self.base_messages] + history[self.base_messages :][-2:]}

    def record(self, response: ChatCompletion) -> ChatCompletion:
        if response.usage is not None:
            self.prompt_tokens += response.usage.prompt_tokens
            self.completion_tokens += response.usage.completion_tokens
            details = response.usage.prompt_tokens_details
            self.cached_prompt_tokens += (details.cached_tokens or 0) if details is not None else 0
        return response


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
        self.strategy: Strategy = get_strategy(self.settings.strategy)
        self.prompts: PromptSet = load_prompts(self.strategy.prompt_version)

    def result_identity(self) -> dict[str, Any]:
        """Everything that shapes a summary besides the article: a result cache's key includes it."""
        s = self.settings
        options = {
            "temperature": s.temperature,
            "seed": s.seed,
            "max_tokens": s.max_tokens,
            "max_reasks": s.max_reasks,
            "keep_ungrounded": s.keep_ungrounded,
            "mode": s.mode if s.base_url else None,
        }
        return {
            "model": s.model_identity(),
            "strategy": self.strategy.name,
            "prompt_version": self.prompts.version,
            "schema_version": SCHEMA_VERSION,
            "options": options,
        }

    @property
    def backend_started(self) -> bool:
        """Whether the backend exists yet (reading ``backend`` creates it, loading a model)."""
        return self._backend is not None

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
        started = time.perf_counter()
        backend, log = self._start(text)
        answers = {}
        for step in self.strategy.passes:
            request = self._pass_request(backend, step, text, log)
            if request is not None:
                answers[step.name] = self._call(backend, log, request)
        summary = self.strategy.combine(answers, text)
        request = self._evidence_request(backend, summary, text, log)
        if request is not None:
            summary = _with_quotes(summary, self._call(backend, log, request))
        grounding = Grounding(summary, text)
        request = self._reground_request(backend, grounding, text, log)
        if request is not None:
            grounding.replace(_corrected_items(self._call(backend, log, request)))
        return self._result(backend, grounding, log, started)

    async def arun(self, text: str) -> SummaryResult:
        """``run`` for asyncio: the backend's async path, so many articles can share one loop."""
        started = time.perf_counter()
        backend, log = self._start(text)
        answers = {}
        for step in self.strategy.passes:
            request = self._pass_request(backend, step, text, log)
            if request is not None:
                answers[step.name] = await self._acall(backend, log, request)
        summary = self.strategy.combine(answers, text)
        request = self._evidence_request(backend, summary, text, log)
        if request is not None:
            summary = _with_quotes(summary, await self._acall(backend, log, request))
        grounding = Grounding(summary, text)
        request = self._reground_request(backend, grounding, text, log)
        if request is not None:
            grounding.replace(_corrected_items(await self._acall(backend, log, request)))
        return self._result(backend, grounding, log, started)

    def _call(self, backend: Backend, log: _CallLog, request: dict[str, Any]) -> BaseModel:
        create = instructor.patch(create=self._sender(backend, log), mode=backend.instructor_mode)
        with self._extraction_errors(log):
            answer: BaseModel = create(**request, **self._reasks(Retrying))
        return answer

    async def _acall(self, backend: Backend, log: _CallLog, request: dict[str, Any]) -> BaseModel:
        create = instructor.patch(create=self._async_sender(backend, log), mode=backend.instructor_mode)
        with self._extraction_errors(log):
            answer: BaseModel = await create(**request, **self._reasks(AsyncRetrying))
        return answer

    def run_many(self, texts: Iterable[str], *, concurrency: int | None = None) -> list[SummaryResult | SummaryFailure]:
        """Summarize many articles, in input order; one article's failure does not stop the others.

        Requests run concurrently up to ``concurrency``, bounded by what the
        backend serves at once (a server's limit, the embedded model's slots).
        """
        limit = min(concurrency or self.settings.requests_at_once, self.backend.max_concurrency)
        return asyncio.run(self._run_many(list(texts), max(1, limit)))

    async def _run_many(self, texts: list[str], limit: int) -> list[SummaryResult | SummaryFailure]:
        gate = asyncio.Semaphore(limit)

        async def one(text: str) -> SummaryResult | SummaryFailure:
            async with gate:
                try:
                    return await self.arun(text)
                except SummarizerError as exc:
                    return SummaryFailure.from_error(exc)

        try:
            return list(await asyncio.gather(*(one(t) for t in texts)))
        finally:
            await self.backend.aclose()

    def _start(self, text: str) -> tuple[Backend, _CallLog]:
        check_article_text(text)
        return self.backend, _CallLog()

    def _pass_request(self, backend: Backend, step: Pass, text: str, log: _CallLog) -> dict[str, Any] | None:
        """The pass's request, or None when the pass has nothing to do for this article."""
        prepared = step.request(text)
        if prepared is None:
            return None
        values, response_model = prepared
        return self._request(backend, step.name, response_model, text, values, log)

    def _evidence_request(
        self, backend: Backend, summary: ArticleSummary, text: str, log: _CallLog
    ) -> dict[str, Any] | None:
        """The items that came without a quote, listed for one pass that asks for a quote of each."""
        unquoted = {
            field: [item for item in summary.items(field) if getattr(item, "evidence", None) is None]
            for field in ITEM_FIELDS
        }
        unquoted = {field: items for field, items in unquoted.items() if items}
        if not unquoted:
            return None
        lines = []
        for field, items in unquoted.items():
            lines.append(f"{field}:")
            lines.extend(f"{number}. {_describe(item)}" for number, item in enumerate(items, start=1))
        phrases = quotable_phrases(text)
        if not backend.accepts_enum(phrases):
            phrases = []  # the server cannot take them all: free quotes, checked by code as ever
        model = quotes_model({field: len(items) for field, items in unquoted.items()}, phrases)
        return self._request(backend, "evidence", model, text, {"items": "\n".join(lines)}, log)

    def _reground_request(
        self, backend: Backend, grounding: Grounding, text: str, log: _CallLog
    ) -> dict[str, Any] | None:
        """One targeted re-ask for the items that failed grounding: which ones, and why."""
        if not grounding.ungrounded:
            return None
        failed: dict[str, int] = {}
        lines = []
        for number, failure in enumerate(grounding.ungrounded, start=1):
            failed[failure.field] = failed.get(failure.field, 0) + 1
            item = grounding.summary.items(failure.field)[failure.index]
            lines.append(f"{number}. {failure.field}: {_describe(item)} - {failure.detail}")
        model = corrections_model({field: (self.strategy.drafts[field], count) for field, count in failed.items()})
        log.regrounded = len(lines)
        return self._request(backend, "reground", model, text, {"failures": "\n".join(lines)}, log)

    def _request(
        self,
        backend: Backend,
        template: str,
        response_model: type[BaseModel],
        text: str,
        values: dict[str, str],
        log: _CallLog,
    ) -> dict[str, Any]:
        messages = self.prompts.messages(template, text, response_model, values)
        self._check_fits(backend, messages)
        log.base_messages = len(messages)
        return {
            "response_model": response_model,
            "messages": messages,
            "max_tokens": self.settings.max_tokens,
            "temperature": self.settings.temperature,
            "seed": self.settings.seed,
        }

    def _reasks(self, retrying: type[Retrying] | type[AsyncRetrying]) -> dict[str, Any]:
        """instructor's ``max_retries``: re-ask on invalid answers, up to ``max_reasks`` times."""
        policy = retrying(
            stop=stop_after_attempt(1 + self.settings.max_reasks),
            retry=retry_if_exception_type(ValueError),  # pydantic and JSON errors; backend errors are final
            reraise=True,
        )
        return {"max_retries": policy}

    def _result(self, backend: Backend, grounding: Grounding, log: _CallLog, started: float) -> SummaryResult:
        summary = grounding.settle(keep_ungrounded=self.settings.keep_ungrounded)
        counts = grounding_counts(summary)
        meta = RunMeta(
            backend=backend.name,
            model=backend.model_id,
            strategy=self.strategy.name,
            prompt_version=self.prompts.version,
            schema_version=SCHEMA_VERSION,
            prompt_tokens=log.prompt_tokens,
            cached_prompt_tokens=log.cached_prompt_tokens,
            completion_tokens=log.completion_tokens,
            attempts=log.attempts,
            regrounded=log.regrounded,
            grounding_rate=counts.grounding_rate,
            hallucinated_entity_rate=counts.hallucinated_entity_rate,
            seconds=round(time.perf_counter() - started, 3),
        )
        return SummaryResult(summary=summary, meta=meta)

    def _check_fits(self, backend: Backend, messages: list[dict[str, str]]) -> None:
        window = backend.context_window
        if window is None:
            return
        needed = backend.count_tokens(messages)
        if needed is None:
            return
        room = window - self.settings.max_tokens
        if needed > room:
            raise ArticleTooLongError(
                f"the article is too long for the model: the prompt needs {needed:,} tokens but "
                f"{window:,}-token context leaves {room:,} after {self.settings.max_tokens:,} for the answer; "
                "shorten the article or raise --n-ctx"
            )

    @staticmethod
    def _sender(backend: Backend, log: _CallLog) -> Callable[..., ChatCompletion]:
        def send(**request: Any) -> ChatCompletion:
            return log.record(backend.chat(**log.trim(request)))

        return send

    @staticmethod
    def _async_sender(backend: Backend, log: _CallLog) -> Callable[..., Awaitable[ChatCompletion]]:
        async def send(**request: Any) -> ChatCompletion:
            return log.record(await backend.achat(**log.trim(request)))

        return send

    @contextmanager
    def _extraction_errors(self, log: _CallLog) -> Iterator[None]:
        try:
            yield
        except IncompleteOutputException:
            raise ExtractionError(
                f"the model's answer was cut off at the {self.settings.max_tokens}-token output limit "
                "(raise --max-tokens)",
                attempts=log.attempts,
            ) from None
        except InstructorRetryException as exc:
            # instructor wraps whatever ended the attempts; our own errors (backend, settings) keep their type.
            if isinstance(exc.__cause__, SummarizerError):
                raise exc.__cause__ from None
            raise ExtractionError(
                f"no valid summary after {log.attempts} attempt(s): {_first_line(exc)}",
                attempts=log.attempts,
            ) from exc


def _describe(item: BaseModel) -> str:
    """An item in a few words for a prompt: its name (or label, or claim, with who said it), and its quote."""
    if isinstance(item, DisputedClaim):
        head = f"{item.claim!r} (claimed by {', '.join(item.claimed_by)}; disputed by {', '.join(item.disputed_by)})"
    else:
        head = repr(getattr(item, "name", None) or getattr(item, "label", ""))
    evidence = getattr(item, "evidence", None)
    quote = evidence.quote if evidence is not None else ""
    return f"{head} (evidence {quote!r})" if quote else head


def _with_quotes(summary: ArticleSummary, answer: BaseModel) -> ArticleSummary:
    """Give each unquoted item its quote from the evidence pass, in order."""
    updates = {}
    for field in type(answer).model_fields:
        quotes = iter(getattr(answer, field))  # as many as asked for: the schema fixes the count
        updates[field] = [
            item.model_copy(update={"evidence": Evidence(quote=next(quotes))})
            if getattr(item, "evidence", None) is None
            else item
            for item in summary.items(field)
        ]
    return summary.model_copy(update=updates)


def _corrected_items(answer: BaseModel) -> dict[str, list[BaseModel]]:
    return {field: [draft.to_item() for draft in getattr(answer, field)] for field in type(answer).model_fields}


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


def summarize_many(
    texts: Iterable[str], *, concurrency: int | None = None, backend: Backend | None = None, **settings: Any
) -> list[SummaryResult | SummaryFailure]:
    """Summarize many articles; results come back in input order, failures as ``SummaryFailure``."""
    # The concurrency is a setting too: it decides how many slots the embedded model opens.
    resolved = Settings.resolve(concurrency=concurrency, **settings)
    with Summarizer(backend, settings=resolved) as summarizer:
        return summarizer.run_many(texts, concurrency=concurrency)
