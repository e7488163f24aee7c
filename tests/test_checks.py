"""The checks: candidates or phrases from the model and the wording, folded in by code (mediators, topics)."""

import pytest

from summarizer import Settings, Summarizer
from summarizer._drafts import roles_model
from summarizer._schema import ArticleSummary, DropReason, MediatorKind
from summarizer.pipeline import ModelRequest
from summarizer.pipeline._checks import add_subjects, ask_mediators, ask_subjects, confirm_mediators
from summarizer.pipeline._repairs import mediator_kind, mediator_kinds, place_name, place_not_a_side
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
    reading = read(WORDING, "en")
    request = ask_mediators(summary, reading)
    assert request is not None
    return confirm_mediators(summary, reading, request, request.response_model.model_validate(roles))


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
    assert mediator_kind("Norway") is MediatorKind.state  # CLDR's English country names
    assert mediator_kind("Aldo Finch") is MediatorKind.person
    assert mediator_kind("Coastal Mediation Board") is MediatorKind.organization
    assert mediator_kind("Russian peacekeeping command") is MediatorKind.organization
    assert mediator_kind("Velmora") is None  # one word, no country: code cannot tell


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


# -- The subjects check -------------------------------------------------------------------------------------

AGENDA = (
    "Northland and Southland met in Port Alba on Friday. The envoys discussed fishing quotas in the Grey Sea, "
    "the ferry timetable, oil and harbour fees, and agreed to meet again."
)


def _subjects(summary: ArticleSummary, phrases: list[str], article: str = AGENDA, language: str = "en") -> list[str]:
    reading = read(article, language)
    request = ask_subjects(summary, reading)
    assert request is not None
    answer = request.response_model.model_validate({"subjects": phrases})
    return [t.label for t in add_subjects(summary, reading, request, answer).topics]


def _one_topic(label: str = "fishing quotas") -> ArticleSummary:
    return _summary(topics=[{"label": label, "detail": "Quotas in the Grey Sea.", "evidence": None}])


def test_a_summary_that_names_no_talks_is_not_asked_for_subjects():
    quiet = _summary(parties=[], participants=[], mediators=[], topics=[], disputed_claims=[])
    assert ask_subjects(quiet, read(AGENDA, "en")) is None


def test_a_summary_with_two_topics_is_not_asked_for_subjects():
    two = _summary(
        topics=[
            {"label": "fishing quotas", "detail": "Quotas.", "evidence": None},
            {"label": "harbour fees", "detail": "Fees.", "evidence": None},
        ]
    )
    assert ask_subjects(two, read(AGENDA, "en")) is None


def test_the_subjects_question_names_the_sides_and_bounds_the_answer():
    request = ask_subjects(_one_topic(), read(AGENDA, "en"))
    assert request is not None
    assert request.pass_name == "subjects"
    assert request.values == {"sides": "Northland and Southland"}
    schema = request.response_model.model_json_schema()
    assert schema["properties"]["subjects"]["maxItems"] == 5
    assert schema["properties"]["subjects"]["items"]["maxLength"] == 60


def test_a_single_topic_is_topped_up_with_the_first_new_subject_in_the_articles_words():
    # In turn: a phrase on the same word, a side, a name, words the article does not have; then the first new
    # subject, trimmed; one only, as the summary then has two topics.
    phrases = ["quotas in the Grey Sea", "Southland", "Grey Sea", "ferry routes", "the ferry timetable.", "oil"]
    assert _subjects(_one_topic(), phrases) == ["fishing quotas", "the ferry timetable"]


def test_the_new_subject_is_quoted_in_the_words_it_was_given():
    reading = read(AGENDA, "en")
    request = ask_subjects(_one_topic(), reading)
    assert request is not None
    answer = request.response_model.model_validate({"subjects": ["harbour fees"]})
    added = add_subjects(_one_topic(), reading, request, answer).topics[-1]
    assert (added.label, added.detail, added.evidence.quote if added.evidence else None) == ("harbour fees",) * 3


def test_without_topics_the_talks_get_two_subjects_each_once():
    assert _subjects(_summary(topics=[]), ["oil", "oil", "harbour fees", "the ferry timetable"]) == [
        "oil",
        "harbour fees",
    ]


