import dataclasses
from typing import Any

from summarizer import ArticleSummary, DropReason, Settings, Summarizer
from summarizer._drafts import MeetingFacts
from summarizer._names import same_side
from summarizer._schema import DisputedClaim
from summarizer.pipeline import STRATEGIES
from summarizer.pipeline._repairs import (
    add_participants,
    add_topics,
    align_roles,
    credit_sources,
    dedupe,
    people_only,
    two_sided_claims,
)
from summarizer.reading import Attribution, Reading, RoleCues, read
from summarizer.testing import TaskBackend, answer_from_summary
from tests.conftest import ARTICLE, quote, summary_dict


def test_focused_strategy_asks_two_passes_sharing_the_article_prefix():
    document = summary_dict(
        participants=[
            {"name": "Ada Brook", "role": "envoy", "side": "Northland", "evidence": quote("Ada Brook of Northland")},
            {"name": "Tomas Rehn", "role": "envoy", "side": "Southland", "evidence": quote("envoy Tomas Rehn")},
        ]
    )
    backend = TaskBackend(answer_from_summary(document))
    result = Summarizer(backend, settings=Settings(strategy="focused", without=frozenset({"code-quotes"}))).run(ARTICLE)
    meeting, disputes, subjects, roles, _quotes = backend.requests
    assert meeting["response_format"]["json_schema"]["name"] == "MeetingFacts"
    assert disputes["response_format"]["json_schema"]["name"] == "DisputeFindings"
    assert meeting["messages"][0] == disputes["messages"][0]
    shared = meeting["messages"][1]["content"].split(ARTICLE)[0] + ARTICLE
    assert disputes["messages"][1]["content"].startswith(shared)
    assert subjects["response_format"]["json_schema"]["name"] == "Subjects"
    assert subjects["messages"][1]["content"].startswith(shared)  # so do both checks
    assert roles["messages"][1]["content"].startswith(shared)
    assert result.summary == ArticleSummary.model_validate(document)
    assert result.meta.attempts == 5
    assert result.meta.prompt_version == STRATEGIES["focused"].prompt_version
    assert result.meta.grounding_rate == 1.0


def test_meeting_pass_bounds_generation_but_not_validation():
    backend = TaskBackend(answer_from_summary(summary_dict(summary="x" * 1000)))
    result = Summarizer(backend, settings=Settings(strategy="focused")).run(ARTICLE)
    schema = backend.requests[0]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["summary"]["maxLength"] == 320
    assert len(result.summary.summary) == 1000  # a server that ignores the bound is not punished


def reading(**found: Any) -> Reading:
    """The article's reading, with what a reader found replaced by ``found``."""
    changes: dict[str, Any] = {k: tuple(v) for k, v in found.items()}
    return dataclasses.replace(read(ARTICLE), **changes)


def tidy(summary):
    """The focused strategy's clean-up repair steps (those that only remove or merge), in its order."""
    for step in STRATEGIES["focused"].repairs:
        if step.apply in (people_only, dedupe, two_sided_claims):
            summary = step(summary, reading())
    return summary


def summary(**overrides):
    return ArticleSummary.model_validate(summary_dict(**overrides))


def person(name, side=None):
    return {"name": name, "role": None, "side": side}


def test_tidy_keeps_the_fullest_name_of_one_person():
    tidied = tidy(summary(participants=[person("Brook"), person("Ada Brook"), person("Tomas Rehn")]))
    assert [p.name for p in tidied.participants] == ["Ada Brook", "Tomas Rehn"]
    assert [(d.field, d.item["name"], d.reason) for d in tidied.dropped] == [
        ("participants", "Brook", DropReason.duplicate)
    ]


def test_tidy_drops_groups_mediators_and_sides_from_participants():
    tidied = tidy(
        summary(
            participants=[
                person("Ada Brook"),
                person("Northland delegation"),
                person("Island Council"),
                person("Southland"),
            ]
        )
    )
    assert [p.name for p in tidied.participants] == ["Ada Brook"]
    assert [d.reason for d in tidied.dropped] == [
        DropReason.not_a_person,
        DropReason.not_a_person,
        DropReason.mediator_or_side,
    ]


def test_tidy_drops_a_description_that_names_no_one():
    tidied = tidy(summary(participants=[person("company spokesman"), person("Ada Brook"), person("Zoë Ødegård")]))
    assert [p.name for p in tidied.participants] == ["Ada Brook", "Zoë Ødegård"]
    assert [(d.item["name"], d.reason) for d in tidied.dropped] == [("company spokesman", DropReason.not_a_person)]


def test_tidy_keeps_sides_by_their_shortest_name():
    tidied = tidy(summary(parties=[{"name": "Northland delegation"}, {"name": "Northland"}, {"name": "Southland"}]))
    assert [p.name for p in tidied.parties] == ["Northland", "Southland"]


