import json

import pytest
from typer.testing import CliRunner

from summarizer import Settings
from summarizer.cli import app
from summarizer.testing import FunctionBackend, TaskBackend, answer_from_summary, chat_answer_from_summary
from tests.conftest import ARTICLE, quote, summary_dict, without_quotes


@pytest.fixture
def case_dir(tmp_path):
    """Two tiny cases: one the fake gets right, one with no meeting."""
    directory = tmp_path / "cases"
    directory.mkdir()
    (directory / "talks.txt").write_text(ARTICLE, encoding="utf-8")
    (directory / "talks.yaml").write_text(
        "id: talks\nsource: talks.txt\n"
        "participants: [[Ada Brook]]\nparties: [[Northland], [Southland]]\nmediators: [[Island Council]]\n"
        "topics: [[road]]\n"
        "disputed_claims: [{claim: c, keywords: [[border]], claimed_by: [[Southland]], disputed_by: [[Northland]]}]\n"
        "meeting: {status: held, location: [], date: Wednesday}\n",
        encoding="utf-8",
    )
    (directory / "quiet.txt").write_text("A storm hit the coast.", encoding="utf-8")
    (directory / "quiet.yaml").write_text(
        "id: quiet\nsource: quiet.txt\nmeeting: {status: none, location: [], date: null}\n", encoding="utf-8"
    )
    return directory


@pytest.fixture
def fake_model(monkeypatch):
    quiet = chat_answer_from_summary(
        summary_dict(parties=[], participants=[], mediators=[], topics=[], disputed_claims=[])
    )
    talks = chat_answer_from_summary(summary_dict())

    def answer(messages, params):
        return (quiet if "storm" in messages[1]["content"] else talks)(messages, params)

    backend = FunctionBackend(answer)
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    return backend


def test_live_eval_writes_predictions_and_report(case_dir, fake_model, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| participants |" in result.stdout
    assert "macro-F1" in result.stdout
    assert without_quotes(json.loads((out / "talks.json").read_text())) == without_quotes(summary_dict())
    report = json.loads((out / "report.json").read_text())
    assert set(report["fields"]) == {"participants", "parties", "mediators", "topics", "claims", "claims_strict"}
    assert report["fields"]["parties"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "tp": 2,
        "fp": 0,
        "fn": 0,
        "ignored": 0,
    }
    assert report["fields"]["claims"]["f1"] == 1.0
    assert 0 < report["macro_f1"] <= 1
    by_id = {c["id"]: c for c in report["cases"]}
    assert by_id["quiet"]["fields"]["participants"]["f1"] == 1.0
    assert by_id["talks"]["seconds"] is not None
    assert by_id["talks"]["grounding_rate"] == 1.0
    assert by_id["quiet"]["grounding_rate"] is None  # nothing to ground
    assert report["grounding"] == {"items": 7, "grounded": 7, "names": 5, "names_not_in_article": 0}
    assert "grounding rate 1.000 (7/7 items)" in result.stdout
    # The meeting block: status scored where the article reports talks, location everywhere; not in macro-F1.
    assert report["accuracies"] == {
        "meeting_status": {"correct": 1, "total": 1, "accuracy": 1.0},
        "meeting_location": {"correct": 2, "total": 2, "accuracy": 1.0},
        "place_precision": {"correct": 0, "total": 0, "accuracy": None},  # no place given
    }
    assert by_id["quiet"]["meeting"] == {"meeting_status": None, "meeting_location": True, "place_precision": None}
    assert "| meeting status | 1.00 | 1 | 1 |" in result.stdout
    assert "| location | 1.00 | 2 | 2 |" in result.stdout
    # Meeting, disputes and the topics and mediator checks for the talks (code quotes every item); the storm
    # has no denial to look at, no talks to ask the subjects of and no mediator.
    assert len(fake_model.requests) == 5


def test_replay_rescores_without_a_model(case_dir, fake_model, tmp_path):
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--out", str(out)]).exit_code == 0
    live = json.loads((out / "report.json").read_text())
    fake_model.requests.clear()
    again = tmp_path / "again"
    result = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--replay", str(out), "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert fake_model.requests == []
    assert json.loads((again / "report.json").read_text())["macro_f1"] == live["macro_f1"]


def test_replay_missing_prediction_is_a_case_error(case_dir, tmp_path):
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "talks.json").write_text(json.dumps(summary_dict()))
    result = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--replay", str(saved), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "1 case(s) failed" in result.stderr


