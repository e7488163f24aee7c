"""The real embedded model, end to end. Slow: tens of seconds per article on 2 cores."""

import json
import subprocess
import sys

import pytest

from summarizer import ArticleSummary, ArticleTooLongError, Settings, Summarizer, allow_model_calls
from summarizer._brief import brief_problems
from summarizer._probabilities import choice_probabilities, probability_params
from summarizer._render import OutputFormat, render
from summarizer._schema import ITEM_FIELDS
from summarizer.grounding import Grounding
from summarizer.pipeline._verify import VENUE_THRESHOLD, venue_confidence, venue_questions, venue_score
from summarizer.reading import read
from summarizer.reading._english import actor_mentions, dispute_passages
from summarizer.text import fold
from tests.browser import SCREENSHOTS, load_report
from tests.conftest import ROOT, SEED

pytestmark = pytest.mark.model


def test_grammar_reaches_the_sampler(real_summarizer):
    """The prompt begs for prose; only a grammar can make the answer match the schema."""
    schema = {
        "type": "object",
        "properties": {"verdict": {"type": "string", "enum": ["alpha", "omega"]}, "count": {"type": "integer"}},
        "required": ["verdict", "count"],
        "additionalProperties": False,
    }
    response = real_summarizer.backend.chat(
        messages=[{"role": "user", "content": "Write a short poem about the sea. Do not use JSON or braces."}],
        response_format={"type": "json_schema", "json_schema": {"name": "Verdict", "schema": schema}},
        max_tokens=40,
        temperature=0.0,
    )
    content = response.choices[0].message.content
    assert content is not None
    document = json.loads(content)
    assert set(document) == {"verdict", "count"}
    assert document["verdict"] in {"alpha", "omega"}
    assert isinstance(document["count"], int)


@pytest.fixture(scope="module")
def seed_result():
    """The seed on a freshly started model: its prompt cache empty, as in a new process."""
    with allow_model_calls(), Summarizer(settings=Settings()) as fresh:
        return fresh.run(SEED.read_text(encoding="utf-8"))


def test_seed_article_names_the_russian_peacekeepers_as_mediator(seed_result):
    summary = ArticleSummary.model_validate(seed_result.summary.model_dump())
    mediators = " ".join(m.name.lower() for m in summary.mediators)
    assert "russia" in mediators
    assert "peacekeep" in mediators
    assert seed_result.meta.attempts >= 1
    assert seed_result.meta.prompt_tokens > 500


def test_seed_claims_name_only_actors_of_its_denial_passages(seed_result):
    article = SEED.read_text(encoding="utf-8")
    actors = set(actor_mentions(dispute_passages(article), article))
    claims = seed_result.summary.disputed_claims
    assert claims, "the seed's foreign ministry denies Azerbaijani reports"
    for claim in claims:
        assert set(claim.claimed_by) | set(claim.disputed_by) <= actors  # the grammar allowed nothing else
    # The wording ("the Artsakh foreign ministry denied those reports") decides the sides.
    assert any("Artsakh" in " ".join(c.disputed_by) and "Azerbaijan" in " ".join(c.claimed_by) for c in claims)


def test_seed_names_who_met_and_each_subject_listed_as_discussed(seed_result):
    # "Mamedov ... represented Azerbaijan", "Artsakh authorities were represented by Samvel Sharamanyan";
    # the spokesperson's list of what was discussed names the power line, the gas supply and the mine.
    participants = " ".join(p.name for p in seed_result.summary.participants)
    assert "Ramin Mamedov" in participants
    assert "Samvel Sharamanyan" in participants
    labels = [t.label.lower() for t in seed_result.summary.topics]
    for subject in ("electricity", "gas", "kashen"):
        assert sum(subject in label for label in labels) == 1, (subject, labels)  # each its own topic
    assert all(t.evidence is not None and t.evidence.span is not None for t in seed_result.summary.topics)


def test_seed_summary_is_grounded_and_its_report_shows_the_spans(seed_result, tmp_path):
    article = SEED.read_text(encoding="utf-8")
    summary = seed_result.summary
    kept = [item for field in ITEM_FIELDS for item in summary.items(field)]
    assert kept, "the seed reports a meeting"
    for item in kept:
        start, end = item.evidence.span
        assert fold(article[start:end]).split() != []
    assert seed_result.meta.grounding_rate is not None
    assert seed_result.meta.grounding_rate >= 0.5

    report = tmp_path / "seed.html"
    report.write_text(render(summary, OutputFormat.html, article=article), encoding="utf-8")
    page = load_report(report, SCREENSHOTS / "seed-report.png")
    assert page.console_errors == []
    expected = {
        f"{field}-{index}": article[item.evidence.span[0] : item.evidence.span[1]]
        for field in ITEM_FIELDS
        for index, item in enumerate(summary.items(field))
    }
    # The meeting's place and date, where the summary gives them, are highlighted like the items.
    for name in ("location", "date"):
        evidence = getattr(summary.meeting, f"{name}_evidence")
        if getattr(summary.meeting, name) is not None:
            assert evidence is not None
            assert evidence.span is not None
            expected[f"meeting-{name}"] = article[evidence.span[0] : evidence.span[1]]
    assert page.items == expected


