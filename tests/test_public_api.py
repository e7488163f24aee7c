import importlib
import types

import pytest

import summarizer

EXPECTED_PUBLIC = {
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
    "Evidence",
    "MatchKind",
    "GroundingCounts",
    "grounding_counts",
    "EmbeddedModel",
    "ExtractionError",
    "GoldCase",
    "EmbeddedBackend",
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
    "register_backend",
    "summarize",
    "summarize_many",
}


def test_public_surface_is_exactly_all():
    assert set(summarizer.__all__) == EXPECTED_PUBLIC
    for name in summarizer.__all__:
        assert hasattr(summarizer, name), name


def test_public_objects_claim_the_package_as_their_home():
    for name in summarizer.__all__:
        obj = getattr(summarizer, name)
        module = getattr(obj, "__module__", None)
        if module is not None and isinstance(obj, type):
            assert module.startswith("summarizer"), (name, module)


def test_every_error_derives_from_summarizer_error():
    errors = [getattr(summarizer, n) for n in summarizer.__all__ if n.endswith("Error")]
    assert errors
    for error in errors:
        assert issubclass(error, summarizer.SummarizerError)


def test_testing_module_registers_the_mock_backend():
    importlib.import_module("summarizer.testing")
    assert "mock" in summarizer.backend_names()
    assert "embedded" in summarizer.backend_names()


@pytest.mark.parametrize(
    ("package", "names"),
    [
        ("summarizer.text", {"CleanText", "clean", "normalize", "sentences", "tokens", "sentence_spans"}),
        ("summarizer.reading", {"Reader", "Reading", "read", "detect_language", "EnglishReader", "ModelOnlyReader"}),
        ("summarizer.pipeline", {"ModelRequest", "Pass", "Repair", "Strategy", "plan", "STRATEGIES"}),
        ("summarizer.grounding", {"Grounding", "ArticleIndex", "grounding_counts", "in_original"}),
        ("summarizer.cli", {"app", "main"}),
        ("summarizer.ray", {"summarize_dataset", "SummarizeBatch", "run_corpus", "CorpusTally", "RayRunError"}),
    ],
)
def test_each_layer_exports_what_it_names_and_nothing_it_does_not_define(package, names):
    module = importlib.import_module(package)
    assert names <= set(module.__all__)
    assert all(hasattr(module, name) for name in module.__all__)
    public = {name for name in vars(module) if not name.startswith("_")} - {"annotations"}
    submodules = {name for name, value in vars(module).items() if isinstance(value, types.ModuleType)}
    assert public - submodules == set(module.__all__)