def test_a_phrase_longer_than_a_subject_is_not_taken():
    sentence = "The envoys discussed fishing quotas in the Grey Sea, the ferry timetable"
    assert _subjects(_summary(topics=[]), [sentence, "oil"]) == ["oil"]


def test_in_a_script_without_spaces_a_phrase_inside_a_topic_is_covered_by_it():
    article = "北島と南島は金曜日に会談し、漁業協定の見直しと港湾使用料について協議した。"
    summary = _summary(
        parties=[],
        participants=[],
        mediators=[],
        topics=[{"label": "漁業協定の見直し", "detail": "漁業協定", "evidence": None}],
        disputed_claims=[],
    )
    assert _subjects(summary, ["漁業協定", "港湾使用料"], article, "ja") == ["漁業協定の見直し", "港湾使用料"]


def test_outside_english_a_capitalised_phrase_is_a_subject_but_a_sides_name_is_not():
    article = "Nordland und Südland verhandelten am Freitag über die Fährzeiten und den Winterdienst."
    summary = _summary(
        parties=[{"name": "Nordland", "evidence": None}, {"name": "Südland", "evidence": None}],
        participants=[],
        mediators=[],
        topics=[],
        disputed_claims=[],
    )
    assert _subjects(summary, ["Nordland", "Winterdienst", "Fährzeiten"], article, "de") == [
        "Winterdienst",
        "Fährzeiten",
    ]


def test_without_subjects_the_question_is_never_asked():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    Summarizer(backend, settings=Settings(strategy="focused", without=frozenset({"subjects"}))).run(ARTICLE)
    names = [r["response_format"]["json_schema"]["name"] for r in backend.requests]
    assert "Subjects" not in names
    assert "ThirdPartyRoles" in names


def test_every_mediators_kind_is_decided_from_its_name_where_code_can_tell():
    summary = _summary(
        mediators=[
            {"name": "Russian peacekeeping command", "kind": "person", "evidence": None},
            {"name": "Norway", "kind": "person", "evidence": None},
            {"name": "Aldo Finch", "kind": "state", "evidence": None},
            {"name": "Velmora", "kind": "state", "evidence": None},
        ]
    )
    kinds = [m.kind.value for m in mediator_kinds(summary, read(WORDING, "en")).mediators]
    # A country's name settles "state" and a group word settles "not a person"; a name of two words does not
    # overrule the model ("Aldo Finch" stays as the model typed it), nor does a lone word.
    assert kinds == ["organization", "state", "state", "state"]
    others = _summary(
        mediators=[
            {"name": "the Netherlands", "kind": "organization", "evidence": None},
            {"name": "Arab League", "kind": "organization", "evidence": None},
            {"name": "Coastal Mediation Board", "kind": "state", "evidence": None},
        ]
    )
    kinds = [m.kind.value for m in mediator_kinds(others, read(WORDING, "en")).mediators]
    assert kinds == ["state", "organization", "state"]


def _placed(place: str, parties: list[str]) -> ArticleSummary:
    meeting = {"status": "held", "date": None, "location": place, "location_evidence": None, "date_evidence": None}
    return _summary(meeting=meeting, parties=[{"name": name, "evidence": None} for name in parties])


@pytest.mark.parametrize(
    ("place", "parties"),
    [
        ("Cameroon", ["Cameroon", "Anglophone separatists"]),  # a side's own name
        ("Akron", ["Akron Education Association teachers union", "Akron Public Schools"]),  # the words opening it
        ("brighton and hove city council", ["Brighton and Hove City Council", "Acorn"]),  # written otherwise
        ("ミレト州", ["カルナ島政府", "ミレト州"]),  # a script without spaces: the whole name
    ],
)
def test_a_meeting_place_that_names_a_side_is_dropped_with_its_reason(place: str, parties: list[str]):
    settled = place_not_a_side(_placed(place, parties), read(WORDING, "en"))
    assert settled.meeting.location is None
    assert settled.meeting.location_evidence is None
    [entry] = [d for d in settled.dropped if d.field == "meeting"]
    assert entry.item == {"location": place}
    assert entry.reason is DropReason.mediator_or_side
    assert settled.parties == _placed(place, parties).parties  # the sides stay as they were