def test_tidy_trims_names():
    tidied = tidy(
        summary(
            parties=[{"name": " opposition"}, {"name": "Southland "}],
            mediators=[{"name": " Island Council", "kind": "organization"}],
            participants=[person(" Ada Brook", side=" opposition")],
        )
    )
    assert [p.name for p in tidied.parties] == ["opposition", "Southland"]
    assert [m.name for m in tidied.mediators] == ["Island Council"]
    assert [(p.name, p.side) for p in tidied.participants] == [("Ada Brook", "opposition")]


def test_tidy_untangles_a_claimant_who_is_also_the_disputer():
    tidied = tidy(
        summary(
            disputed_claims=[
                {
                    "claim": "The border was discussed.",
                    "claimed_by": ["Southland press", "Northland ministry"],
                    "disputed_by": ["Northland ministry"],
                    "stance": "denied",
                }
            ]
        )
    )
    assert tidied.disputed_claims[0].claimed_by == ["Southland press"]


def test_tidy_names_each_claimant_and_denier_once():
    tidied = tidy(
        summary(
            disputed_claims=[
                {
                    "claim": "The border was discussed.",
                    "claimed_by": ["Southland press", " Southland press", "Southland"],
                    "disputed_by": ["Northland", "northland", "Northland ministry"],
                    "stance": "denied",
                }
            ]
        )
    )
    claim = tidied.disputed_claims[0]
    assert claim.claimed_by == ["Southland press", "Southland"]  # one entity's two names both stay
    assert claim.disputed_by == ["Northland", "Northland ministry"]


def test_a_claimant_from_the_deniers_own_country_is_still_a_claimant():
    # "Velmoran media" reporting what "Velmora" denies is a dispute: only the same entity under another
    # spelling is the denier (not ``same_side``, which would empty the claimants and drop the claim).
    tidied = tidy(
        summary(
            disputed_claims=[
                {
                    "claim": "The border was discussed.",
                    "claimed_by": ["the Velmoran opposition"],
                    "disputed_by": ["Velmora"],
                    "stance": "denied",
                }
            ]
        )
    )
    assert [c.claimed_by for c in tidied.disputed_claims] == [["the Velmoran opposition"]]


def test_people_the_wording_puts_in_the_meeting_are_added_once():
    answer = summary(participants=[person("Dr. Ada Brook")], mediators=[])
    added = add_participants(answer, reading(people=["Ada Brook", "Tomas Rehn"]))
    assert [(p.name, p.role, p.side) for p in added.participants] == [
        ("Dr. Ada Brook", None, None),
        ("Tomas Rehn", None, None),
    ]


def test_an_added_person_who_is_the_mediator_is_dropped_by_tidy():
    answer = summary(participants=[], mediators=[{"name": "Piet Amsel", "kind": "person"}])
    tidied = tidy(add_participants(answer, reading(people=["Piet Amsel"])))
    assert tidied.participants == []
    assert [d.reason for d in tidied.dropped] == [DropReason.mediator_or_side]


def test_the_focused_strategy_adds_the_head_of_a_delegation_the_model_left_out():
    article = ARTICLE.replace("Ada Brook of Northland met", "A Northland delegation headed by Ada Brook met")
    answer = summary_dict(participants=[{**person("Tomas Rehn"), "evidence": quote("envoy Tomas Rehn")}])
    backend = TaskBackend(answer_from_summary(answer))
    result = Summarizer(backend, settings=Settings(strategy="focused")).run(article)
    assert [p.name for p in result.summary.participants] == ["Tomas Rehn", "Ada Brook"]


def test_listed_subjects_become_topics_unless_a_topic_covers_them():
    answer = summary(topics=[{"label": "Coast road", "detail": "Reopening it.", "evidence": None}])
    added = add_topics(
        answer, reading(agenda=["reopening of the coast road", "restoration of the power line", "power line"])
    )
    assert [(t.label, t.evidence.quote if t.evidence else None) for t in added.topics] == [
        ("Coast road", None),
        ("restoration of the power line", "restoration of the power line"),
    ]


def test_a_summary_without_talks_gets_no_subjects():
    empty = summary(parties=[], participants=[], mediators=[], topics=[], disputed_claims=[])
    assert add_topics(empty, reading(agenda=["the colour of the new brand"])).topics == []


def test_tidy_is_idempotent():
    once = tidy(summary())
    assert tidy(once) == once


def _claim(claimed_by, disputed_by, text="Northland moved troops to the border."):
    return DisputedClaim(claim=text, claimed_by=claimed_by, disputed_by=disputed_by, stance="denied")


_PASSAGES = [
    ("Southland's foreign ministry accused Northland of moving troops to the border.", "Northland denied it."),
]
_CUES = [RoleCues(claimants=frozenset({"Southland"}), deniers=frozenset({"Northland"}))]


def roles(claims, passages=_PASSAGES, cues=_CUES):
    aligned = align_roles(
        summary(disputed_claims=[c.model_dump() for c in claims]), reading(passages=passages, cues=cues)
    )
    return aligned.disputed_claims


