"""Settings: each value comes from an explicit argument, else the environment, else a default."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ._backend import Backend
from ._embedded import DEFAULT_MODEL, check_gguf, ensure_model_file, get_embedded_model
from ._exceptions import ConfigurationError
from ._prompts import DEFAULT_PROMPT

__all__ = ["Settings"]

_ENV_PREFIX = "SUMMARIZER_"


@dataclass(frozen=True)
class Settings:
    """How to run the summarizer. Environment variables are ``SUMMARIZER_<FIELD>`` in capitals."""

    model: str = DEFAULT_MODEL
    model_path: Path | None = None
    prompt: str = DEFAULT_PROMPT
    n_ctx: int = 8192
    max_tokens: int = 1024
    max_reasks: int = 2
    temperature: float = 0.0
    seed: int = 0

    @classmethod
    def resolve(cls, environ: Mapping[str, str] | None = None, **explicit: Any) -> Settings:
        """Build settings from explicit values (None = not given), then ``environ``, then defaults."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = explicit.get(f.name)
            if value is None:
                env_name = _ENV_PREFIX + f.name.upper()
                raw = environ.get(env_name)
                if raw is not None and raw != "":
                    value = _parse(f.name, env_name, raw, type(getattr(cls, f.name, "")))
            if value is not None:
                values[f.name] = value
        unknown = set(explicit) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
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
        if self.model_path is not None:
            check_gguf(Path(self.model_path).expanduser())
        else:
            get_embedded_model(self.model)

    @property
    def model_label(self) -> str:
        return str(self.model_path) if self.model_path else self.model

    def create_backend(self, progress: Callable[[str], None] | None = None) -> Backend:
        """The backend these settings describe: the embedded model or a local GGUF file."""
        from ._llama import LlamaCppBackend

        if self.model_path is not None:
            path = Path(self.model_path).expanduser()
            model_id = path.name
        else:
            embedded = get_embedded_model(self.model)
            path = ensure_model_file(embedded, progress=progress)
            model_id = embedded.name
        return LlamaCppBackend(path, model_id=model_id, n_ctx=self.n_ctx, seed=self.seed)


def _parse(name: str, env_name: str, raw: str, kind: type) -> Any:
    if name == "model_path":
        return Path(raw)
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise ConfigurationError(f"{env_name}={raw!r} is not a valid {kind.__name__}; fix or unset it") from None
    return raw
