"""Errors raised by summarizer.

Every error a user can cause or fix derives from ``SummarizerError`` and has
a one-line message that names the problem and, where there is one, the fix::

    SummarizerError
    ├── ArticleError              the input article cannot be used
    │   └── ArticleTooLongError   it does not fit the model's context window
    ├── CaseError                 a golden eval case file is invalid
    ├── ConfigurationError        a setting, model name or model file is wrong
    │   ├── ModelNotInstalledError    the embedded model's packages are missing
    │   └── ModelIntegrityError       assembled bytes do not match the expected hash
    ├── BackendError              the model runtime failed while answering
    │   └── ModelCallsBlockedError    real model calls are switched off (tests)
    └── ExtractionError           no valid summary after every re-ask
"""

from __future__ import annotations

__all__ = [
    "ArticleError",
    "ArticleTooLongError",
    "BackendError",
    "CaseError",
    "ConfigurationError",
    "ExtractionError",
    "ModelCallsBlockedError",
    "ModelIntegrityError",
    "ModelNotInstalledError",
    "SummarizerError",
]


class SummarizerError(Exception):
    """Base class for every error summarizer reports to its users."""


class ArticleError(SummarizerError):
    """The article is missing, empty, binary or not UTF-8 text."""


class ArticleTooLongError(ArticleError):
    """The article does not fit in the model's context window.

    A server that says how long the prompt was and how much its context holds
    (llama.cpp's ``exceed_context_size_error``) sets ``prompt_tokens`` and
    ``context_window``; the summarizer then reads the article in chunks that fit.
    """

    def __init__(self, message: str, *, prompt_tokens: int | None = None, context_window: int | None = None) -> None:
        super().__init__(message)
        self.prompt_tokens = prompt_tokens
        self.context_window = context_window
        #: The refused prompt's length in characters, set by the summarizer that sent it.
        self.prompt_chars: int | None = None


class CaseError(SummarizerError):
    """A golden eval case file cannot be read or does not follow the case format."""


class ConfigurationError(SummarizerError):
    """A setting, model name or model file is not usable."""


class ModelNotInstalledError(ConfigurationError):
    """The packages that carry an embedded model's weights are not installed."""


class ModelIntegrityError(ConfigurationError):
    """Assembled model bytes do not have the expected size or SHA-256."""


class BackendError(SummarizerError):
    """The model runtime or server failed while producing an answer.

    ``transient`` says the same request may succeed later (the transport failed: a timeout, a dropped
    connection, a rate limit, a server error), as opposed to a refusal that would be repeated.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class ModelCallsBlockedError(BackendError):
    """A real model was about to be called while model calls are blocked."""


class ExtractionError(SummarizerError):
    """The model did not produce a valid summary within the allowed attempts."""

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts
