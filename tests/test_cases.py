import json
from pathlib import Path

import pytest

from summarizer import CaseError
from summarizer._cases import load_case, load_cases
from summarizer._resources import data_dir
from tests.conftest import ROOT

SHARED_DEV = ROOT.parent / "shared" / "evals-dev"


def write_case(directory: Path, name: str, body: str, article: str | None = "Envoys met.") -> Path:
    if article is not None:
        (directory / "a.txt").write_text(article, encoding="utf-8")
    path = directory / name
    path.write_text(body, encoding="utf-8")
    return path


def test_project_cases_load():
    cases = load_cases([ROOT / "evals" / "cases", ROOT / "evals" / "edge-cases"])
    ids = [c.case.id for c in cases]
    assert "lachin-corridor-talks-2023-03-01" in ids
    assert len(ids) >= 5
    assert all(c.article.strip() for c in cases)


@pytest.mark.skipif(not SHARED_DEV.is_dir(), reason="../shared/evals-dev is not present")
def test_shared_dev_cases_load():
    # Every golden file loads: the set grows, so count the files rather than fix a number.
    assert len(load_cases([SHARED_DEV])) == len(list(SHARED_DEV.glob("*.yaml"))) >= 31


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("id: x\nsource: a.txt\nparticipants: [[]]\n", "field participants.0"),
        ("id: x\nsource: a.txt\nsurprise: 1\n", "field surprise"),
        ("source: a.txt\n", "field id"),
        (
            "id: x\nsource: a.txt\ndisputed_claims: [{claim: c, keywords: [], claimed_by: [], disputed_by: []}]\n",
            "field disputed_claims.0.keywords",
        ),
        ("id: x\nsource: missing.txt\n", "field source"),
        ("id: x\nsource: a.txt\ntopics: [oops\n", "invalid YAML"),
        ("- just\n- a list\n", "YAML mapping"),
        ("id: x\nsource: a.txt\nmeeting: {status: happened, location: [], date: null}\n", "field meeting.status"),
        ("id: x\nsource: a.txt\nmeeting: {status: held, location: Oslo, date: null}\n", "field meeting.location"),
        ("id: x\nsource: a.txt\nmeeting: {status: held, location: [], date: [May]}\n", "field meeting.date"),
        ("id: x\nsource: a.txt\nmeeting: {status: held, location: [], date: null, time: 9}\n", "field meeting.time"),
        ("id: x\nsource: a.txt\nmeeting: {status: held, location: []}\n", "field meeting.date"),
        ("id: x\nsource: a.txt\nmeeting: {status: none, location: [Oslo], date: null}\n", "status none"),
        (
            "id: x\nsource: a.txt\nparties: [[Northland]]\nmeeting: {status: none, location: [], date: null}\n",
            "takes empty parties",
        ),
    ],
)
def test_invalid_cases_name_the_file_and_field(tmp_path, body, field):
    path = write_case(tmp_path, "bad.yaml", body)
    with pytest.raises(CaseError, match=field) as info:
        load_case(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_duplicate_ids_are_refused(tmp_path):
    write_case(tmp_path, "one.yaml", "id: same\nsource: a.txt\n")
    write_case(tmp_path, "two.yaml", "id: same\nsource: a.txt\n")
    with pytest.raises(CaseError, match="also used by"):
        load_cases([tmp_path])


def test_missing_or_empty_case_directory(tmp_path):
    with pytest.raises(CaseError, match="no such case directory"):
        load_cases([tmp_path / "nope"])
    with pytest.raises(CaseError, match=r"no \*\.yaml"):
        load_cases([tmp_path])


def test_case_schema_is_exported():
    schema = json.loads((data_dir("schemas") / "golden-case.schema.json").read_text())
    assert schema["title"] == "GoldCase"
    assert "disputed_claims" in schema["properties"]
    meeting = schema["$defs"]["GoldMeeting"]
    assert meeting["required"] == ["status", "location", "date"]
    assert "none" in json.dumps(meeting["properties"]["status"])


def test_meeting_block_is_optional_and_typed(tmp_path):
    plain = load_case(write_case(tmp_path, "plain.yaml", "id: plain\nsource: a.txt\n")).case
    assert plain.meeting is None
    body = "id: m\nsource: a.txt\nmeeting:\n  status: postponed\n  location: [Oslo, Oslo city]\n  date: Friday\n"
    meeting = load_case(write_case(tmp_path, "m.yaml", body)).case.meeting
    assert meeting is not None
    assert (meeting.status, meeting.location, meeting.date) == ("postponed", ["Oslo", "Oslo city"], "Friday")
    quiet = "id: q\nsource: a.txt\nmeeting: {status: none, location: [], date: null}\n"
    none = load_case(write_case(tmp_path, "q.yaml", quiet)).case.meeting
    assert none is not None
    assert none.status == "none"


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path):
    # Nested aliases of nine: each level multiplies by nine what validation walks (a 5.6 KB file of this kind
    # took 3.1 GB). Five levels keep the old loader's walk short enough to fail rather than hang.
    levels = ["&a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"&a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 5)]
    body = "id: bomb\nsource: a.txt\nnotes: [" + ", ".join(levels) + "]\ntopics: *a4\n"
    path = write_case(tmp_path, "bomb.yaml", body)
    with pytest.raises(CaseError, match=r"line 3 .*aliases are not allowed"):
        load_case(path)


def test_a_case_file_far_larger_than_any_golden_case_is_refused(tmp_path):
    path = write_case(tmp_path, "big.yaml", "id: big\nsource: a.txt\nnotes: " + "x" * 1_100_000 + "\n")
    with pytest.raises(CaseError, match="more than a golden case's"):
        load_case(path)


@pytest.mark.parametrize("source", ["../secret.txt", "/etc/hostname", "sub/../../secret.txt", "link.txt"])
def test_a_case_source_outside_its_folder_is_refused(tmp_path, source):
    (tmp_path / "secret.txt").write_text("Envoys met.", encoding="utf-8")
    cases = tmp_path / "cases"
    (cases / "sub").mkdir(parents=True)
    (cases / "link.txt").symlink_to(tmp_path / "secret.txt")
    path = write_case(cases, "x.yaml", f"id: x\nsource: {source}\n", article=None)
    with pytest.raises(CaseError, match="outside the case's folder"):
        load_case(path)
