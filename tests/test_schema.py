import json

import pytest
from pydantic import ValidationError

from summarizer import ArticleSummary
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
    assert set(defs["Party"]["properties"]) == {"name", "evidence"}
    assert set(defs["Participant"]["properties"]) == {"name", "role", "side", "evidence"}
    assert set(defs["Mediator"]["properties"]) == {"name", "kind", "evidence"}
    assert set(defs["Topic"]["properties"]) == {"label", "detail", "evidence"}
    assert set(defs["DisputedClaim"]["properties"]) == {"claim", "claimed_by", "disputed_by", "stance", "evidence"}
    assert set(defs["Meeting"]["properties"]) == {"status", "date", "location"}
    assert set(defs["Evidence"]["properties"]) == {"quote", "span", "match", "problem"}
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