def test_baseline_gate(case_dir, monkeypatch, tmp_path):
    # Always the same answer: half right for the talks (no mediator, no topic); for the storm, every item
    # is invented, fails grounding and is dropped.
    backend = TaskBackend(answer_from_summary(summary_dict(mediators=[], topics=[])))
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    high = tmp_path / "high.json"
    high.write_text(json.dumps({"macro_f1": 0.99}))
    low = tmp_path / "low.json"
    low.write_text(json.dumps({"macro_f1": 0.10}))
    out = tmp_path / "out"
    failing = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--out", str(out), "--baseline", str(high)])
    assert failing.exit_code == 1
    assert "below the baseline" in failing.stderr
    passing = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--out", str(out), "--baseline", str(low)])
    assert passing.exit_code == 0, passing.output
    # Now without the disputed claim: claims-strict falls to 0 while the macro-F1 stays above 0.10.
    backend = TaskBackend(answer_from_summary(summary_dict(mediators=[], topics=[], disputed_claims=[])))
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"macro_f1": 0.10, "fields": {"claims_strict": 0.5, "topics": 0.99}}))
    failing = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--out", str(out), "--baseline", str(strict)])
    assert failing.exit_code == 1
    assert "claims_strict F1" in failing.stderr
    assert "topics" not in failing.stderr  # only the macro-F1 and claims-strict are gated
    # The meeting accuracies are guarded too: talks reported as planned where they were held.
    planned = summary_dict(mediators=[], topics=[], meeting={"status": "planned", "date": None, "location": None})
    backend = TaskBackend(answer_from_summary(planned))
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    meeting = tmp_path / "meeting.json"
    meeting.write_text(json.dumps({"macro_f1": 0.10, "accuracies": {"meeting_status": 1.0, "meeting_location": 1.0}}))
    failing = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--out", str(out), "--baseline", str(meeting)])
    assert failing.exit_code == 1
    assert "meeting_status accuracy 0.000 is below the baseline 1.000" in failing.stderr
    assert "meeting_location" not in failing.stderr  # still right: no place named, none given
    # The briefs are read too: a topic detail that repeats its label, where the article names neither, stays
    # an echo, and a baseline that allows no problem fails it.
    echo = {"label": "trucks road", "detail": "road trucks", "evidence": quote("reopening the coast road to trucks")}
    backend = TaskBackend(answer_from_summary(summary_dict(topics=[echo])))
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps({"macro_f1": 0.10, "brief_problems": 0}))
    failing = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--out", str(out), "--baseline", str(clean)])
    assert failing.exit_code == 1
    assert "1 brief problems, more than the baseline's 0: echo: topic 'trucks road'" in failing.stderr
    report = json.loads((out / "report.json").read_text())
    assert report["brief_problems"] == 1
    assert [c["brief_problems"] for c in report["cases"] if c["brief_problems"]] == [
        ["echo: topic 'trucks road' has the detail 'road trucks'"]
    ]
    # A baseline measured on other cases does not describe these.
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"macro_f1": 0.10, "cases": ["talks", "gone"]}))
    failing = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--out", str(out), "--baseline", str(other)])
    assert failing.exit_code == 1
    assert "not the baseline's (1 not in it, 1 missing: quiet, gone)" in failing.stderr


def test_a_failing_case_fails_the_run_but_not_the_others(case_dir, monkeypatch, tmp_path):
    def answer(messages, params):
        return (
            "not json"
            if "storm" in messages[1]["content"]
            else chat_answer_from_summary(summary_dict())(messages, params)
        )

    backend = FunctionBackend(answer)
    monkeypatch.setattr(Settings, "create_backend", lambda self, progress=None: backend)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["eval", "--cases", str(case_dir), "--out", str(out)])
    assert result.exit_code == 1
    report = json.loads((out / "report.json").read_text())
    errors = {c["id"]: c["error"] for c in report["cases"]}
    assert errors["talks"] is None
    assert "no valid summary" in errors["quiet"]
    assert (out / "talks.json").exists()


def test_bad_case_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "cases"
    bad.mkdir()
    (bad / "x.yaml").write_text("id: x\nsource: nowhere.txt\n")
    result = CliRunner().invoke(app, ["eval", "--cases", str(bad)])
    assert result.exit_code == 2
    assert "field source" in result.stderr


def test_min_confidence_scores_without_what_was_rated_below_it_and_keeps_the_saved_predictions(case_dir, tmp_path):
    # The talks case's gold names no place: a place rated 0.3 is wrong as given, right once filtered out.
    saved = tmp_path / "saved"
    saved.mkdir()
    evidence = {"quote": "Northland", "span": None, "match": None, "problem": None, "confidence": 0.3}
    meeting = {"status": "held", "date": "Wednesday", "location": "Harbourtown", "location_evidence": evidence}
    (saved / "talks.json").write_text(json.dumps(summary_dict(meeting=meeting)))
    (saved / "quiet.json").write_text(
        json.dumps(summary_dict(parties=[], participants=[], mediators=[], topics=[], disputed_claims=[]))
    )
    replay = ["eval", "--cases", str(case_dir), "--replay", str(saved)]

    def location(*extra: str) -> dict[str, object]:
        out = tmp_path / f"out{len(extra)}{'-'.join(extra)}"
        result = CliRunner().invoke(app, [*replay, "--out", str(out), *extra])
        assert result.exit_code == 0, result.output
        report = json.loads((out / "report.json").read_text())
        assert report["min_confidence"] == (float(extra[1]) if extra else None)
        return {"talks": next(c for c in report["cases"] if c["id"] == "talks")["meeting"]["meeting_location"]}

    assert location() == {"talks": False}
    assert location("--min-confidence", "0.5") == {"talks": True}
    said = CliRunner().invoke(app, [*replay, "--out", str(tmp_path / "said"), "--min-confidence", "0.5"]).stdout
    assert "scored without the 1 of 1 rated values below confidence 0.5" in said
    assert location("--min-confidence", "0.2") == {"talks": False}  # 0.3 is not below 0.2
    assert json.loads((saved / "talks.json").read_text())["meeting"]["location"] == "Harbourtown"
    result = CliRunner().invoke(app, [*replay, "--out", str(tmp_path / "bad"), "--min-confidence", "1.5"])
    assert result.exit_code == 2
    assert "--min-confidence" in result.output


def test_min_confidence_says_so_when_nothing_was_rated(case_dir, tmp_path):
    saved = tmp_path / "saved"
    saved.mkdir()
    for case in ("talks", "quiet"):
        (saved / f"{case}.json").write_text(json.dumps(summary_dict()))
    args = ["eval", "--cases", str(case_dir), "--replay", str(saved), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, [*args, "--min-confidence", "0.9"])
    assert result.exit_code == 0, result.output
    assert "0 of 0 rated values below confidence 0.9 (nothing was rated" in result.stdout
