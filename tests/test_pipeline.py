"""The declared pipeline: a plan free of I/O, named steps that switch off one at a time, one core for sync
and async."""

import asyncio

import pytest

from summarizer import ArticleError, ConfigurationError, Settings, Summarizer
from summarizer.grounding import Grounding
from summarizer.pipeline import STRATEGIES, ModelRequest, plan
from summarizer.reading import read
from summarizer.testing import TaskBackend, answer_from_summary
from tests.conftest import ARTICLE, quote, summary_dict


def test_the_plan_yields_typed_requests_and_returns_the_grounding_without_any_backend():
    answer = answer_from_summary(summary_dict())
    steps = plan(STRATEGIES["focused"], read(ARTICLE), without=frozenset({"code-quotes"}))
    asked: list[ModelRequest] = []
    request = next(steps)
    try:
        while True:
            asked.append(request)
            model = request.response_model
            request = steps.send(model.model_validate(answer(request)))
    except StopIteration as done:
        grounding = done.value
    assert [r.pass_name for r in asked] == [
        "meeting",
        "disputes",
        "subjects",
        "mediators",
        "evidence",
    ]  # all grounded: no re-ask
    assert isinstance(grounding, Grounding)
    assert not grounding.ungrounded


def test_items_without_a_quote_are_asked_for_one_in_one_typed_request():
    document = summary_dict(participants=[{"name": "Ada Brook", "role": None, "side": None, "evidence": None}])
    backend = TaskBackend(answer_from_summary(document))
    Summarizer(backend, settings=Settings(without=frozenset({"code-quotes"}))).run(ARTICLE)
    evidence = next(task for task in backend.tasks if task.pass_name == "evidence")
    asked = [item.name for item in evidence.items["participants"]]  # type: ignore[attr-defined]
    assert "Ada Brook" in asked
    assert all(item.evidence is None for items in evidence.items.values() for item in items)  # type: ignore[attr-defined]


def test_run_and_arun_give_the_same_summary():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    summarizer = Summarizer(backend, settings=Settings())
    assert summarizer.run(ARTICLE).summary == asyncio.run(summarizer.arun(ARTICLE)).summary


def test_every_repair_step_can_be_switched_off_by_name():
    assert STRATEGIES["focused"].switches == (
        "disputes",
        "code-quotes",
        "meeting-grounding",
        "reground",
        "roles",
        "claim-sources",
        "meeting-people",
        "agenda-topics",
        "people-only",
        "dedupe",
        "two-sided-claims",
        "subjects",
        "mediators",
        "finish-text",
        "mediator-kinds",
        "place-name",
        "meeting-place",
        "venue",
    )


def _run(document, **settings):
    return Summarizer(TaskBackend(answer_from_summary(document)), settings=Settings.resolve(**settings)).run(ARTICLE)


def test_without_a_step_its_repair_is_not_made_and_nothing_else_changes():
    twice = summary_dict(
        parties=[{"name": "Northland", "evidence": quote("Northland")}] * 2
        + [{"name": "Southland", "evidence": quote("Southland")}]
    )
    assert [p.name for p in _run(twice).summary.parties] == ["Northland", "Southland"]
    kept = _run(twice, without=("dedupe",)).summary
    assert [p.name for p in kept.parties] == ["Northland", "Northland", "Southland"]
    assert kept.participants == _run(twice).summary.participants


def test_a_meeting_place_the_article_does_not_name_is_null_unless_meeting_grounding_is_switched_off():
    placeholder = summary_dict(meeting={"status": "held", "date": "Wednesday", "location": "not specified"})
    grounded = _run(placeholder).summary
    assert grounded.meeting.location is None
    assert [(d.field, d.item) for d in grounded.dropped] == [("meeting", {"location": "not specified"})]
    kept = _run(placeholder, without=("meeting-grounding",)).summary
    assert (kept.meeting.location, kept.meeting.location_evidence, kept.dropped) == ("not specified", None, [])


def test_without_the_disputes_pass_it_is_not_asked():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    Summarizer(backend, settings=Settings(without=frozenset({"disputes"}))).run(ARTICLE)
    assert "disputes" not in [task.pass_name for task in backend.tasks]