def test_seed_brief_reads_right(seed_result):
    # No cut or echoed text, no placeholder, the peacekeeping command typed as a body (the 1.5B says "person").
    summary = seed_result.summary
    assert brief_problems(summary, render(summary, OutputFormat.markdown)) == []
    assert [m.kind.value for m in summary.mediators] == ["organization"]
    assert "None" not in render(summary, OutputFormat.markdown).split("**Meeting:**")[1].splitlines()[0]


@pytest.mark.xfail(
    strict=True,
    reason="issue 33, open: the 1.5B names Baku (where a minister was the day before) and lists the spokesperson "
    "who announced the talks; a place asked on its own lost more than it gained on the dev set",
)
def test_seed_brief_names_the_place_of_the_talks_and_no_spokesperson(seed_result):
    assert seed_result.summary.meeting.location == "Khojaly"
    assert all("spokes" not in (p.role or "") for p in seed_result.summary.participants)


def test_the_venue_question_is_answered_from_the_real_engines_log_probabilities(real_summarizer, seed_result):
    # The seed names a place: its two venue questions are the run's last calls, one token each, the
    # content-free one reading less than the article's.
    asked, prior = seed_result.meta.requests[-2:]
    assert (asked.step, prior.step) == ("venue", "venue")
    assert asked.completion_tokens <= 1
    assert prior.completion_tokens <= 1
    assert prior.prompt_tokens < asked.prompt_tokens
    # The seed's place, kept or withdrawn, carries the real engine's answer as a probability.
    meeting = seed_result.summary.meeting
    withdrawn = [d for d in seed_result.summary.dropped if d.field == "meeting" and d.reason == "low_confidence"]
    if meeting.location is not None:
        assert meeting.location_evidence is not None
        confidence = meeting.location_evidence.confidence
        assert confidence is not None
        assert venue_confidence(VENUE_THRESHOLD) <= confidence < 1
    else:
        assert withdrawn
        confidence = float(withdrawn[0].detail.rsplit("confidence ", 1)[1].rstrip(")"))
        assert 0 < confidence < venue_confidence(VENUE_THRESHOLD)
    article = (
        "Northland and Southland held border talks in Lunden on Friday, their first in a year. "
        "Northland's minister Ada Brook, who had opened a school in Harbourtown on Thursday, led her side."
    )
    prompts = real_summarizer.prompts

    def score(place: str) -> float | None:
        summary = ArticleSummary.model_validate(
            {
                "summary": "",
                "meeting": {"status": "held", "date": None, "location": place},
                "parties": [{"name": "Northland"}, {"name": "Southland"}],
                "participants": [],
                "mediators": [],
                "topics": [],
                "disputed_claims": [],
            }
        )
        questions = venue_questions(Grounding(summary, article))
        assert questions is not None
        answers = []
        for request in questions:
            messages = prompts.messages(
                request.pass_name, request.article or article, request.response_model, request.values
            )
            response = real_summarizer.backend.chat(**probability_params({"messages": messages}))
            answers.append(choice_probabilities(response, request.choices))
        assert all(sum(a.probabilities.values()) == pytest.approx(1.0) for a in answers)
        return venue_score(*answers)

    venue, visited = score("Lunden"), score("Harbourtown")
    assert venue is not None
    assert visited is not None
    # The venue is kept and scores above the town a minister only visited; that town still scores above the
    # threshold here (2.57 on the 1.5B), so the step does not catch every place that is not the venue.
    assert venue > VENUE_THRESHOLD
    assert venue > visited


def test_chunks_are_measured_with_the_real_tokenizer_and_too_many_are_refused_before_any_call(real_summarizer):
    settings = Settings(n_ctx=8192, max_tokens=1024)
    article = "Delegations met again to discuss the corridor. " * 1200  # 57 KB, ~10,000 tokens
    chunks = Summarizer(real_summarizer.backend, settings=settings)._chunks(real_summarizer.backend, read(article))
    assert 4 <= len(chunks) <= 8
    assert chunks[0][0] == 0
    assert chunks[-1][1] == len(article.rstrip())
    small = Summarizer(real_summarizer.backend, settings=settings.model_copy(update={"max_chunks": 3}))
    with pytest.raises(ArticleTooLongError, match=r"chunks at this 8,192-token context, more than the limit of 3"):
        small.summarize(article)


def test_cli_on_the_seed_prints_valid_json_identical_to_the_in_process_run(tmp_path, seed_result):
    proc = subprocess.run(
        [sys.executable, "-m", "summarizer", str(SEED), "--meta"],
        capture_output=True,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    document = json.loads(proc.stdout)
    meta = document.pop("meta")
    ArticleSummary.model_validate(document)
    assert meta["model"] == "qwen2.5-coder-1.5b"
    # Temperature 0, a fixed seed and the same requests on a fresh server: the same bytes in another process.
    # (Not across prompt-cache states: a prefix read from the cache can tip a greedy choice; see the README.)
    assert document == seed_result.summary.model_dump(mode="json")
    assert ROOT.exists()