@pytest.mark.parametrize(
    ("place", "parties"),
    [
        ("Port Alba", ["Ostrand", "Karsvik"]),  # a venue that is no side
        ("10 Downing Street", ["Downing Street", "Brussels"]),  # close, but not the side's name
        ("Foreign Ministry HQ", ["Foreign Ministry"]),  # fuzzy matching would drop it
        ("the headquarters of the Akron teachers union", ["Akron teachers union"]),  # a venue a side defines
        ("Valdeluz", ["Sindicato de Estibadores del Puerto de Valdeluz"]),  # a place that ends a side's name
        ("South Sudan", ["Sudan"]),  # longer than the side
        ("東京", ["東京電力"]),  # no words to open a name in a script without spaces
        ("Geneva", []),  # no sides to compare with
    ],
)
def test_a_meeting_place_that_is_no_sides_name_stays(place: str, parties: list[str]):
    summary = _placed(place, parties)
    assert place_not_a_side(summary, read(WORDING, "en")) == summary


@pytest.mark.parametrize(
    ("written", "name"),
    [
        # a lower-case tail after a comma, with no capital in it
        (
            "Harbour Hall, Pier Road, St Anne, in full view of the press and the crowd",
            "Harbour Hall, Pier Road, St Anne",
        ),
        ("Тернове, недалеко от границы", "Тернове"),  # Cyrillic has letter case too
        # five or more lower-case words after the last capitalised one
        (
            "headquarters of players' union chief Ada Brook in a bid to diffuse the row",
            "headquarters of players' union chief Ada Brook",
        ),
        ("Sharm el-Sheikh resort on the southern tip of the peninsula", "Sharm el-Sheikh"),  # a particle is no clause
        ("Ada  Brook's\noffice in a bid to end the long row", "Ada  Brook's"),  # cut where written, spaces kept
    ],
)
def test_a_meeting_place_loses_the_clause_copied_on_after_its_name(written: str, name: str):
    summary = _placed(written, ["Ostrand", "Karsvik"])
    settled = place_name(summary, read(WORDING, "en"))
    assert settled.meeting.location == name
    assert settled.model_copy(update={"meeting": summary.meeting}) == summary  # nothing else changes


@pytest.mark.parametrize(
    "place",
    [
        "New York, at the UN headquarters",  # the tail names a place
        "Genève, palais des Nations",
        "Gaza City, al-Shifa hospital",
        "near the border, 20 km from Kharkiv",
        "Jack Straw's country residence, Chevening, Kent house",
        "U.S. embassy in the capital",  # four lower-case words: part of a name as often as not
        "the town hall, where the talks began",  # no capital marks a name
        "القاهرة, where the talks began",  # a script without letter case
        "東京, 外務省",
        'the "Blue House in the north of the city"',  # the cut would leave a quote open
        "Washington, D.C.",
        "",
    ],
)
def test_a_meeting_place_without_a_clause_letter_case_marks_stays_whole(place: str):
    summary = _placed(place, ["Ostrand", "Karsvik"])
    assert place_name(summary, read(WORDING, "en")) == summary


def test_place_name_is_a_finishing_step_that_can_be_switched_off():
    article = ARTICLE.replace("Wednesday", "Wednesday at the Velmora Hall in a bid to end the long row")
    places = []
    for without in (frozenset(), frozenset({"place-name"})):
        document = summary_dict(
            meeting={
                "status": "held",
                "date": None,
                "location": "Velmora Hall in a bid to end the long row",
                "location_evidence": None,
                "date_evidence": None,
            }
        )
        backend = TaskBackend(answer_from_summary(document))
        with Summarizer(backend, settings=Settings(without=without)) as summarizer:
            places.append(summarizer.summarize(article).meeting.location)
    assert places == ["Velmora Hall", "Velmora Hall in a bid to end the long row"]


def test_meeting_place_is_a_finishing_step_that_can_be_switched_off():
    document = summary_dict(
        meeting={
            "status": "held",
            "date": None,
            "location": "Northland",
            "location_evidence": None,
            "date_evidence": None,
        }
    )
    article = ARTICLE.replace("Wednesday", "Wednesday in Northland")
    places = []
    for without in (frozenset(), frozenset({"meeting-place"})):
        backend = TaskBackend(answer_from_summary(document))
        with Summarizer(backend, settings=Settings(without=without)) as summarizer:
            places.append(summarizer.summarize(article).meeting.location)
    assert places == [None, "Northland"]
