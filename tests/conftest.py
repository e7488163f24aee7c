"""Shared fixtures: model calls are blocked unless a test asks for the real model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer import Settings, Summarizer, allow_model_calls
from summarizer.testing import instant_retries, model_answers

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "evals" / "cases" / "lachin-corridor-talks-2023-03-01.txt"
#: The invented article that ``summary_dict`` summarizes: every quote and name in it is in here.
ARTICLE = (
    "Ada Brook of Northland met Southland's envoy Tomas Rehn on Wednesday, mediated by the Island Council. "
    "They discussed reopening the coast road to trucks. "
    "Southland press said the border was discussed; the Northland ministry denied it."
)


@pytest.fixture(autouse=True)
def _block_model_calls(request: pytest.FixtureRequest) -> Iterator[None]:
    allowed = request.node.get_closest_marker("model") is not None
    with allow_model_calls(allowed):
        yield


@pytest.fixture(autouse=True)
def retry_waits() -> Iterator[list[float]]:
    """Transport-retry waits are recorded, not slept, so retry tests are instant."""
    with instant_retries() as waits:
        yield waits


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's SUMMARIZER_* settings must not change what tests see.
    for name in list(os.environ):
        if (name.startswith("SUMMARIZER_") and name != "SUMMARIZER_CACHE_DIR") or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def real_summarizer() -> Iterator[Summarizer]:
    """The default embedded model, loaded once for every test that needs it."""
    with allow_model_calls():
        summarizer = Summarizer(settings=Settings())
        _ = summarizer.backend  # assemble and verify before any test times itself
        yield summarizer
        summarizer.close()


def summary_dict(**overrides: Any) -> dict[str, Any]:
    """A valid summary of ``ARTICLE`` in the contract's shape, with fields replaced by ``overrides``."""
    document: dict[str, Any] = {
        "summary": "Two delegations met and discussed a road.",
        "meeting": {
            "status": "held",
            "date": "Wednesday",
            "location": None,
            "location_evidence": None,
            "date_evidence": quote("Wednesday"),
        },
        "parties": [
            {"name": "Northland", "evidence": quote("Ada Brook of Northland")},
            {"name": "Southland", "evidence": quote("Southland's envoy Tomas Rehn")},
        ],
        "participants": [
            {
                "name": "Ada Brook",
                "role": "envoy",
                "side": "Northland",
                "evidence": quote("Ada Brook of Northland met"),
            },
            {"name": "Tomas Rehn", "role": "envoy", "side": "Southland", "evidence": quote("envoy Tomas Rehn")},
        ],
        "mediators": [
            {"name": "Island Council", "kind": "organization", "evidence": quote("mediated by the Island Council")}
        ],
        "topics": [
            {
                "label": "road reopening",
                "detail": "Reopening the coast road to trucks.",
                "evidence": quote("reopening the coast road to trucks"),
            }
        ],
        "disputed_claims": [
            {
                "claim": "The border was discussed.",
                "claimed_by": ["Southland press"],
                "disputed_by": ["Northland ministry"],
                "stance": "denied",
                "evidence": quote("the Northland ministry denied it"),
            }
        ],
        "dropped": [],
    }
    document.update(overrides)
    return document


def without_quotes(document: dict[str, Any], article: str = ARTICLE) -> dict[str, Any]:
    """``document`` with each item's evidence checked to be located in ``article`` and then left out: code
    chooses the quotes (``PhraseChooser``), so a test of anything else compares the rest."""
    stripped = dict(document)
    for field in ("parties", "participants", "mediators", "topics", "disputed_claims"):
        for item in document.get(field, []):
            evidence = item.get("evidence") or {}
            start, end = evidence.get("span") or (0, 0)
            assert article[start:end] == evidence.get("quote"), item
        stripped[field] = [{k: v for k, v in item.items() if k != "evidence"} for item in document.get(field, [])]
    if "meeting" in document:
        meeting = dict(document["meeting"])
        for name in ("location", "date"):
            evidence = meeting.pop(f"{name}_evidence", None) or {}
            start, end = evidence.get("span") or (0, 0)
            assert article[start:end] == (evidence.get("quote") or ""), meeting
        stripped["meeting"] = meeting
    return stripped


def quote(text: str, article: str = ARTICLE) -> dict[str, Any]:
    """Evidence as a finished summary carries it: the quote, located exactly in ``article``."""
    start = article.index(text)
    return {"quote": text, "span": [start, start + len(text)], "match": "exact", "problem": None}


def answer_dict(**overrides: Any) -> dict[str, Any]:
    """The single call's answer (quotes as bare strings) for ``summary_dict(**overrides)``."""
    return model_answers(summary_dict(**overrides))["ArticleSummaryDraft"]
