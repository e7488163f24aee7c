"""Settings: each value comes from an explicit argument, else the environment, else a default."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._backend import Backend, backend_class
from ._embedded import DEFAULT_MODEL, check_gguf, get_embedded_model
from ._exceptions import ConfigurationError
from .pipeline import DEFAULT_STRATEGY, get_strategy

__all__ = ["Settings"]

_ENV_PREFIX = "SUMMARIZER_"
# Read when SUMMARIZER_API_KEY is not set, as every OpenAI client does.
_FALLBACK_ENV = {"api_key": "OPENAI_API_KEY"}
_STRUCTURED_MODES = ("auto", "json_schema", "json", "md_json")
# Requests at once when --concurrency is not given: a server takes several; the embedded model on a
# small CPU is fastest with one slot (each slot reads its own whole prompt).
_SERVER_CONCURRENCY = 4
_EMBEDDED_CONCURRENCY = 1
_INT_FIELDS = frozenset({"concurrency"})


@dataclass(frozen=True)
class Settings:
    """How to run the summarizer. Environment variables are ``SUMMARIZER_<FIELD>`` in capitals.

    With ``base_url`` set, requests go to that OpenAI-compatible server and
    ``model`` names a model there; otherwise ``model`` names an embedded model
    (or ``model_path`` a local GGUF file) run in process.
    """

    #: A registered backend's name; None picks "openai" with a base_url, else "embedded".
    backend: str | None = None
    model: str | None = None
    model_path: Path | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str = "auto"
    timeout: float = 300.0
    #: Requests at once; None means 4 against a server, 1 (one slot) on the embedded model.
    concurrency: int | None = None
    strategy: str = DEFAULT_STRATEGY
    #: The article's language (ISO 639-1), or "auto" to detect it per article.
    language: str = "auto"
    #: Pipeline steps switched off, for ablations (``Strategy.switches``).
    without: frozenset[str] = frozenset()
    n_ctx: int = 8192
    max_tokens: int = 1024
    max_reasks: int = 2
    temperature: float = 0.0
    seed: int = 0
    #: Keep items that fail grounding, flagged, instead of moving them to ``dropped``.
    keep_ungrounded: bool = False

    @classmethod
    def resolve(cls, environ: Mapping[str, str] | None = None, **explicit: Any) -> Settings:
        """Build settings from explicit values (None = not given), then ``environ``, then defaults."""
        environ = os.environ if environ is None else environ
        unknown = set(explicit) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = explicit.get(f.name)
            if value is None:
                for env_name in (_ENV_PREFIX + f.name.upper(), _FALLBACK_ENV.get(f.name)):
                    raw = environ.get(env_name) if env_name else None
                    if raw:
                        kind = int if f.name in _INT_FIELDS else type(f.default)
                        value = _parse(f.name, env_name or "", raw, kind)
                        break
            if value is not None:
                values[f.name] = frozenset(value) if f.name == "without" else value
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if self.n_ctx < 512:
            raise ConfigurationError(f"n_ctx must be at least 512, got {self.n_ctx}")
        if not 1 <= self.max_tokens < self.n_ctx:
            raise ConfigurationError(f"max_tokens must be between 1 and n_ctx-1, got {self.max_tokens}")
        if self.max_reasks < 0:
            raise ConfigurationError(f"max_reasks cannot be negative, got {self.max_reasks}")
        if self.timeout <= 0:
            raise ConfigurationError(f"timeout must be positive, got {self.timeout}")
        if self.concurrency is not None and self.concurrency < 1:
            raise ConfigurationError(f"concurrency must be at least 1, got {self.concurrency}")
        get_strategy(self.strategy).check_without(self.without)
        if self.language != "auto" and not (self.language.isascii() and self.language.isalpha()):
            raise ConfigurationError(
                f"--language must be an ISO 639-1 code such as en or de, or auto; got {self.language!r}"
            )
        if self.mode not in _STRUCTURED_MODES:
            raise ConfigurationError(f"unknown mode {self.mode!r}; choose one of: {', '.join(_STRUCTURED_MODES)}")
        if self.backend is not None:
            backend_class(self.backend)
        if self.base_url is not None:
            if self.model_path is not None:
                raise ConfigurationError("--model-path runs a local file; it cannot be combined with --base-url")
            if not self.base_url.startswith(("http://", "https://")):
                raise ConfigurationError(f"--base-url must start with http:// or https://, got {self.base_url!r}")
        elif self.model_path is not None:
            check_gguf(Path(self.model_path).expanduser())
        else:
            get_embedded_model(self.model or DEFAULT_MODEL)

    @property
    def requests_at_once(self) -> int:
        """``concurrency`` as given, else the default for this kind of backend."""
        if self.concurrency is not None:
            return self.concurrency
        return _SERVER_CONCURRENCY if self.base_url is not None else _EMBEDDED_CONCURRENCY

    @property
    def model_label(self) -> str:
        if self.base_url:
            return f"{self.model or 'the server model'} at {self.base_url}"
        return str(self.model_path) if self.model_path else self.model or DEFAULT_MODEL

    def model_identity(self, served_model: Callable[[], str] | None = None) -> str:
        """What makes this model answer as it does, without loading it: for caching results.

        A server is named by host and path only (no credentials, no query);
        with no --model, ``served_model`` names the model it serves (the
        backend asks the server: settings make no network call).
        """
        if self.base_url is not None:
            parts = urlsplit(self.base_url)
            port = f":{parts.port}" if parts.port else ""
            model = self.model or (served_model() if served_model else "the server model")
            return f"server {parts.scheme}://{parts.hostname}{port}{parts.path.rstrip('/')} {model}"
        if self.model_path is not None:
            path = Path(self.model_path).expanduser().resolve()
            stat = path.stat()
            return f"gguf {path} {stat.st_size} {stat.st_mtime_ns}"
        embedded = get_embedded_model(self.model or DEFAULT_MODEL)
        return f"embedded {embedded.name} {embedded.sha256}"

    @property
    def backend_name(self) -> str:
        """The registered backend to build: ``backend`` as given, else "openai" with a ``base_url``, else
        "embedded"."""
        return self.backend or ("openai" if self.base_url is not None else "embedded")

    def create_backend(self, progress: Callable[[str], None] | None = None) -> Backend:
        """The backend these settings describe, found by name in the backend registry."""
        # Importing the backends registers them; it is deferred so settings load without the engine.
        from . import _llama, _openai  # noqa: F401

        return backend_class(self.backend_name).from_settings(self, progress=progress)


def _parse(name: str, env_name: str, raw: str, kind: type) -> Any:
    if name == "model_path":
        return Path(raw)
    if name == "without":
        return frozenset(step.strip() for step in raw.split(",") if step.strip())
    if kind is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigurationError(f"{env_name}={raw!r} is not a valid boolean (use true or false); fix or unset it")
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise ConfigurationError(f"{env_name}={raw!r} is not a valid {kind.__name__}; fix or unset it") from None
    return raw
