"""Turning an article into a validated ``ArticleSummary``: a strategy's passes, constrained calls, re-asks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Any

import instructor
from instructor.core import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, Field, computed_field
from tenacity import AsyncRetrying, Retrying, retry_if_exception_type, stop_after_attempt

from ._article import check_article_text
from ._backend import Backend
from ._exceptions import (
    ArticleError,
    ArticleTooLongError,
    BackendError,
    ExtractionError,
    ModelCallsBlockedError,
    SummarizerError,
)
from ._probabilities import ChoiceProbabilities, choice_probabilities, probability_params
from ._prompts import PromptSet, load_prompts
from ._resources import code_digest, library_versions
from ._schema import SCHEMA_VERSION, ArticleSummary
from ._settings import Settings
from .grounding import grounding_counts, in_original
from .pipeline import ModelRequest, Plan, Settles, Strategy, current_request, get_strategy, plan, plan_chunks
from .reading import Reading, read
from .text import CleanText, chunk_spans, clean

__all__ = ["RequestMeta", "RunMeta", "Summarizer", "SummaryFailure", "SummaryResult", "summarize", "summarize_many"]


class RequestMeta(BaseModel):
    """One model call: which step asked it, and what the server read and wrote for it (its own token counts).

    ``cached_prompt_tokens`` are those of ``prompt_tokens`` the server took from its prompt cache instead of
    evaluating (``usage.prompt_tokens_details.cached_tokens``; 0 from a server that does not say).
    """

    step: str
    prompt_tokens: int
    cached_prompt_tokens: int = 0
    completion_tokens: int
    seconds: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def evaluated_prompt_tokens(self) -> int:
        """Prompt tokens the server evaluated: what the call's reading time grows with."""
        return self.prompt_tokens - self.cached_prompt_tokens


class RunMeta(BaseModel):
    """How a summary was produced."""

    backend: str
    model: str
    strategy: str
    prompt_version: str
    schema_version: str
    #: The article's language (ISO 639-1), detected or as given, and the reader that read its wording.
    language: str | None = None
    reader: str | None = None
    #: Passages withheld from the model because they address an AI system (prompt injection).
    withheld_passages: int = 0
    #: Chunks the article was read in: 1 unless it was longer than the model's context allows.
    chunks: int = 1
    prompt_tokens: int
    #: Of ``prompt_tokens``, those the server reused from its prompt cache instead of reading
    #: (``usage.prompt_tokens_details.cached_tokens``): the passes' shared system prompt and article.
    cached_prompt_tokens: int = 0
    completion_tokens: int
    #: Model calls, over every pass and re-ask.
    attempts: int
    #: Each model call in order (a re-ask is a call of its own); empty for an answer from the result cache
    #: made before calls were recorded.
    requests: list[RequestMeta] = Field(default_factory=list)
    #: Answered from the result cache: the other fields describe the run that made it.
    cached: bool = False
    #: Items sent back to the model once because they failed grounding.
    regrounded: int = 0
    #: Grounded items / all items the model gave (null when it gave none).
    grounding_rate: float | None = None
    #: Names of sides, people and mediators not in the article / all such names.
    hallucinated_entity_rate: float | None = None
    seconds: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def evaluated_prompt_tokens(self) -> int:
        """Prompt tokens the server evaluated over all calls, rather than took from its prompt cache."""
        return self.prompt_tokens - self.cached_prompt_tokens


# Tokens kept free in every request beyond the article, the answer and the template: a pass's lists
# (items to quote, failures to correct) and the chat template's own tokens.
_PROMPT_RESERVE = 512
# A chunk smaller than this reads too little of the story to be worth a model call.
_MIN_CHUNK_TOKENS = 256
# Characters per token vary along an article (names, numbers): chunks are cut a little short of the budget.
_CHUNK_SAFETY = 0.85


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
    #: The same request may succeed later (a server, timeout or rate-limit failure): a rerun retries it.
    transient: bool = False

    @classmethod
    def from_error(cls, exc: SummarizerError) -> SummaryFailure:
        return cls(
            kind=type(exc).__name__,
            message=str(exc),
            attempts=getattr(exc, "attempts", None),
            transient=bool(getattr(exc, "transient", False)),
        )


