"""summarizer: structured, schema-validated summaries of news articles about meetings.

>>> from summarizer import summarize                     # doctest: +SKIP
>>> summary = summarize(open("article.txt").read())      # doctest: +SKIP
>>> [m.name for m in summary.mediators]                  # doctest: +SKIP
"""

from ._backend import Backend, allow_model_calls, backend_names, create_backend, register_backend
from ._cases import GoldCase
from ._embedded import DEFAULT_MODEL, EMBEDDED_MODELS, EmbeddedModel
from ._exceptions import (
    ArticleError,
    ArticleTooLongError,
    BackendError,
    CaseError,
    ConfigurationError,
    ExtractionError,
    ModelCallsBlockedError,
    ModelIntegrityError,
    ModelNotInstalledError,
    SummarizerError,
)
from ._llama import EmbeddedBackend
from ._openai import OpenAIBackend, StructuredMode
from ._retry import RetryPolicy
from ._schema import (
    SCHEMA_VERSION,
    ArticleSummary,
    DisputedClaim,
    DroppedItem,
    DropReason,
    Evidence,
    MatchKind,
    Mediator,
    MediatorKind,
    Meeting,
    MeetingStatus,
    Participant,
    Party,
    Stance,
    Topic,
)
from ._settings import Settings
from ._summarizer import RequestMeta, RunMeta, Summarizer, SummaryFailure, SummaryResult, summarize, summarize_many
from .grounding import GroundingCounts, grounding_counts

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MODEL",
    "EMBEDDED_MODELS",
    "SCHEMA_VERSION",
    "ArticleError",
    "ArticleSummary",
    "ArticleTooLongError",
    "Backend",
    "BackendError",
    "CaseError",
    "ConfigurationError",
    "DisputedClaim",
    "DropReason",
    "DroppedItem",
    "EmbeddedBackend",
    "EmbeddedModel",
    "Evidence",
    "ExtractionError",
    "GoldCase",
    "GroundingCounts",
    "MatchKind",
    "Mediator",
    "MediatorKind",
    "Meeting",
    "MeetingStatus",
    "ModelCallsBlockedError",
    "ModelIntegrityError",
    "ModelNotInstalledError",
    "OpenAIBackend",
    "Participant",
    "Party",
    "RequestMeta",
    "RetryPolicy",
    "RunMeta",
    "Settings",
    "Stance",
    "StructuredMode",
    "Summarizer",
    "SummarizerError",
    "SummaryFailure",
    "SummaryResult",
    "Topic",
    "__version__",
    "allow_model_calls",
    "backend_names",
    "create_backend",
    "grounding_counts",
    "register_backend",
    "summarize",
    "summarize_many",
]
