"""Settings: each value comes from an explicit argument, else the environment, else a default.

Built on pydantic-settings: the environment variables are ``SUMMARIZER_<FIELD>``
(``OPENAI_API_KEY`` too for the API key), a bad value is a one-line
``ConfigurationError`` naming the variable, and nothing here touches the
network or loads a model.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from ._backend import Backend, backend_class
from ._display import redacted_url
from ._embedded import DEFAULT_MODEL, check_gguf, get_embedded_model
from ._exceptions import ConfigurationError
from .pipeline import DEFAULT_STRATEGY, get_strategy

__all__ = ["Settings"]

_ENV_PREFIX = "SUMMARIZER_"
#: The only host OPENAI_API_KEY is sent to.
OPENAI_HOST = "api.openai.com"
_STRUCTURED_MODES = ("auto", "json_schema", "json", "md_json")
# Requests at once when --concurrency is not given: a server takes several; the embedded model on a
# small CPU is fastest with one slot (each slot reads its own whole prompt).
_SERVER_CONCURRENCY = 4
_LANGUAGE = re.compile(r"auto|[a-z]{2,3}")
_EMBEDDED_CONCURRENCY = 1

# The environment ``Settings.resolve`` reads: os.environ unless a caller (a test) passes its own.
_environment: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar("environment", default=None)


class _Environment(EnvSettingsSource):
    """The environment source, reading the mapping given to ``resolve`` when there is one."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        given = _environment.get()
        if given is None:
            return super()._load_env_vars()
        return {
            (name if self.case_sensitive else name.lower()): value
            for name, value in given.items()
            if not (self.env_ignore_empty and value == "")
        }


def is_openai_url(url: str) -> bool:
    """Whether ``url`` is OpenAI's own API (its host), which alone receives OPENAI_API_KEY and OpenAI's quirks."""
    return urlsplit(url).hostname == OPENAI_HOST


class Settings(BaseSettings):
    """How to run the summarizer. Environment variables are ``SUMMARIZER_<FIELD>`` in capitals.

    With ``base_url`` set, requests go to that OpenAI-compatible server and
    ``model`` names a model there; otherwise ``model`` names an embedded model
    (or ``model_path`` a local GGUF file) run in process.
    """

    model_config = SettingsConfigDict(
        env_prefix=_ENV_PREFIX,
        frozen=True,
        extra="forbid",
        env_ignore_empty=True,
        protected_namespaces=(),
        # ``api_key=`` as a keyword; its environment names are only the two aliases below.
        validate_by_name=True,
    )

    #: A registered backend's name; None picks "openai" with a base_url, else "embedded".
    backend: str | None = None
    model: str | None = None
    model_path: Path | None = None
    base_url: str | None = None
    #: The key for the server: --api-key or SUMMARIZER_API_KEY, sent to whatever --base-url names.
    api_key: str | None = Field(default=None, repr=False, validation_alias=AliasChoices("SUMMARIZER_API_KEY"))
    #: OPENAI_API_KEY, read as every OpenAI client reads it, but sent only to OpenAI's own host: a key set for
    #: OpenAI must not travel to another server, least of all over plain http (``server_api_key``).
    openai_api_key: str | None = Field(default=None, repr=False, validation_alias=AliasChoices("OPENAI_API_KEY"))
    mode: str = "auto"
    timeout: float = 300.0
    #: Requests at once; None means 4 against a server, 1 (one slot) on the embedded model.
    concurrency: int | None = None
    strategy: str = DEFAULT_STRATEGY
    #: The article's language (ISO 639-1), or "auto" to detect it per article.
    language: str = "auto"
    #: Pipeline steps switched off, for ablations (``Strategy.switches``); comma-separated in the environment.
    without: Annotated[frozenset[str], NoDecode] = frozenset()
    n_ctx: int = 8192
    #: An article longer than the context is read in chunks; one needing more than this is refused up front.
    max_chunks: int = 32
    #: Characters (code points) an article may have; a longer one is refused before it is cleaned or read, so
    #: one huge input cannot hold a batch for minutes or take the machine's memory.
    max_article_chars: int = Field(default=1_000_000, ge=1)
    max_tokens: int = 1024
    max_reasks: int = 2
    temperature: float = 0.0
    seed: int = 0
    #: Keep items that fail grounding, flagged, instead of moving them to ``dropped``.
    keep_ungrounded: bool = False

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit values, then the environment; no .env file and no secrets directory is read.
        return init_settings, _Environment(settings_cls)

    @field_validator("language", mode="before")
    @classmethod
    def _language_code(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("without", mode="before")
    @classmethod
    def _steps(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(step.strip() for step in value.split(",") if step.strip())
        return value

    @model_validator(mode="after")
    def _checked(self) -> Settings:
        self.check()
        return self

    @classmethod
    def resolve(cls, environ: Mapping[str, str] | None = None, **explicit: Any) -> Settings:
        """Build settings from explicit values (None = not given), then ``environ`` (default: os.environ),
        then defaults. Raises ``ConfigurationError`` naming the flag or variable at fault."""
        unknown = set(explicit) - set(cls.model_fields)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        given = {name: value for name, value in explicit.items() if value is not None}
        with _reading(environ):
            try:
                return cls(**given)
            except ValidationError as exc:
                raise _configuration_error(exc, given, environ) from None

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
        if not _LANGUAGE.fullmatch(self.language):
            raise ConfigurationError(
                f"--language must be auto or a language code such as en, de or ja; got {self.language!r}"
            )
        if self.mode not in _STRUCTURED_MODES:
            raise ConfigurationError(f"unknown mode {self.mode!r}; choose one of: {', '.join(_STRUCTURED_MODES)}")
        backend_class(self.backend_name)
        if self.base_url is not None:
            if self.model_path is not None:
                raise ConfigurationError("--model-path runs a local file; it cannot be combined with --base-url")
            if not self.base_url.startswith(("http://", "https://")):
                given = redacted_url(self.base_url)
                raise ConfigurationError(f"--base-url must start with http:// or https://, got {given!r}")
        if self.backend_name == "openai" and self.base_url is None:
            raise ConfigurationError("the openai backend needs --base-url (or SUMMARIZER_BASE_URL)")
        if self.backend_name == "embedded":
            if self.base_url is not None:
                raise ConfigurationError("the embedded backend runs a local model; it cannot take --base-url")
            if self.model_path is not None:
                check_gguf(Path(self.model_path).expanduser())
            else:
                get_embedded_model(self.model or DEFAULT_MODEL)

    @property
    def server_api_key(self) -> str | None:
        """The key to send to the server: ``api_key`` to any; ``openai_api_key`` only to api.openai.com."""
        if self.api_key:
            return self.api_key
        if self.openai_api_key and self.base_url is not None and is_openai_url(self.base_url):
            return self.openai_api_key
        return None

    @property
    def requests_at_once(self) -> int:
        """``concurrency`` as given, else the default for this kind of backend."""
        if self.concurrency is not None:
            return self.concurrency
        return _SERVER_CONCURRENCY if self.base_url is not None else _EMBEDDED_CONCURRENCY

    @property
    def model_label(self) -> str:
        if self.base_url:
            return f"{self.model or 'the server model'} at {redacted_url(self.base_url)}"
        return str(self.model_path) if self.model_path else self.model or DEFAULT_MODEL

    def model_identity(self, served_model: Callable[[], str] | None = None) -> str:
        """What makes this model answer as it does, without loading it: for caching results.

        A server is named by host and path only (no credentials, no query);
        with no --model, ``served_model`` names the model it serves (the
        backend asks the server: settings make no network call).
        """
        if self.backend_name not in ("openai", "embedded"):
            return f"backend {self.backend_name} {self.model or ''}".rstrip()
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


@contextmanager
def _reading(environ: Mapping[str, str] | None) -> Iterator[None]:
    token = _environment.set(environ)
    try:
        yield
    finally:
        _environment.reset(token)


def _configuration_error(
    exc: ValidationError, given: Mapping[str, Any], environ: Mapping[str, str] | None
) -> ConfigurationError:
    """The first problem in one line, named as the user set it: the option, or the environment variable."""
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "settings"
    problem = error["msg"].replace("Input should be", "should be", 1)
    if field in given:
        return ConfigurationError(f"{field}={given[field]!r}: {problem}")
    variable = _ENV_PREFIX + field.upper()
    return ConfigurationError(f"{variable}={error.get('input')!r}: {problem}; fix or unset it")
