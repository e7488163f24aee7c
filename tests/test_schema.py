import json

import pytest
from pydantic import ValidationError

from summarizer import ArticleSummary
from summarizer._drafts import DisputeFinding, MeetingFacts, TopicDraft
from summarizer._resources import data_dir
from summarizer._schema import render_schema, schema_documents
from tests.conftest import summary_dict


def test_exported_schemas_match_the_models():
    directory = data_dir("schemas")
    for filename, document in schema_documents().items():
        path = directory / filename
        assert path.is_file(), f"{path} missing: run `make schemas`"
        assert path.read_text(encoding="utf-8") == render_schema(document), (
            f"{path} drifted from the models: run `make schemas`"
        )


def test_no_stray_files_in_schemas_directory():
    names = {p.name for p in data_dir("schemas").glob("*.json")}
    assert names == set(schema_documents())


def test_contract_field_names():
    schema = ArticleSummary.model_json_schema()
    assert list(schema["properties"]) == [
        "summary",
        "meeting",
        "parties",
        "participants",
        "mediators",
        "topics",
        "disputed_claims",
        "dropped",
    ]
    defs = schema["$defs"]
    assert set(defs["Meeting"]["properties"]) == {"status", "date", "location", "location_evidence", "date_evidence"}
    assert set(defs["Party"]["properties"]) == {"name", "evidence"}
    assert set(defs["Participant"]["properties"]) == {"name", "role", "side", "evidence"}
    assert set(defs["Mediator"]["properties"]) == {"name", "kind", "evidence"}
    assert set(defs["Topic"]["properties"]) == {"label", "detail", "evidence"}
    assert set(defs["DisputedClaim"]["properties"]) == {"claim", "claimed_by", "disputed_by", "stance", "evidence"}
    assert set(defs["Evidence"]["properties"]) == {"quote", "span", "match", "problem", "confidence"}
    assert set(defs["DroppedItem"]["properties"]) == {"field", "item", "reason", "detail"}


def test_every_field_has_a_description():
    schema = ArticleSummary.model_json_schema()
    for node in [schema, *schema["$defs"].values()]:
        for name, prop in node.get("properties", {}).items():
            assert prop.get("description"), name


def test_valid_summary_round_trips():
    summary = ArticleSummary.model_validate(summary_dict())
    assert ArticleSummary.model_validate_json(summary.model_dump_json()) == summary


@pytest.mark.parametrize(
    "overrides",
    [
        {"invented_field": 1},
        {"mediators": [{"name": "X", "kind": "alien"}]},
        {"participants": [{"name": "X", "role": None, "side": None, "age": 3}]},
        {"disputed_claims": [{"claim": "c", "claimed_by": [], "disputed_by": [], "stance": "maybe"}]},
        {"parties": [{"name": f"P{i}"} for i in range(40)]},
    ],
)
def test_invalid_summaries_are_rejected(overrides):
    with pytest.raises(ValidationError):
        ArticleSummary.model_validate(summary_dict(**overrides))


def test_empty_lists_are_a_valid_no_meeting_answer():
    document = summary_dict(
        meeting={"date": None, "location": None}, parties=[], participants=[], mediators=[], topics=[]
    )
    assert ArticleSummary.model_validate(document).parties == []


def test_schema_is_plain_json():
    json.dumps(ArticleSummary.model_json_schema())


# -- Free text the grammar cut at its bound ----------------------------------------------

_CLAIM_BOUND = DisputeFinding.model_json_schema()["properties"]["claim"]["maxLength"]


def _finding(claim: str) -> str:
    return DisputeFinding.model_validate({"claim": claim, "claimant": ["A"], "denier": ["B"], "stance": "denied"}).claim


def test_text_cut_mid_word_at_the_bound_ends_after_its_last_whole_word():
    words = ("The ministry said the convoy crossed the northern border at dawn " * 5)[: _CLAIM_BOUND - 2] + " b"
    assert len(words) == _CLAIM_BOUND
    cut = _finding(words)
    assert cut.endswith("…")
    assert cut[:-1] == words[:-2].rstrip()  # the partial last word "b" is gone, every whole word kept