@dataclass
class _CallLog:
    """What the backend was asked during one summary, across passes and re-asks."""

    base_messages: int = 0
    #: The step whose request is being sent.
    step: str = ""
    attempts: int = 0
    regrounded: int = 0
    requests: list[RequestMeta] = field(default_factory=list)

    def trim(self, request: dict[str, Any]) -> dict[str, Any]:
        """Count the attempt and keep only the newest failed answer and its error in the transcript.

        instructor appends every failed answer and its error message; keeping
        only the latest pair stops re-asks from growing the prompt.
        """
        self.attempts += 1
        history = request["messages"]
        return {**request, "messages": history[: self.base_messages] + history[self.base_messages :][-2:]}

    def record(self, response: ChatCompletion, seconds: float) -> ChatCompletion:
        usage = response.usage
        details = usage.prompt_tokens_details if usage is not None else None
        self.requests.append(
            RequestMeta(
                step=self.step,
                prompt_tokens=usage.prompt_tokens if usage is not None else 0,
                cached_prompt_tokens=(details.cached_tokens or 0) if details is not None else 0,
                completion_tokens=usage.completion_tokens if usage is not None else 0,
                seconds=round(seconds, 3),
            )
        )
        return response

    def total(self, name: str) -> int:
        """``name`` (a token count of ``RequestMeta``) summed over the calls."""
        return sum(getattr(r, name) for r in self.requests)


