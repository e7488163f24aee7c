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

Text every request shares (a strategy's instructions) is read once per
process: ``prime`` sends it as a request of its own before the first article,
so every article finds it in the prompt cache. A process that computed it
saves that slot state to a file (llama.cpp's slot save) in ``state_dir``,
keyed by the model file, the engine, the thread count, the CPU and the text;
a later process restores the file instead of reading the text again, and the
priming request then costs one output token. Restored or computed here, the
first article reads the prefix from the cache either way, so a process gives
the same answers whether or not a state file existed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import platform
import secrets
import threading
from collections.abc import Callable
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2 as httpx  # the HTTP library of openai>=3
import openai
from openai.types.chat import ChatCompletion

from ._backend import check_model_calls_allowed, register_backend
from ._embedded import DEFAULT_MODEL, cache_dir, check_gguf, ensure_model_file, get_embedded_model
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
# Saved prompt states kept in the state directory, most recently used first (each is tens of MB).
_KEPT_STATES = 4
# llguidance's JSON options: no whitespace beyond one space after ':' and ','. Not none at all: fewer output
# tokens (-16%), but the coder model's tokenizer has '":[]' and '[]' as tokens and it then closed every list of
# claims at once (64 eval cases: claims F1 0.64 -> 0.00, and slower, as the model wrote other lists longer).
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
        state_dir: Path | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.alias = alias or self.model_path.name
        self.n_ctx = n_ctx
        self.n_parallel = max(1, n_parallel)
        self.n_threads = n_threads or _usable_cores()
        self.seed = seed
        #: Where primed prompt states are kept between processes; None keeps none.
        self.state_dir = state_dir
        #: Required by the HTTP listener; known only to this process.
        self.api_key = secrets.token_urlsafe(32)
        self._server: xllamacpp.Server | None = None
        self._lock = threading.Lock()
        self._prime_lock = threading.Lock()
        self._primed: set[str] = set()

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

                self._primed.clear()  # a new server holds nothing

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
        if self._usable_state_dir() is not None:
            # llama.cpp appends a slot file's name to this as it is: without the separator it writes beside it.
            params.slot_save_path = f"{self.state_dir}{os.sep}"
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

    def prime(self, prefix: list[dict[str, str]]) -> dict[str, Any] | None:
        """Hold ``prefix`` in every slot's prompt cache: restored from this model's state file when one exists,
        then read by a one-token request (free when the restore worked); a state that was computed here is
        saved for later processes. Returns the last priming request's answer (its usage says what was read),
        or None when this server already holds ``prefix``.

        Raises ``BackendError`` if the engine refuses the priming request. A state file that cannot be
        restored or saved only costs the reading it would have saved.
        """
        # An empty user turn after the instructions: a chat template may refuse a conversation without one,
        # and each real request's user turn then shares the prefix up to its own first word.
        messages = [*prefix, {"role": "user", "content": ""}]
        key = self._state_key(messages)
        with self._prime_lock:
            self.start()
            if key in self._primed:
                return None
            state = self._usable_state_dir()
            filename = f"{self.model_path.name}.{key[:24]}.slot"
            if state is not None and (state / filename).is_file():
                for slot in range(self.n_parallel):
                    self._slot_action(slot, "restore", filename)
                with contextlib.suppress(OSError):
                    (state / filename).touch()  # recently used: the last to be pruned
            answer: dict[str, Any] = {}
            for slot in range(self.n_parallel):
                body = {"messages": messages, "max_tokens": 1, "temperature": 0.0, "id_slot": slot}
                status, answer = self.handle("POST", "/v1/chat/completions", json.dumps(body).encode())
                if status != 200:
                    message = (answer.get("error") or {}).get("message", "") if isinstance(answer, dict) else ""
                    raise BackendError(f"llama.cpp refused to read the instructions (HTTP {status}): {message}")
            usage = answer.get("usage") or {}
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
            if state is not None and cached < (usage.get("prompt_tokens") or 0) // 2:
                self._save_slot(state, filename)  # read here, not restored: keep it for the next process
            self._primed.add(key)
            return answer

    def _usable_state_dir(self) -> Path | None:
        """``state_dir``, created private to this user; None when there is none or it cannot be made."""
        if self.state_dir is None:
            return None
        try:
            self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return None
        return self.state_dir if os.access(self.state_dir, os.W_OK) else None

    def _state_key(self, messages: list[dict[str, str]]) -> str:
        """What a saved prompt state depends on: the model file, the engine, the threads, the CPU, the text."""
        try:
            stat = self.model_path.stat()
            file = [self.model_path.name, stat.st_size, stat.st_mtime_ns]
        except OSError:
            file = [str(self.model_path)]
        identity = [file, version("xllamacpp"), self.n_threads, _cpu_identity(), messages]
        return hashlib.sha256(json.dumps(identity, ensure_ascii=False).encode()).hexdigest()

    def _slot_action(self, slot: int, action: str, filename: str) -> dict[str, Any] | None:
        """llama.cpp's ``POST /slots/{slot}?action=...`` on the loopback listener; None if it failed."""
        root = self.base_url.removesuffix("/v1")
        headers = {"Authorization": f"Bearer {self.api_key}"}
        try:
            with httpx.Client(base_url=root, headers=headers, timeout=120.0) as client:
                answer = _post(client, f"/slots/{slot}?action={action}", {"filename": filename})
        except (httpx.HTTPError, ValueError):
            return None
        return answer if isinstance(answer, dict) else None

    def _save_slot(self, state: Path, filename: str) -> None:
        """Save slot 0 under a temporary name, then rename: another process never restores half a file."""
        partial = f".{filename}.{secrets.token_hex(4)}.partial"
        try:
            if self._slot_action(0, "save", partial) is not None:
                (state / partial).replace(state / filename)
            # Each prompt set or model leaves a file of tens of MB: keep the few most recently used.
            saved = sorted(state.glob("*.slot"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in saved[_KEPT_STATES:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a full or read-only disk: the next process reads the text itself
        finally:
            (state / partial).unlink(missing_ok=True)

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
        state_dir: Path | None = None,
    ) -> None:
        self.server = LlamaServer(
            model_path,
            alias=model_id,
            n_ctx=n_ctx,
            n_parallel=concurrency,
            n_threads=n_threads,
            seed=seed,
            state_dir=state_dir,
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
            path,
            model_id=model_id,
            n_ctx=settings.n_ctx,
            seed=settings.seed,
            concurrency=settings.requests_at_once,
            state_dir=cache_dir() / "prompt-states",
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

    def prime(self, prefix: list[dict[str, str]]) -> ChatCompletion | None:
        answer = self.server.prime(prefix)
        return None if answer is None else ChatCompletion.model_validate(answer)

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


@cache
def _cpu_identity() -> str:
    """The CPU's model and instruction-set flags: the same weights give other numbers on other kernels."""
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as info:
            lines = [line for line in info if line.startswith(("model name", "flags"))]
        return hashlib.sha256("".join(sorted(set(lines))).encode()).hexdigest()
    except OSError:
        return f"{platform.machine()} {platform.processor()}"


def _usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), which a container can set below the machine's."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


register_backend("embedded", EmbeddedBackend)