def test_text_near_the_bound_keeps_every_word_and_is_marked():
    text = ("Talks on the harbour toll went on " * 10)[: _CLAIM_BOUND - 5].rstrip()
    assert _finding(text + " ") == text.rstrip(" ,;:") + "…"


def test_the_models_own_ending_is_kept():
    sentence = ("Talks on the harbour toll went on " * 10)[: _CLAIM_BOUND - 1].rstrip() + "."
    assert _finding(sentence) == sentence  # a whole sentence at the bound
    assert _finding("The harbour toll was discussed") == "The harbour toll was discussed"  # short
    longer = "word " * _CLAIM_BOUND  # a server that ignores the bound: not ours to cut
    assert _finding(longer) == longer


def test_text_without_spaces_at_the_bound_is_marked_not_emptied():
    text = "漁" * _CLAIM_BOUND
    assert _finding(text) == text + "…"


def test_the_summary_and_topic_details_are_cut_back_too():
    facts = MeetingFacts.model_json_schema()
    summary_bound = facts["properties"]["summary"]["maxLength"]
    detail_bound = TopicDraft.model_json_schema()["properties"]["detail"]["maxLength"]
    summary = ("The sides met in the port city " * 20)[:summary_bound]
    detail = ("fishing quotas in the shared sea " * 10)[:detail_bound]
    assert TopicDraft.model_validate({"label": "quotas", "detail": detail}).detail.endswith("…")
    answer = MeetingFacts.model_validate(
        {
            "summary": summary,
            "meeting": {"date": None, "location": None},
            "parties": [],
            "participants": [],
            "mediators": [],
            "topics": [],
            "status": "held",
        }
    )
    assert answer.summary.endswith("…")
    # Validated again (as a combine step does), a cut text stays as it is.
    assert MeetingFacts.model_validate(answer.model_dump()).summary == answer.summary


def test_a_split_word_at_the_bound_goes_after_any_kind_of_space():
    words = "word\u00a0" * 100
    head = words[: words.rfind("\u00a0", 0, _CLAIM_BOUND - 2) + 1]
    text = head + "x" * (_CLAIM_BOUND - len(head))  # a word the bound split, after a no-break space
    assert len(text) == _CLAIM_BOUND
    assert _finding(text) == head[:-1] + "…"


def test_at_confidence_drops_what_was_rated_below_the_minimum_and_keeps_what_nobody_rated():
    from summarizer._schema import ArticleSummary, DropReason
    from tests.conftest import summary_dict

    def rated(confidence: float | None) -> dict[str, object]:
        return {"quote": "q", "span": None, "match": None, "problem": None, "confidence": confidence}

    document = summary_dict(
        meeting={"status": "held", "date": None, "location": "Lunden", "location_evidence": rated(0.4)},
    )
    document["parties"][0]["evidence"] = rated(0.9)
    document["parties"][1]["evidence"] = rated(0.2)
    summary = ArticleSummary.model_validate(document)
    filtered = summary.at_confidence(0.5)
    assert filtered.meeting.location is None
    assert [p.name for p in filtered.parties] == [summary.parties[0].name]
    assert filtered.participants == summary.participants  # unrated: kept
    new = filtered.dropped[len(summary.dropped) :]
    assert [(d.field, d.reason) for d in new] == [
        ("meeting", DropReason.low_confidence),
        ("parties", DropReason.low_confidence),
    ]
    assert new[0].item == {"location": "Lunden"}
    assert new[0].detail == "rated 0.4, below the minimum confidence 0.5 asked for"
    document["meeting"]["location_evidence"] = rated(0.4979)
    # Unrounded: "0.50" would read as not below 0.5.
    [why] = [
        d.detail for d in ArticleSummary.model_validate(document).at_confidence(0.5).dropped if d.field == "meeting"
    ]
    assert why.startswith("rated 0.4979,")
    assert summary.at_confidence(0.1) is summary  # nothing below: the same summary
    assert summary.meeting.location == "Lunden"  # the original is untouched
    for outside in (-0.1, 1.1, float("nan")):
        with pytest.raises(ValueError, match="from 0 to 1"):
            summary.at_confidence(outside)
    for not_a_number in ("0.5", None, True):
        with pytest.raises(TypeError, match="a number from 0 to 1"):
            summary.at_confidence(not_a_number)  # type: ignore[arg-type]