@dataclass
class _Job:
    """One article on its way through the plan: what the driving loops share."""

    backend: Backend
    article: CleanText
    reading: Reading
    steps: Plan
    summarizer: Summarizer
    started: float
    log: _CallLog = field(default_factory=lambda: _CallLog())
    grounding: Settles | None = None
    #: How many chunks the article was read in (1: whole).
    chunks: int = 1

    def next(self, answer: BaseModel | None) -> ModelRequest | None:
        """The plan's next request, given the last one's answer; None when the plan is done."""
        try:
            return self.steps.send(answer) if answer is not None else next(self.steps)
        except StopIteration as done:
            self.grounding = done.value
            return None

    def result(self, keep_ungrounded: bool) -> SummaryResult:
        assert self.grounding is not None, "the plan has not finished"
        summary = in_original(self.grounding.settle(keep_ungrounded=keep_ungrounded), self.article)
        counts = grounding_counts(summary)
        summarizer, log = self.summarizer, self.log
        meta = RunMeta(
            backend=self.backend.name,
            model=self.backend.model_id,
            strategy=summarizer.strategy.name,
            prompt_version=summarizer.prompts.version,
            schema_version=SCHEMA_VERSION,
            language=self.reading.language,
            reader=self.reading.reader,
            withheld_passages=len(self.reading.withheld),
            chunks=self.chunks,
            prompt_tokens=log.total("prompt_tokens"),
            cached_prompt_tokens=log.total("cached_prompt_tokens"),
            completion_tokens=log.total("completion_tokens"),
            attempts=log.attempts,
            requests=log.requests,
            regrounded=log.regrounded,
            grounding_rate=counts.grounding_rate,
            hallucinated_entity_rate=counts.hallucinated_entity_rate,
            seconds=round(time.perf_counter() - self.started, 3),
        )
        return SummaryResult(summary=summary, meta=meta)


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
        self.strategy.check_without(self.settings.without)
        self.prompts: PromptSet = load_prompts(self.strategy.prompt_version)
        self.prompts.check(self.strategy.variables)

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
            "language": s.language,
            "without": sorted(s.without),
            # The context decides the chunks a long article is read in, and so the answer.
            "n_ctx": s.n_ctx if not s.base_url else None,
            "max_chunks": s.max_chunks,
        }
        return {
            "model": s.model_identity(served_model=lambda: self.backend.model_id),
            "strategy": self.strategy.name,
            "prompt_version": self.prompts.version,
            # The prompt version names a prompt set; the digest also covers the code that completes the answer.
            "code": code_digest(),
            "libraries": library_versions(),
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
        job = self._job(text)
        try:
            return self._drive(job)
        except ArticleTooLongError as exc:
            return self._drive(self._rechunked(job, text, exc))

    def _drive(self, job: _Job) -> SummaryResult:
        self._prime(job)
        send = self._sender(job)
        create = instructor.patch(create=send, mode=job.backend.instructor_mode)
        answer: BaseModel | None = None
        with closing(job.steps):  # a failed call leaves no plan suspended
            while (request := job.next(answer)) is not None:
                with self._asking(job, request) as kwargs:
                    if request.choices:  # a probability question: one free token, read from its log-probs
                        try:
                            answer = choice_probabilities(send(**probability_params(kwargs)), request.choices)
                        except BackendError as exc:
                            answer = _unanswered(exc)
                    else:
                        answer = create(**kwargs, **self._reasks(Retrying))
        return job.result(self.settings.keep_ungrounded)

    async def arun(self, text: str) -> SummaryResult:
        """``run`` for asyncio: the backend's async path, so many articles can share one loop. Cleaning and
        reading the article (CPU-bound) run in a worker thread, so the other articles' calls go on meanwhile."""
        job = await asyncio.to_thread(self._job, text)
        try:
            return await self._adrive(job)
        except ArticleTooLongError as exc:
            return await self._adrive(await asyncio.to_thread(self._rechunked, job, text, exc))

    async def _adrive(self, job: _Job) -> SummaryResult:
        await asyncio.to_thread(self._prime, job)
        send = self._async_sender(job)
        create = instructor.patch(create=send, mode=job.backend.instructor_mode)
        answer: BaseModel | None = None
        with closing(job.steps):
            while (request := job.next(answer)) is not None:
                with self._asking(job, request) as kwargs:
                    if request.choices:
                        try:
                            answer = choice_probabilities(await send(**probability_params(kwargs)), request.choices)
                        except BackendError as exc:
                            answer = _unanswered(exc)
                    else:
                        answer = await create(**kwargs, **self._reasks(AsyncRetrying))
        return job.result(self.settings.keep_ungrounded)

    def _prime(self, job: _Job) -> None:
        """Have the backend hold the text every request opens with before the first article (once per model
        and prompt set); the article that pays for it counts the call as its step ``prefix``."""
        prefix = self.prompts.prefix()
        if prefix is None:
            return
        started = time.perf_counter()
        response = job.backend.prime(prefix)
        if response is not None:
            job.log.step = "prefix"
            job.log.record(response, time.perf_counter() - started)

    def _rechunked(self, job: _Job, text: str, exc: ArticleTooLongError) -> _Job:
        """A server that sent the article whole and answered that it does not fit, saying by how much: the
        article planned again in chunks sized from its numbers. Anything else re-raises ``exc``."""
        if job.chunks > 1 or exc.context_window is None or not exc.prompt_tokens or not exc.prompt_chars:
            raise exc
        chars_per_token = exc.prompt_chars / exc.prompt_tokens

        def estimate(messages: list[dict[str, str]]) -> int:
            return round(sum(len(m["content"]) for m in messages) / chars_per_token)

        rechunked = self._job(text, window=exc.context_window, count=estimate)
        rechunked.started = job.started  # the refused attempt counts in the article's seconds
        return rechunked

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

    def _job(
        self,
        text: str,
        *,
        window: int | None = None,
        count: Callable[[list[dict[str, str]]], int | None] | None = None,
    ) -> _Job:
        """Check the article, clean it, read it once, and plan its requests (in chunks if it is too long for
        ``window``, the backend's context unless given, measured by ``count``, the backend's tokenizer)."""
        started = time.perf_counter()
        check_article_text(text)
        limit = self.settings.max_article_chars
        if len(text) > limit:
            raise ArticleTooLongError(
                f"the article has {len(text):,} characters, more than the limit of {limit:,}; "
                "raise it with SUMMARIZER_MAX_ARTICLE_CHARS"
            )
        article = clean(text)
        if not article.text.strip():
            raise ArticleError("article: the article has no visible text (only spaces or invisible characters)")
        reading = read(article.text, self.settings.language)
        if reading.withheld and self._progress is not None:
            self._progress(
                f"withheld {len(reading.withheld)} passage(s) that address an AI system, not the reader "
                "(meta.withheld_passages)"
            )
        backend = self.backend
        without, accepts_enum = self.settings.without, backend.accepts_enum
        chunks = self._chunks(backend, reading, window=window, count=count)
        if len(chunks) == 1:
            steps: Plan = plan(self.strategy, reading, without=without, accepts_enum=accepts_enum)
        else:
            if self._progress is not None:
                self._progress(f"the article is longer than the model's context: reading it in {len(chunks)} chunks")
            readings = [(start, read(reading.article[start:end], reading.language)) for start, end in chunks]
            steps = plan_chunks(self.strategy, readings, without=without, accepts_enum=accepts_enum)
        return _Job(backend, article, reading, steps, self, started, chunks=len(chunks))

    def _chunks(
        self,
        backend: Backend,
        reading: Reading,
        *,
        window: int | None = None,
        count: Callable[[list[dict[str, str]]], int | None] | None = None,
    ) -> list[tuple[int, int]]:
        """``[start, end)`` of the chunks to read ``reading.article`` in: one, unless its passes would not fit
        the model's context; then chunks that each leave room for the prompts, the passes' lists and the answer.

        Raises ``ArticleTooLongError`` before any model call when even a chunk cannot fit, or when the
        article needs more than ``max_chunks`` chunks.
        """
        article = reading.article
        whole = [(0, len(article))]
        window = window or backend.context_window
        count = count or backend.count_tokens
        # Each pass's prompt as it will be sent (the disputes pass repeats its candidate passages after
        # the article), and as it would be with no article and no passages: the template's own size.
        requests = [r for step in self.strategy.passes if (r := step.request(reading)) is not None]
        sized = [count(self.prompts.messages(r.pass_name, article, r.response_model, r.values)) for r in requests]
        if window is None or not sized or any(n is None for n in sized):
            return whole  # a server that does not say: it answers a prompt too long with its own error
        room = window - self.settings.max_tokens - _PROMPT_RESERVE
        if max(n or 0 for n in sized) <= room:
            return whole
        bare = [
            count(self.prompts.messages(r.pass_name, "", r.response_model, dict.fromkeys(r.values, ""))) or 0
            for r in requests
        ]
        # The article's own tokens, from a pass that adds nothing of it but the article (the meeting pass).
        plain = next((i for i, r in enumerate(requests) if not r.values), 0)
        chars_per_token = len(article) / max(1, (sized[plain] or 0) - bare[plain])
        # A chunk may take half of what the prompts leave: its candidate passages, at most its own
        # sentences, take no more than the other half.
        budget = (room - max(bare)) // 2
        if budget < _MIN_CHUNK_TOKENS:
            raise ArticleTooLongError(
                f"the article is too long for the model: its {window:,}-token context leaves {max(budget, 0):,} "
                f"tokens for a chunk of it after the prompts and {self.settings.max_tokens:,} for the answer; "
                "raise the context (--n-ctx, or the server's) or lower --max-tokens"
            )
        chunks = chunk_spans(article, max(1, int(budget * chars_per_token * _CHUNK_SAFETY)))
        if len(chunks) > self.settings.max_chunks:
            raise ArticleTooLongError(
                f"the article is too long: {len(article):,} characters would be read in {len(chunks)} chunks at "
                f"this {window:,}-token context, more than the limit of {self.settings.max_chunks} "
                "(raise it with SUMMARIZER_MAX_CHUNKS, or --n-ctx)"
            )
        return chunks

    @contextmanager
    def _asking(self, job: _Job, request: ModelRequest) -> Iterator[dict[str, Any]]:
        """The request as instructor's keyword arguments; the model's errors as ours; a fake sees the request."""
        messages = self.prompts.messages(
            request.pass_name,
            request.article if request.article is not None else job.reading.article,
            request.response_model,
            request.values,
            language=job.reading.language,
        )
        self._check_fits(job.backend, messages)
        job.log.base_messages = len(messages)
        job.log.step = request.pass_name
        if request.pass_name == "reground":
            job.log.regrounded += sum(len(items) for items in request.items.values())
        token = current_request.set(request)
        try:
            with self._extraction_errors(job.log):
                yield {
                    "response_model": request.response_model,
                    "messages": messages,
                    "max_tokens": self.settings.max_tokens,
                    "temperature": self.settings.temperature,
                    "seed": self.settings.seed,
                }
        except ArticleTooLongError as exc:
            # With the server's token count, the length of what it refused gives its characters per token.
            exc.prompt_chars = sum(len(str(m["content"])) for m in messages)
            raise
        finally:
            current_request.reset(token)

    def _reasks(self, retrying: type[Retrying] | type[AsyncRetrying]) -> dict[str, Any]:
        """instructor's ``max_retries``: re-ask on invalid answers, up to ``max_reasks`` times."""
        policy = retrying(
            stop=stop_after_attempt(1 + self.settings.max_reasks),
            retry=retry_if_exception_type(ValueError),  # pydantic and JSON errors; backend errors are final
            reraise=True,
        )
        return {"max_retries": policy}

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
    def _sender(job: _Job) -> Callable[..., ChatCompletion]:
        def send(**request: Any) -> ChatCompletion:
            started = time.perf_counter()
            response = job.backend.chat(**job.log.trim(request))
            return job.log.record(response, time.perf_counter() - started)

        return send

    @staticmethod
    def _async_sender(job: _Job) -> Callable[..., Awaitable[ChatCompletion]]:
        async def send(**request: Any) -> ChatCompletion:
            started = time.perf_counter()
            response = await job.backend.achat(**job.log.trim(request))
            return job.log.record(response, time.perf_counter() - started)

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


def _unanswered(exc: BackendError) -> ChoiceProbabilities:
    """A server that refused a probability question (no ``logprobs``, or fewer ``top_logprobs``) leaves it
    unanswered, and the step that asked it changes nothing: the article's other answers are not lost. A
    transport failure (transient) or blocked model calls re-raise ``exc``, and end the article as ever."""
    if exc.transient or isinstance(exc, ModelCallsBlockedError):
        raise exc
    return ChoiceProbabilities()


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