def test_an_unknown_step_names_the_ones_that_exist():
    with pytest.raises(ConfigurationError, match=r"--without dedup: .* dedupe"):
        Settings.resolve(without=("dedup",))


def test_steps_switched_off_in_the_environment_are_a_comma_separated_list():
    settings = Settings.resolve({"SUMMARIZER_WITHOUT": "dedupe, roles"})
    assert settings.without == frozenset({"dedupe", "roles"})


def test_switched_off_steps_are_part_of_the_result_cache_key():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    plain = Summarizer(backend, settings=Settings()).result_identity()
    ablated = Summarizer(backend, settings=Settings(without=frozenset({"roles"}))).result_identity()
    assert plain != ablated


def test_spans_and_quotes_are_in_the_article_as_given():
    article = ARTICLE.replace("Tomas Rehn", "Tomas Re\u00adhn").replace(". ", ".\r\n\r\n")
    document = summary_dict(
        participants=[{"name": "Tomas Rehn", "role": None, "side": None, "evidence": {"quote": "envoy Tomas Rehn"}}]
    )
    settings = Settings(without=frozenset({"code-quotes"}))  # the model's quote, mapped back to the original
    result = Summarizer(TaskBackend(answer_from_summary(document)), settings=settings).run(article)
    person = next(p for p in result.summary.participants if p.name == "Tomas Rehn")
    assert person.evidence is not None
    assert person.evidence.span is not None
    start, end = person.evidence.span
    assert article[start:end] == person.evidence.quote == "envoy Tomas Re\u00adhn"
    for field in ("parties", "mediators", "topics", "disputed_claims"):
        for item in result.summary.items(field):
            span = item.evidence.span  # type: ignore[attr-defined]
            assert article[span[0] : span[1]] == item.evidence.quote  # type: ignore[attr-defined]


def test_settings_build_backends_through_the_registry():
    with pytest.raises(ConfigurationError, match=r"unknown backend 'nope'; available: .*embedded"):
        Settings.resolve(backend="nope")
    with pytest.raises(ConfigurationError, match="cannot be created from settings"):
        Settings.resolve(backend="mock").create_backend()
    assert Settings.resolve(base_url="http://127.0.0.1:9/v1", model="m").backend_name == "openai"


def test_a_dropped_items_span_is_in_the_article_as_given_too():
    article = ARTICLE.replace(". ", ".\r\n\r\n")
    document = summary_dict(
        parties=[
            {"name": "Northland", "evidence": {"quote": "Ada Brook of Northland"}},
            {"name": "Eastland", "evidence": {"quote": "Southland press said the border was discussed"}},
        ]
    )
    result = Summarizer(TaskBackend(answer_from_summary(document)), settings=Settings()).run(article)
    (dropped,) = [d for d in result.summary.dropped if d.item.get("name") == "Eastland"]
    start, end = dropped.item["evidence"]["span"]
    assert article[start:end] == dropped.item["evidence"]["quote"]


def test_an_article_of_invisible_characters_only_is_refused_before_any_model_call():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    with pytest.raises(ArticleError, match="no visible text"):
        Summarizer(backend, settings=Settings()).run("\u200b\u00ad\ufeff \u2060")
    assert backend.requests == []


def test_a_reask_for_an_item_the_model_never_gave_is_answered_as_asked():
    article = "A Northland delegation headed by Ada Brook met Tomas Rehn. " + ARTICLE
    document = summary_dict(participants=[])
    backend = TaskBackend(answer_from_summary(document))
    result = Summarizer(backend, settings=Settings()).run(article)
    assert "Ada Brook" in [p.name for p in result.summary.participants]


def test_a_failed_call_closes_the_plan():
    closed = []

    def failing(request):
        raise ConfigurationError("boom")

    summarizer = Summarizer(TaskBackend(failing), settings=Settings())
    original = summarizer._job

    def job(text):
        made = original(text)
        steps = made.steps

        def watched():
            try:
                result = yield from steps
            finally:
                closed.append(True)
            return result

        made.steps = watched()
        return made

    summarizer._job = job  # type: ignore[method-assign,assignment]
    with pytest.raises(ConfigurationError, match="boom"):
        summarizer.run(ARTICLE)
    assert closed == [True]
