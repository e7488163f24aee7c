"""A backend for any OpenAI-compatible server: OpenAI, vLLM, Ollama, LM Studio, llama.cpp servers.

Servers differ in how (and whether) they enforce a JSON Schema, so the
backend speaks one of several structured-output dialects (``StructuredMode``).
``auto`` sends one tiny probe that begs for prose under a schema: the first
dialect whose answer still fits the schema is the one the server enforces.
This catches servers that reject a dialect and ones that silently ignore it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2 as httpx  # the HTTP library of openai>=3
import instructor
import openai
from openai.types.chat import ChatCompletion

from ._backend import Backend, register_backend
from ._deadline import DeadlineTransport
from ._display import redacted_url
from ._exceptions import ArticleTooLongError, BackendError, ConfigurationError
from ._retry import RetryPolicy, is_transient
from ._settings import is_openai_url

if TYPE_CHECKING:
    from ._settings import Settings

__all__ = ["OpenAIBackend", "StructuredMode"]

T = TypeVar("T")

# Local servers ignore the key, but the client refuses to start without one.
_PLACEHOLDER_KEY = "not-needed"


class StructuredMode(StrEnum):
    """How the schema reaches the server (``--mode``)."""

    auto = "auto"
    #: ``response_format: {"type": "json_schema", ...}``: OpenAI (strict), vLLM, llama.cpp's C++ server, Ollama >= 0.5.
    json_schema = "json_schema"
    #: ``response_format: {"type": "json_object"}`` with the schema in the prompt (instructor JSON mode).
    json = "json"
    #: No server support: the schema in the prompt, JSON read from a Markdown block (instructor MD_JSON mode).
    md_json = "md_json"


_PROBE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string", "enum": ["yes", "no"]}},
    "required": ["answer"],
    "additionalProperties": False,
}
_PROBE_MESSAGES = [{"role": "user", "content": "Write two lines of free verse about rain. No JSON, no braces."}]


class OpenAIBackend(Backend):
    """Chat completions from an OpenAI-compatible server.

    Pass ``client``/``async_client`` to inject your own ``openai.OpenAI`` /
    ``openai.AsyncOpenAI`` (with custom transports, proxies, headers); the
    backend then uses them as they are, adding only its transport retries.
    """

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 300.0,
        mode: StructuredMode | str = StructuredMode.auto,
        retry: RetryPolicy | None = None,
        concurrency: int = 4,
        client: openai.OpenAI | None = None,
        async_client: openai.AsyncOpenAI | None = None,
    ) -> None:
        if client is None and async_client is None:
            base_url = base_url or "https://api.openai.com/v1"
            if not api_key:
                if is_openai_url(base_url):
                    raise ConfigurationError(
                        f"{redacted_url(base_url)} needs an API key; set it with: export OPENAI_API_KEY=sk-... "
                        "(or --api-key)"
                    )
                api_key = _PLACEHOLDER_KEY
        self._model = model
        self._mode = StructuredMode(mode)
        self._resolved_mode: StructuredMode | None = None if self._mode is StructuredMode.auto else self._mode
        self._mode_lock = threading.Lock()
        self.retry = retry or RetryPolicy()
        self._concurrency = max(1, concurrency)
        self._client = client
        self._async_client = async_client
        self._owns_clients = client is None and async_client is None
        self._options = {"base_url": base_url, "api_key": api_key, "timeout": timeout, "max_retries": 0}
        #: Seconds a whole request may take, headers to the answer's last byte (``DeadlineTransport``).
        self._deadline = timeout
        source = client or async_client
        self.base_url = str(source.base_url) if source is not None else str(base_url)
        #: How error messages name the server and model: never with the credentials a URL may carry.
        self.label = f"{redacted_url(self.base_url)} ({self._model})"

    # -- identity and capabilities -------------------------------------------------

    @classmethod
    def from_settings(cls, settings: Settings, progress: Callable[[str], None] | None = None) -> OpenAIBackend:
        """The server at ``settings.base_url``; with no ``settings.model``, the one model it serves."""
        if settings.base_url is None:
            raise ConfigurationError("the openai backend needs --base-url (or SUMMARIZER_BASE_URL)")
        return cls(
            settings.model or only_served_model(settings.base_url, settings.server_api_key, settings.timeout),
            base_url=settings.base_url,
            api_key=settings.server_api_key,
            timeout=settings.timeout,
            mode=settings.mode,
            concurrency=settings.requests_at_once,
        )

    @property
    def model_id(self) -> str:
        return self._model

    @property
    def max_concurrency(self) -> int:
        return self._concurrency

    @property
    def structured_mode(self) -> StructuredMode:
        """The dialect in use; ``auto`` is resolved by a probe on first use."""
        with self._mode_lock:
            if self._resolved_mode is None:
                self._resolved_mode = self._detect_mode()
            return self._resolved_mode

    @property
    def instructor_mode(self) -> instructor.Mode:
        mode = self.structured_mode
        if mode is StructuredMode.json:
            return instructor.Mode.JSON
        if mode is StructuredMode.md_json:
            return instructor.Mode.MD_JSON
        return instructor.Mode.JSON_SCHEMA

    # -- clients ---------------------------------------------------------------------

    @property
    def client(self) -> openai.OpenAI:
        if self._client is None:
            self._client = self._new_client()
        return self._client

    @property
    def async_client(self) -> openai.AsyncOpenAI:
        if self._async_client is None:
            self._async_client = self._new_async_client()
        return self._async_client

    def _new_client(self) -> openai.OpenAI:
        transport = DeadlineTransport(httpx.HTTPTransport(), self._deadline)
        http_client = openai.DefaultHttpx2Client(transport=transport, timeout=self._deadline)
        return openai.OpenAI(**self._client_options(self._async_client), http_client=http_client)

    def _new_async_client(self) -> openai.AsyncOpenAI:
        transport = DeadlineTransport(httpx.AsyncHTTPTransport(), self._deadline)
        http_client = openai.DefaultAsyncHttpx2Client(transport=transport, timeout=self._deadline)
        return openai.AsyncOpenAI(**self._client_options(self._client), http_client=http_client)

    def _client_options(self, twin: openai.OpenAI | openai.AsyncOpenAI | None) -> dict[str, Any]:
        if twin is None:
            return dict(self._options)
        return {"base_url": str(twin.base_url), "api_key": twin.api_key, "timeout": twin.timeout, "max_retries": 0}

    async def aclose(self) -> None:
        """Close the async client this backend made, inside the loop its connections belong to.

        A later async call makes a new one; an injected client belongs to the caller.
        """
        if self._async_client is not None and self._owns_clients:
            client, self._async_client = self._async_client, None
            await client.close()

    def close(self) -> None:
        """Close the sync client this backend made; injected clients belong to the caller.

        An async client still open here is dropped, not closed: its connections belong
        to an event loop that may be gone (``aclose`` is the way to close it).
        """
        if self._owns_clients:
            if self._client is not None:
                self._client.close()
            self._client = self._async_client = None

    # -- requests --------------------------------------------------------------------

    def chat(self, *, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        request = self._request(messages, params)
        attempts = 0

        def send() -> ChatCompletion:
            nonlocal attempts
            attempts += 1
            response: ChatCompletion = self.client.chat.completions.create(**request)
            return response

        try:
            return self._postprocess(self.retry.retrying()(send))
        except openai.OpenAIError as exc:
            raise self._error(exc, attempts) from exc

    async def achat(self, *, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        request = self._request(messages, params)
        attempts = 0

        async def send() -> ChatCompletion:
            nonlocal attempts
            attempts += 1
            response: ChatCompletion = await self.async_client.chat.completions.create(**request)
            return response

        try:
            return self._postprocess(await self.retry.async_retrying()(send))
        except openai.OpenAIError as exc:
            raise self._error(exc, attempts) from exc

    def _request(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        request = {**params, "messages": messages, "model": self._model}
        response_format = request.get("response_format")
        if response_format and response_format.get("type") == "json_schema" and is_openai_url(self.base_url):
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {**response_format["json_schema"], "strict": True},
            }
        return request

    def accepts_enum(self, values: Sequence[str]) -> bool:
        # OpenAI's structured outputs refuse an enum with more values or more characters; other servers
        # turn the schema into a grammar of any size.
        if not is_openai_url(self.base_url):
            return True
        return len(values) <= _OPENAI_MAX_ENUM and sum(map(len, values)) <= _OPENAI_MAX_ENUM_CHARS

    def _postprocess(self, response: ChatCompletion) -> ChatCompletion:
        """``response`` if it holds an answer; else ``BackendError`` naming what the 200 held instead.

        None of these is re-asked: the same request would meet the same gateway or filter.
        """
        if not isinstance(response, ChatCompletion):  # a sign-in page, a proxy's error page
            raise BackendError(
                f"{self.label}: the server's answer is not a chat completion (HTTP 200 with another body)"
            )
        if not response.choices:
            raise BackendError(f"{self.label}: the server answered HTTP 200 with no choices (an empty completion)")
        if response.choices[0].finish_reason == "content_filter":
            raise BackendError(
                f"{self.label}: the server's content filter withheld the answer (finish_reason content_filter)"
            )
        return response

    def _error(self, exc: openai.OpenAIError, attempts: int) -> Exception:
        where = self.label
        if (too_long := _context_overflow(exc)) is not None:
            return too_long
        if isinstance(exc, openai.AuthenticationError):
            return ConfigurationError(
                f"{where} rejected the API key (HTTP 401); set it with: export OPENAI_API_KEY=... (or --api-key)"
            )
        if isinstance(exc, openai.NotFoundError):
            return ConfigurationError(f"{where}: not found (HTTP 404); check --base-url and --model")
        # The server's or the client's own words may quote the address as given, credentials and all.
        described = _describe(exc).replace(self.base_url, redacted_url(self.base_url))
        if is_transient(exc):
            return BackendError(f"{where}: transport failed after {attempts} attempt(s): {described}", transient=True)
        return BackendError(f"{where}: the server refused the request: {described}")

    # -- structured-output detection -----------------------------------------------

    def _detect_mode(self) -> StructuredMode:
        if is_openai_url(self.base_url):
            return StructuredMode.json_schema
        schema_request = {"name": "Probe", "schema": _PROBE_SCHEMA}
        candidates: list[tuple[StructuredMode, dict[str, Any], Callable[[Any], bool]]] = [
            (StructuredMode.json_schema, {"type": "json_schema", "json_schema": schema_request}, _fits_probe),
            (StructuredMode.json, {"type": "json_object"}, _is_json),
        ]
        for mode, response_format, accepts in candidates:
            request = self._request(
                _PROBE_MESSAGES, {"response_format": response_format, "max_tokens": 24, "temperature": 0.0}
            )
            try:
                # Connection trouble is retried as usual; a refusal only means "not this dialect".
                response = self.retry.retrying()(lambda r=request: self._probe_once(r))
            except _Refused:
                continue
            except openai.OpenAIError as exc:
                raise self._error(exc, self.retry.max_attempts) from exc
            # A 200 with no answer in it is a fault of the server, not a sign of the dialect.
            response = self._postprocess(response)
            if accepts(response.choices[0].message.content):
                return mode
        return StructuredMode.md_json

    def _probe_once(self, request: dict[str, Any]) -> ChatCompletion:
        try:
            response: ChatCompletion = self.client.chat.completions.create(**request)
        except openai.APIStatusError as exc:
            if exc.status_code in (401, 404):
                raise self._error(exc, 1) from exc
            # Refusals, including a 500 from a server that cannot parse the dialect, are final here.
            raise _Refused(exc) from exc
        return response


class _Refused(Exception):
    """The server refused a probe dialect; not an openai error, so transport retries skip it."""


_OPENAI_MAX_ENUM = 250
_OPENAI_MAX_ENUM_CHARS = 15_000


def _fits_probe(content: Any) -> bool:
    try:
        document = json.loads(content)
    except (TypeError, ValueError):
        return False
    return isinstance(document, dict) and set(document) == {"answer"} and document["answer"] in ("yes", "no")


def _is_json(content: Any) -> bool:
    try:
        json.loads(content)
    except (TypeError, ValueError):
        return False
    return True


def _error_body(exc: openai.APIStatusError) -> dict[str, Any] | None:
    """The server's error object, ``{"error": {...}}`` unwrapped (clients differ in whether they unwrap it)."""
    body = exc.body.get("error", exc.body) if isinstance(exc.body, dict) else None
    return body if isinstance(body, dict) else None


