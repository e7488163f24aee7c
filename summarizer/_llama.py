"""The embedded engine: llama.cpp's own server (``llama-server``) run in this process by xllamacpp.

The embedded model is an OpenAI-compatible server that happens to live in
this process. ``LlamaServer`` loads a GGUF file into an ``xllamacpp.Server``
(the C++ server: its JSON-Schema-to-grammar compiler, its sampler, its prompt
cache) and hands out httpx transports that pass each request straight to the
server's chat-completions handler: no socket, no port. ``EmbeddedBackend``
is an ``OpenAIBackend`` whose ``openai`` clients use those transports, so the
embedded model and every remote server share one code path (openai client,
instructor modes, transport retries, error messages).

xllamacpp always opens llama.cpp's HTTP listener as well. It is bound to
127.0.0.1 on a port the OS picks, and guarded by a random per-process API
key, so no other user of the machine can drive the model; it closes with the
server.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2 as httpx  # the HTTP library of openai>=3
import openai
from openai.types.chat import ChatCompletion

from ._backend import check_model_calls_allowed, register_backend
from ._embedded import DEFAULT_MODEL, check_gguf, ensure_model_file, get_embedded_model
from ._exceptions import BackendError, ConfigurationError
from ._openai import OpenAIBackend, StructuredMode
from ._retry import RetryPolicy

if TYPE_CHECKING:
    import xllamacpp

    from ._settings import Settings

__all__ = ["EmbeddedBackend", "LlamaServer", "check_gguf", "compact_json_grammar"]

# The clients need a URL; nothing is ever sent to it, the transport answers in process.
_IN_PROCESS_URL = "http://embedded.invalid/v1"
_LOOPBACK = "127.0.0.1"
# llguidance's JSON options: no whitespace beyond one space after ':' and ','.
_COMPACT_JSON = {"whitespace_flexible": False, "key_separator": ": ", "item_separator": ", "}


def compact_json_grammar(schema: dict[str, Any]) -> str:
    """A llama.cpp grammar that enforces ``schema`` with compact JSON, compiled by llguidance in the server.

    ``response_format: json_schema`` lets the model pretty-print (llama.cpp's
    schema grammar allows a newline and up to 20 spaces between tokens), and
    a coder model does, doubling its output tokens; llguidance's ``%json``
    takes the same schema with an option that allows single spaces only.
    """
    return "%llguidance {}\nstart: %json " + json.dumps({**schema, "x-guidance": _COMPACT_JSON}, ensure_ascii=False)


class LlamaServer:
    """A GGUF model served by llama.cpp's server inside this process.

    ``n_ctx`` is the context of one request (prompt plus answer, in tokens);
    ``n_parallel`` slots each get that much. ``n_threads`` defaults to the
    machine's cores. The server starts on ``start()`` (or first use of a
    transport) and stops on ``close()``.
    """

    def __init__(
        self,
        model_path: Path | str,
        *,
        alias: str | None = None,
        n_ctx: int = 8192,
        n_parallel: int = 1,
        n_threads: int | None = None,
        seed: int = 0,
    ) -> None:
        self.model_path = Path(model_path)
        self.alias = alias or self.model_path.name
        self.n_ctx = n_ctx
        self.n_parallel = max(1, n_parallel)
        self.n_threads = n_threads or _usable_cores()
        self.seed = seed
        #: Required by the HTTP listener; known only to this process.
        self.api_key = secrets.token_urlsafe(32)
        self._server: xllamacpp.Server | None = None
        self._lock = threading.Lock()

    def start(self) -> xllamacpp.Server:
        """Load the model and start the server, once; later calls return the running server.

        Raises ``ModelCallsBlockedError`` while model calls are blocked (tests),
        and ``ConfigurationError`` for a file that is not a GGUF model or that
        llama.cpp cannot load. After ``close()`` the next call loads it again.
        """
        with self._lock:
            if self._server is None:
                check_model_calls_allowed(f"loading {self.model_path}")
                check_gguf(self.model_path)
                import xllamacpp

                try:
                    self._server = xllamacpp.Server(self._params(xllamacpp))
                except RuntimeError:
                    # xllamacpp says only "Failed to init server"; the file passed the GGUF check, so it is the file.
                    raise ConfigurationError(
                        f"llama.cpp could not load {self.model_path}: the file is damaged, or a model or "
                        "quantization this llama.cpp does not support; check --model-path"
                    ) from None
            return self._server

    def _params(self, xllamacpp: Any) -> Any:
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model_path)
        params.model_alias = [self.alias]
        params.n_parallel = self.n_parallel
        # Without a unified KV cache llama.cpp splits n_ctx among the slots: give each the whole context.
        params.n_ctx = self.n_ctx * self.n_parallel
        params.cpuparams.n_threads = self.n_threads
        params.cpuparams_batch.n_threads = self.n_threads
        params.sampling.seed = self.seed
        # Passes of one article share the system prompt and the article: reuse their KV cache.
        params.cache_prompt = True
        params.warmup = False
        params.hostnames = [_LOOPBACK]
        params.port = 0  # the OS picks a free port
        params.api_keys = [self.api_key]
        params.n_threads_http = 1
        params.endpoint_metrics = False
        params.endpoint_slots = False
        params.verbosity = -1
        # No n-gram speculative decoding: on 2 CPU cores it made decoding slower (evals/bench_engine.py,
        # 9 cases: median 22.4 -> 27.4 s per article, 29.5 -> 40.9 ms per free output token).
        return params

    @property
    def running(self) -> bool:
        """Whether the model is loaded and the server started."""
        return self._server is not None

    @property
    def base_url(self) -> str:
        """The HTTP listener's OpenAI base URL (``http://127.0.0.1:PORT/v1``); starts the server."""
        address = str(self.start().listening_address).rstrip("/")
        return f"{address}/v1"

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Answer one OpenAI API request: ``(HTTP status, JSON body)``. Blocks; releases the GIL while decoding."""
        server = self.start()
        if method == "POST" and path.endswith("/chat/completions"):
            try:
                request = json.loads(body)
            except ValueError:
                return 400, _error(400, "invalid_request_error", "the request body is not JSON")
            if not isinstance(request, dict):
                return 400, _error(400, "invalid_request_error", "the request body is not a JSON object")
            try:
                answer = server.handle_chat_completions(request)
            except Exception as exc:  # C++ errors surface as any kind of Python exception
                # A request the engine cannot take (a grammar it cannot parse, say) fails the same way each
                # time: an answer, not an exception the client would take for a dropped connection and resend.
                return 400, _error(400, "invalid_request_error", f"llama.cpp: {' '.join(str(exc).split())[:300]}")
            if not isinstance(answer, dict):
                return 500, _error(500, "server_error", "llama.cpp returned no JSON object")
            error = answer.get("error")
            if isinstance(error, dict):
                return int(error.get("code") or 500), answer
            if "code" in answer and "choices" not in answer:  # xllamacpp's own failure record
                return int(answer.get("code") or 500), {"error": answer}
            return 200, answer
        if method == "GET" and path.endswith("/models"):
            return 200, {"object": "list", "data": [{"id": self.alias, "object": "model", "owned_by": "llama.cpp"}]}
        return 404, _error(404, "not_found_error", f"{method} {path} is not served in process")

    def count_prompt_tokens(self, messages: list[dict[str, Any]]) -> int:
        """Tokens the chat template makes of ``messages``, counted by the server's own tokenizer.

        xllamacpp exposes only the chat handler in process, so this asks the
        loopback listener (``/apply-template``, then ``/tokenize``), with the key.
        Starts the server; raises ``BackendError`` if the listener does not answer.
        """
        root = self.base_url.removesuffix("/v1")
        headers = {"Authorization": f"Bearer {self.api_key}"}
        try:
            with httpx.Client(base_url=root, headers=headers, timeout=60.0) as client:
                prompt = _post(client, "/apply-template", {"messages": messages})["prompt"]
                tokens = _post(client, "/tokenize", {"content": prompt, "parse_special": True})["tokens"]
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
            raise BackendError(f"llama.cpp could not count the prompt's tokens: {exc}") from exc
        return len(tokens)

    def transport(self) -> httpx.BaseTransport:
        """An httpx transport for ``openai.OpenAI(http_client=httpx2.Client(transport=...))``: answers in process."""
        return _Transport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """The same for ``openai.AsyncOpenAI``; each request runs in a worker thread."""
        return _Transport(self)

    def close(self) -> None:
        """Stop the server and its HTTP listener, and free the model.

        A request still being answered keeps the server alive until it returns.
        """
        with self._lock:
            server, self._server = self._server, None
        del server  # the C++ destructor stops the listener and joins the server's thread


def _post(client: httpx.Client, path: str, document: dict[str, Any]) -> Any:
    response = client.post(path, json=document)
    response.raise_for_status()
    return response.json()


def _error(code: int, kind: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "type": kind, "message": message}}


class _Transport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """httpx transport (sync and async) that hands each request to the in-process server.

    On the async path the blocking handler runs in a worker thread, so the event loop stays free.
    """

    def __init__(self, server: LlamaServer) -> None:
        self._server = server

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        status, document = self._server.handle(request.method, request.url.path, request.read())
        return httpx.Response(status, json=document, request=request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        status, document = await asyncio.to_thread(self._server.handle, request.method, request.url.path, body)
        return httpx.Response(status, json=document, request=request)


class EmbeddedBackend(OpenAIBackend):
    """A local GGUF model behind the ``openai`` client, answered by llama.cpp in this process.

    The model loads on first use (``ConfigurationError`` if llama.cpp cannot load it).
    ``n_ctx`` is the context of one request in tokens, prompt plus answer.
    ``concurrency`` opens that many server slots, each with its own ``n_ctx``
    of KV cache (about 28 KiB per token for the 1.5B model); on a 2-core CPU
    one slot is fastest (see the README). Requests are not retried: nothing
    travels over a network that could drop them.
    """

    name = "embedded"

    def __init__(
        self,
        model_path: Path | str,
        *,
        model_id: str | None = None,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        concurrency: int = 1,
        seed: int = 0,
    ) -> None:
        self.server = LlamaServer(
            model_path, alias=model_id, n_ctx=n_ctx, n_parallel=concurrency, n_threads=n_threads, seed=seed
        )
        super().__init__(
            self.server.alias,
            base_url=_IN_PROCESS_URL,
            api_key=self.server.api_key,
            mode=StructuredMode.json_schema,  # llama-server enforces it; no probe needed
            concurrency=concurrency,
            retry=RetryPolicy(max_attempts=1),
        )
        self.label = f"the embedded model ({self.server.alias})"

    @classmethod
    def from_settings(cls, settings: Settings, progress: Callable[[str], None] | None = None) -> EmbeddedBackend:
        """The GGUF file at ``settings.model_path``, or the embedded model ``settings.model`` (assembled and
        verified from its packages on first use, reporting to ``progress``)."""
        if settings.model_path is not None:
            path = Path(settings.model_path).expanduser()
            model_id = path.name
        else:
            embedded = get_embedded_model(settings.model or DEFAULT_MODEL)
            path = ensure_model_file(embedded, progress=progress)
            model_id = embedded.name
        return cls(
            path, model_id=model_id, n_ctx=settings.n_ctx, seed=settings.seed, concurrency=settings.requests_at_once
        )

    @property
    def model_path(self) -> Path:
        return self.server.model_path

    def _request(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        request = super()._request(messages, params)
        response_format = request.get("response_format") or {}
        if response_format.get("type") == "json_schema" and "schema" in response_format.get("json_schema", {}):
            # Output tokens are most of the time here: the same schema, enforced as compact JSON.
            del request["response_format"]
            grammar = compact_json_grammar(response_format["json_schema"]["schema"])
            request["extra_body"] = {**request.get("extra_body", {}), "grammar": grammar}
        return request

    @property
    def context_window(self) -> int:
        return self.server.n_ctx

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        return self.server.count_prompt_tokens(list(messages))

    def _new_client(self) -> openai.OpenAI:
        return openai.OpenAI(**self._in_process(), http_client=httpx.Client(transport=self.server.transport()))

    def _new_async_client(self) -> openai.AsyncOpenAI:
        transport = self.server.async_transport()
        return openai.AsyncOpenAI(**self._in_process(), http_client=httpx.AsyncClient(transport=transport))

    def _in_process(self) -> dict[str, Any]:
        # Load here, outside the client: a load failure is the user's one-line error, not a failed request.
        self.server.start()
        return {"base_url": _IN_PROCESS_URL, "api_key": self.server.api_key, "max_retries": 0}

    async def achat(self, *, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        # Loading takes seconds: in a worker thread, so the event loop (and Ctrl-C) stays responsive.
        await asyncio.to_thread(self.server.start)
        return await super().achat(messages=messages, **params)

    def close(self) -> None:
        super().close()
        self.server.close()


def _usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), which a container can set below the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


register_backend("embedded", EmbeddedBackend)
