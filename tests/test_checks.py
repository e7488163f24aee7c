"""The mediator check: candidates from the model and the wording, roles from the model, folded in by code."""

import pytest

from summarizer import Settings, Summarizer
from summarizer._drafts import roles_model
from summarizer._schema import ArticleSummary, DropReason, MediatorKind
from summarizer.pipeline import ModelRequest
from summarizer.pipeline._checks import _kind, ask_mediators, confirm_mediators
from summarizer.reading import read
from summarizer.testing import Answer, TaskBackend, answer_from_summary
from tests.conftest import ARTICLE, summary_dict

WORDING = (
    "Ostrand and Karsvik resumed talks in Port Alba on Friday, with former envoy Aldo Finch serving as moderator. "
    "Ostrand's minister Ada Brook led her side. The Velmora-brokered round ended without a deal."
)


def _summary(**overrides: object) -> ArticleSummary:
    return ArticleSummary.model_validate(summary_dict(**overrides))


def _answer(summary: ArticleSummary, roles: dict[str, str]) -> ArticleSummary:
    request = ask_mediators(summary, read(WORDING, "en"))
    assert request is not None
    return confirm_mediators(summary, request, request.response_model.model_validate(roles))


def test_the_models_mediators_and_the_wordings_third_parties_are_asked_about_once_each():
    summary = _summary(mediators=[{"name": "Velmora", "kind": "state", "evidence": None}])
    request = ask_mediators(summary, read(WORDING, "en"))
    assert request is not None
    assert request.pass_name == "mediators"
    assert request.values["candidates"] == "- Velmora\n- Aldo Finch"
    assert list(request.response_model.model_json_schema()["properties"]) == ["Velmora", "Aldo Finch"]
    properties = request.response_model.model_json_schema()["$defs"]["ThirdPartyRole"]
    assert properties["enum"] == ["mediator", "side", "neither"]


def test_nothing_is_asked_when_neither_the_model_nor_the_wording_names_a_third_party():
    assert ask_mediators(_summary(mediators=[]), read("Ostrand and Karsvik met on Friday.", "en")) is None


def test_a_confirmed_candidate_becomes_a_mediator_of_its_kind_and_leaves_the_participants():
    summary = _summary(
        mediators=[],
        participants=[{"name": "Aldo Finch", "role": None, "side": None, "evidence": None}],
    )
    result = _answer(summary, {"Aldo Finch": "mediator", "Velmora": "mediator"})
    assert [(m.name, m.kind) for m in result.mediators] == [
        ("Aldo Finch", MediatorKind.person),
        ("Velmora", MediatorKind.organization),
    ]
    assert result.participants == []
    assert [(d.field, d.reason) for d in result.dropped] == [("participants", DropReason.mediator_or_side)]
    assert [p.name for p in result.parties] == ["Northland", "Southland"]  # sides are never taken away


def test_a_side_listed_as_mediator_becomes_a_side_and_one_that_is_neither_is_dropped():
    summary = _summary(
        parties=[{"name": "Ostrand", "evidence": None}],
        mediators=[
            {"name": "Karsvik", "kind": "state", "evidence": None},
            {"name": "Port Alba", "kind": "organization", "evidence": None},
        ],
    )
    result = _answer(summary, {"Karsvik": "side", "Port Alba": "neither", "Aldo Finch": "neither", "Velmora": "side"})
    assert result.mediators == []
    assert [p.name for p in result.parties] == ["Ostrand", "Karsvik"]  # Velmora was never the model's
    assert [(d.item["name"], d.reason) for d in result.dropped] == [
        ("Karsvik", DropReason.not_a_mediator),
        ("Port Alba", DropReason.not_a_mediator),
    ]
    assert "is one of the sides" in result.dropped[0].detail
    assert "did not mediate" in result.dropped[1].detail


def test_a_new_mediators_kind_comes_from_its_name():
    assert _kind("Norway") is MediatorKind.state  # CLDR's English country names
    assert _kind("Aldo Finch") is MediatorKind.person
    assert _kind("Coastal Mediation Board") is MediatorKind.organization
    assert _kind("Velmora") is MediatorKind.organization  # one word, no country: a body, not a guess at a person


def test_the_check_is_a_step_that_can_be_switched_off():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    Summarizer(backend, settings=Settings(without=frozenset({"mediators"}))).run(ARTICLE)
    assert "ThirdPartyRoles" not in [r["response_format"]["json_schema"]["name"] for r in backend.requests]
    Summarizer(backend, settings=Settings()).run(ARTICLE)
    assert "ThirdPartyRoles" in [r["response_format"]["json_schema"]["name"] for r in backend.requests]


def test_one_entity_under_two_names_is_asked_about_once_by_its_fuller_name():
    summary = _summary(mediators=[{"name": "Finch", "kind": "person", "evidence": None}])
    request = ask_mediators(summary, read(WORDING, "en"))
    assert request is not None
    assert request.values["candidates"] == "- Aldo Finch\n- Velmora"


def test_a_side_the_wording_casts_as_host_is_not_asked_about():
    summary = _summary(parties=[{"name": "Velmora", "evidence": None}], mediators=[])
    request = ask_mediators(summary, read(WORDING, "en"))
    assert request is not None
    assert request.values["candidates"] == "- Aldo Finch"


def test_a_name_without_letters_is_never_asked_about_and_names_are_distinct():
    summary = _summary(mediators=[{"name": "--", "kind": "person", "evidence": None}])
    request = ask_mediators(summary, read(WORDING, "en"))
    assert request is not None
    assert request.values["candidates"] == "- Aldo Finch\n- Velmora"
    with pytest.raises(ValueError, match="distinct"):
        roles_model(("Velmora", "Velmora"))


def test_the_models_no_takes_a_mediator_out_of_the_summary_end_to_end():
    summary_answer = answer_from_summary(summary_dict())

    def answer(request: ModelRequest) -> Answer:
        if request.pass_name == "mediators":
            return dict.fromkeys(request.response_model.model_json_schema()["properties"], "neither")
        return summary_answer(request)

    result = Summarizer(TaskBackend(answer), settings=Settings()).run(ARTICLE)
    assert result.summary.mediators == []
    assert [(d.item["name"], d.reason) for d in result.summary.dropped] == [
        ("Island Council", DropReason.not_a_mediator)
    ]
