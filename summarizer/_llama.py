"""The embedded backend: a GGUF model run in process by llama-cpp-python.

llama-cpp-python ignores OpenAI's ``{"type": "json_schema", ...}`` response
format (no grammar, free prose comes back); it constrains decoding only for
``{"type": "json_object", "schema": ...}``, which it compiles to a GBNF
grammar. ``grammar_response_format`` does that translation so the schema
always reaches the sampler.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openai.types.chat import ChatCompletion

from ._backend import Backend, check_model_calls_allowed, register_backend
from ._embedded import check_gguf
from ._exceptions import BackendError, ConfigurationError

if TYPE_CHECKING:
    from llama_cpp import Llama

__all__ = ["LlamaCppBackend", "check_gguf", "grammar_response_format"]

# Per-message chat-template overhead (role markers, separators) in tokens;
# generous so the context check errs on the side of refusing early.
_TEMPLATE_TOKENS_PER_MESSAGE = 8


def grammar_response_format(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    """Rewrite an OpenAI ``response_format`` into the form llama-cpp-python enforces."""
    if not response_format:
        return None
    kind = response_format.get("type")
    if kind == "json_schema":
        return {"type": "json_object", "schema": response_format["json_schema"]["schema"]}
    if kind in ("json_object", "text"):
        return response_format
    raise ConfigurationError(f"unsupported response_format type {kind!r}")


class LlamaCppBackend(Backend):
    """Runs a local GGUF file with llama-cpp-python, loading it on first use.

    The loaded model keeps its KV cache between calls, so requests that share
    a prompt prefix (the same system prompt and article) skip re-reading it.
    """

    name = "llama-cpp"

    def __init__(
        self,
        model_path: Path | str,
        *,
        model_id: str | None = None,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        seed: int = 0,
        verbose: bool = False,
    ) -> None:
        self.model_path = Path(model_path)
        self._model_id = model_id or self.model_path.name
        self._n_ctx = n_ctx
        self._n_threads = n_threads or os.cpu_count() or 1
        self._seed = seed
        self._verbose = verbose
        self._llama: Llama | None = None
        # One in-process model answers one request at a time.
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def context_window(self) -> int:
        return self._n_ctx

    def _model(self) -> Llama:
        if self._llama is None:
            check_model_calls_allowed(f"loading {self.model_path}")
            check_gguf(self.model_path)
            from llama_cpp import Llama

            try:
                self._llama = Llama(
                    model_path=str(self.model_path),
                    n_ctx=self._n_ctx,
                    n_threads=self._n_threads,
                    n_threads_batch=self._n_threads,
                    seed=self._seed,
                    verbose=self._verbose,
                )
            except (ValueError, RuntimeError) as exc:
                raise BackendError(f"llama.cpp could not load {self.model_path}: {exc}") from exc
        return self._llama

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        llama = self._model()
        return sum(
            len(llama.tokenize(str(m.get("content", "")).encode("utf-8"), add_bos=False, special=False))
            + _TEMPLATE_TOKENS_PER_MESSAGE
            for m in messages
        )

    def chat(self, *, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        params.pop("model", None)  # the loaded file is the model
        params["response_format"] = grammar_response_format(params.get("response_format"))
        params.setdefault("seed", self._seed)
        with self._lock:
            llama = self._model()
            try:
                response = llama.create_chat_completion_openai_v1(messages=messages, **params)
            except ValueError as exc:
                raise BackendError(f"llama.cpp rejected the request: {exc}") from exc
        if not isinstance(response, ChatCompletion):
            raise BackendError(f"llama.cpp returned {type(response).__name__}, not a chat completion")
        return response

    def close(self) -> None:
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None


register_backend("llama-cpp", LlamaCppBackend)