def test_roles_the_wording_contradicts_are_swapped():
    (claim,) = roles([_claim(["Northland"], ["Southland"])])
    assert (claim.claimed_by, claim.disputed_by) == (["Southland"], ["Northland"])


def test_a_side_named_on_both_sides_stays_where_the_wording_puts_it():
    (claim,) = roles([_claim(["Northland", "Southland"], ["Northland", "Southland"])])
    assert (claim.claimed_by, claim.disputed_by) == (["Southland"], ["Northland"])


def test_a_claimant_the_wording_never_casts_gives_way_to_the_one_it_does():
    (claim,) = roles([_claim(["Border Agency"], ["Northland"])])
    assert claim.claimed_by == ["Southland"]


def test_answers_the_wording_agrees_with_are_kept():
    answer = _claim(["Southland", "Border Agency"], ["Northland"])
    assert roles([answer]) == [answer]
    elsewhere = [("The weather was fine.",)]
    assert roles([answer], elsewhere, [RoleCues(frozenset(), frozenset())]) == [answer]


_SENTENCES = (
    "Northland denies asking for a mediator.",
    "The Northland government denied that it asked any country to mediate the border dispute.",
    "The move comes after Southland said it had been asked to mediate the border dispute.",
    "Northland said its troops were not moving.",
    "Ostrand said much later that Northland had asked it to mediate the border dispute.",
)
_SOURCES = (
    Attribution(2, _SENTENCES[2], ("Southland",)),
    Attribution(3, _SENTENCES[3], ("Northland",)),
    Attribution(4, _SENTENCES[4], ("Ostrand",)),
)


def credited(claimed_by, attributions=_SOURCES):
    text = "Northland denied asking a country to mediate the border dispute."
    found = reading(
        sentences=_SENTENCES,
        passages=[_SENTENCES[1:2]],
        cues=[RoleCues(frozenset(), frozenset({"Northland government"}))],
        attributions=attributions,
    )
    answer = summary(disputed_claims=[_claim(claimed_by, ["Northland government"], text).model_dump()])
    return credit_sources(answer, found).disputed_claims[0].claimed_by


def test_a_claimant_on_the_deniers_side_gives_way_to_the_nearest_source_of_the_claim():
    assert credited(["Northland"]) == ["Southland"]  # the denier's own country; "Northlandic" is too
    assert credited(["Northlandic army"]) == ["Southland"]
    assert credited([]) == ["Southland"]
    assert credited(["Velmora"]) == ["Southland"]  # named as the source of nothing


def test_a_claimant_the_wording_names_as_a_source_is_kept():
    assert credited(["Ostrand"]) == ["Ostrand"]
    assert credited(["Southland", "Northland"]) == ["Southland"]


def test_without_a_source_that_shares_the_claims_words_the_answer_stands():
    unrelated = (Attribution(3, _SENTENCES[3], ("Ostrand",)),)  # shares only "said" and the denier's name
    assert credited(["Velmora"], unrelated) == ["Velmora"]
    assert credited(["Velmora"], ()) == ["Velmora"]


def _credit_in(article, claimed_by, disputed_by, text):
    answer = summary(disputed_claims=[_claim(claimed_by, disputed_by, text).model_dump()])
    return credit_sources(answer, read(article)).disputed_claims[0].claimed_by


def test_a_right_claimant_stays_beside_a_quoted_denial_and_an_unrelated_statement():
    article = (
        "Northland denies asking Southland to mediate\n\n"
        "The Northland government on Monday denied that it had asked Southland to mediate. "
        "“We asked nobody for mediation,” foreign minister Ada Brook told reporters. "
        "The Red Cross said twelve people were hurt at the border on Sunday. "
        "Southland's President Karl Smith said last week that Northland had asked him to mediate."
    )
    text = "Northland asked Southland to mediate."
    assert _credit_in(article, ["Southland"], ["Northland government"], text) == ["Southland"]
    # The denier's own country gives way to the source, not to the denier's quoted minister.
    assert _credit_in(article, ["Northland"], ["Northland government"], text) == ["Southland's President Karl Smith"]


def test_sides_are_the_same_under_a_demonym_but_people_are_not():
    assert same_side("Velmora", "the Velmoran government")
    assert same_side("South Ostrand", "the South Ostrandi army")
    assert same_side("Northland", "Northland's foreign ministry")
    assert not same_side("Julia Brook", "Julian Smith")
    assert not same_side("Velmora", "Ostrand")


def test_a_status_a_server_nests_in_meeting_or_leaves_out_is_read_not_reasked():
    answer = {"summary": "s", "parties": [], "participants": [], "mediators": [], "topics": []}
    nested = MeetingFacts.model_validate({**answer, "meeting": {"status": "denied", "date": None, "location": None}})
    assert nested.status == "denied"
    missing = MeetingFacts.model_validate({**answer, "meeting": {"date": None, "location": None}})
    assert missing.status == "unclear"
    assert "status" in MeetingFacts.model_json_schema()["required"]  # the grammar still asks for it