def _context_overflow(exc: openai.OpenAIError) -> ArticleTooLongError | None:
    """llama.cpp's answer to a prompt longer than its context, as the error the user can act on."""
    body = _error_body(exc) if isinstance(exc, openai.BadRequestError) else None
    if body is None or body.get("type") != "exceed_context_size_error":
        return None
    needed, window = body.get("n_prompt_tokens"), body.get("n_ctx")
    if isinstance(needed, int) and isinstance(window, int):
        size = f"the prompt needs {needed:,} tokens but the context holds {window:,}"
        return ArticleTooLongError(
            f"the article is too long for the model: {size}; shorten the article or raise the server's context",
            prompt_tokens=needed,
            context_window=window,
        )
    size = " ".join(str(body.get("message", "")).split())[:200]
    return ArticleTooLongError(f"the article is too long for the model: {size}; shorten the article or raise --n-ctx")


def _describe(exc: openai.OpenAIError) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    if isinstance(exc, openai.APIConnectionError):
        return f"cannot connect ({exc.__cause__ or exc})"
    if isinstance(exc, openai.APIStatusError):
        # The server's own words where its body has them, else the client's.
        error = _error_body(exc)
        said = error.get("message") if error is not None else None
        return f"HTTP {exc.status_code} {' '.join(str(said or exc.message).split())[:200]}"
    return " ".join(str(exc).split())[:200]


def only_served_model(base_url: str, api_key: str | None, timeout: float) -> str:
    """With no --model, use the server's model if it serves exactly one."""
    client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=1)
    try:
        served = sorted(m.id for m in client.models.list())
    except openai.OpenAIError as exc:
        raise ConfigurationError(
            f"no --model given and {redacted_url(base_url)} did not list its models "
            f"({str(exc).replace(base_url, redacted_url(base_url))})"
        ) from None
    if len(served) != 1:
        offered = ", ".join(served) or "none"
        raise ConfigurationError(f"no --model given; set it with --model or SUMMARIZER_MODEL (served: {offered})")
    return served[0]


register_backend("openai", OpenAIBackend)
