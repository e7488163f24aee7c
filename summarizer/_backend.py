"""The one interface every model sits behind, and the registry of backends by name.

A backend answers OpenAI-style chat-completion requests and returns
``openai.types.chat.ChatCompletion`` objects, so instructor can drive any of
them the same way. What a backend adds is the translation of a structured
output request (``response_format`` carrying a JSON Schema) into whatever its
runtime needs to constrain decoding, plus token counting for context checks.
Backends know nothing about prompts, the CLI or the summary schema.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import instructor
from openai.types.chat import ChatCompletion

from ._exceptions import ConfigurationError, ModelCallsBlockedError

if TYPE_CHECKING:
    from ._settings import Settings

__all__ = [
    "Backend",
    "allow_model_calls",
    "backend_class",
    "backend_names",
    "check_model_calls_allowed",
    "create_backend",
    "register_backend",
]


class Backend(ABC):
    """A chat model that can be asked for schema-constrained JSON."""

    #: Registry name, e.g. ``"embedded"``.
    name: str = "backend"

    @property
    @abstractmethod
    def model_id(self) -> str:
        """Identity of the model answering, for metadata and caches."""

    @property
    def context_window(self) -> int | None:
        """Tokens the model can attend to, prompt plus output; None if unknown."""
        return None

    @property
    def max_concurrency(self) -> int:
        """Requests worth running at once (a server's limit, or the embedded model's slots)."""
        return 1

    def accepts_enum(self, values: Sequence[str]) -> bool:
        """Whether a response schema may offer ``values`` as one ``enum`` here; a grammar takes any size."""
        return True

    @property
    def instructor_mode(self) -> instructor.Mode:
        """How instructor should ask this backend for structured output.

        ``JSON_SCHEMA`` puts the schema in ``response_format`` for the backend
        to enforce; backends that cannot enforce a schema answer ``JSON`` or
        ``MD_JSON`` and instructor puts the schema in the prompt instead.
        """
        return instructor.Mode.JSON_SCHEMA

    def count_tokens(self, messages: list[dict[str, str]]) -> int | None:
        """Prompt tokens these messages would take; None if the backend cannot tell."""
        return None

    @abstractmethod
    def chat(self, *, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        """Answer one chat-completion request.

        ``params`` follow the OpenAI API: ``response_format`` (``json_schema`` or
        ``json_object``), ``max_tokens``, ``temperature``, ``seed``.
        """

    async def achat(self, *, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        """Async ``chat``; by default the blocking call runs in a worker thread."""
        return await asyncio.to_thread(lambda: self.chat(messages=messages, **params))

    def prime(self, prefix: list[dict[str, str]]) -> ChatCompletion | None:
        """Have the model hold ``prefix`` (the messages every request of a strategy opens with) in its prompt
        cache before the first article, so that no article pays for reading it.

        Returns the completion of the request that read it, for its token counts, or None when there was
        nothing to do: already held, or a server that keeps its own cache (the default).
        """
        return None

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release what async calls hold that belongs to the running event loop (pooled connections).

        Called at the end of the loop that made the calls; the backend stays usable.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the model's resources."""

    @classmethod
    def from_settings(cls, settings: Settings, progress: Callable[[str], None] | None = None) -> Backend:
        """The backend ``settings`` describe; how ``Settings.create_backend`` builds a registered backend.

        Raises ``ConfigurationError`` for a backend that can only be built by hand.
        """
        raise ConfigurationError(f"the {cls.name!r} backend cannot be created from settings; pass it to Summarizer")


_REGISTRY: dict[str, type[Backend]] = {}


def register_backend(name: str, backend: type[Backend]) -> None:
    """Make a backend available by name (``SUMMARIZER_BACKEND=NAME``); settings build it with ``from_settings``."""
    _REGISTRY[name] = backend


def backend_names() -> list[str]:
    return sorted(_REGISTRY)


def backend_class(name: str) -> type[Backend]:
    """The backend registered as ``name``; ``ConfigurationError`` naming the registered ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigurationError(f"unknown backend {name!r}; available: {', '.join(backend_names())}") from None


def create_backend(name: str, **options: Any) -> Backend:
    """Build the backend registered as ``name`` with its constructor's ``options``."""
    return backend_class(name)(**options)


# Real model calls can be switched off process-wide, so a unit test that
# forgot to inject a fake fails loudly instead of loading a 1 GB model.
_model_calls_allowed = True


def check_model_calls_allowed(what: str) -> None:
    if not _model_calls_allowed:
        raise ModelCallsBlockedError(
            f"real model calls are blocked in this process ({what}); "
            "use summarizer.testing.ScriptedBackend or allow_model_calls()"
        )


@contextlib.contextmanager
def allow_model_calls(allowed: bool = True) -> Iterator[None]:
    """Allow (or block) real model calls inside the ``with`` block."""
    global _model_calls_allowed
    previous, _model_calls_allowed = _model_calls_allowed, allowed
    try:
        yield
    finally:
        _model_calls_allowed = previous
