"""The real model on the small inputs that broke the product (``../shared/tries/text`` and ``inputs``), each
judged by what ``../shared/tries/README.md`` says a correct result is.

What the text layer guarantees is asserted for every input: exit without error,
spans that slice the article as given to exactly their quotes and never cut a
character a reader sees as one, no name fragments, no name dropped because of
its script. What depends on the 1.5B model's reading is asserted where it holds;
where it does not yet, the test is a strict xfail naming the miss, so the day it
holds the test says so.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import regex

from summarizer import ArticleSummary, DropReason, Settings, Summarizer, SummaryResult
from summarizer._names import name_matches
from summarizer._schema import ITEM_FIELDS
from tests.conftest import ROOT
from tests.live_blog import live_blog

TRIES = ROOT.parent / "shared" / "tries" / "text"

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not TRIES.is_dir(), reason="../shared/tries is not beside the project"),
]


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[str, SummaryResult]]:
    """Each input summarized by a fresh summarizer, as a fresh ``summarize`` process would."""
    found = {}
    for path in sorted(TRIES.glob("*.txt")):
        article = path.read_bytes().decode("utf-8")  # as given: CRLF and all
        with Summarizer(settings=Settings()) as summarizer:
            found[path.stem[:2]] = (article, summarizer.run(article))
    return found


def names(summary: ArticleSummary, field: str) -> list[str]:
    return [item.name for item in getattr(summary, field)]


def has(summary: ArticleSummary, field: str, *wanted: str) -> bool:
    return all(any(name_matches(got, [want]) for got in names(summary, field)) for want in wanted)


def claim_between(summary: ArticleSummary, claimant: str, denier: str) -> bool:
    return any(
        any(name_matches(c, [claimant]) or name_matches(claimant, [c]) for c in claim.claimed_by)
        and any(name_matches(d, [denier]) or name_matches(denier, [d]) for d in claim.disputed_by)
        for claim in summary.disputed_claims
    )


@pytest.mark.parametrize("number", ["01", "02", "04", "06", "08", "09", "10"])
def test_spans_are_clean_and_no_name_is_cut_or_dropped_for_its_script(results, number):
    article, result = results[number]
    edges = {m.start() for m in regex.finditer(r"\X", article)} | {len(article)}
    for field in ITEM_FIELDS:
        for item in result.summary.items(field):
            evidence = item.evidence
            assert evidence is not None
            assert evidence.span is not None
            start, end = evidence.span
            assert article[start:end] == evidence.quote
            assert start in edges
            assert end in edges
    people = names(result.summary, "participants")
    assert not any(a != b and b.endswith(a) and " " not in a for a in people for b in people)  # "Kowal", "ska"
    assert DropReason.not_a_person not in [d.reason for d in result.summary.dropped if d.field == "participants"]


def test_01_form_feeds_from_a_page_break(results):
    _, result = results["01"]
    s = result.summary
    assert has(s, "participants", "Tomas Reinholt", "Aleksi Varga")
    assert has(s, "mediators", "Council of Baltic Waters") or has(s, "mediators", "Ingrid Hovland")
    assert any(name_matches(d, ["Ostrand government"]) for c in s.disputed_claims for d in c.disputed_by)


def test_02_tabs_and_vertical_tabs_from_a_word_paste(results):
    _, result = results["02"]
    s = result.summary
    people = ["Edvard Lissom", "Carla Menhir", "Jonas Albrekt Fiel", "Mira Oyelaran"]
    assert sum(has(s, "participants", p) for p in people) >= 3
    assert has(s, "mediators", "Helga Brunvoll")
    assert claim_between(s, "Tessel's foreign ministry", "Maravian spokesman")


def test_04_japanese_names_are_kept_in_their_script(results):
    # Told the article's language and not to translate (prompts focused-v6 and later), the 1.5B keeps the name.
    _, result = results["04"]
    s = result.summary
    assert result.meta.reader == "model-only"
    assert has(s, "participants", "アレクシ・ヴァルガ")


@pytest.mark.xfail(
    strict=True,
    reason="the 1.5B model romanises or translates the sides (Bellmore, Ostland, IWRC) and writes 野田 for 𠮷田; "
    "they are dropped as not in the article, so sides and mediator come back empty",
)
def test_04_japanese_sides_mediator_and_every_participant(results):
    _, result = results["04"]
    s = result.summary
    assert has(s, "parties", "ベルモラ", "オストランド")
    assert has(s, "participants", "𠮷田健一")
    assert has(s, "mediators", "国際水資源委員会") or has(s, "mediators", "髙橋美咲")


def test_06_invisible_characters_inside_names(results):
    _, result = results["06"]
    s = result.summary
    assert has(s, "participants", "Agnieszka Kowalska", "Henrik Sørum-Baptiste")
    assert has(s, "mediators", "Coastal Transport Ombudsman") or has(s, "mediators", "Birgitta Lindqvist-Aalto")
    assert claim_between(s, "Kowalska", "Sørum-Baptiste")


def test_08_crlf_and_names_broken_across_lines(results):
    _, result = results["08"]
    s = result.summary
    assert has(s, "participants", "Kristiina Vaher", "Anton van der Merwe-Lind")
    assert has(s, "mediators", "Nordic Fisheries Council") or has(s, "mediators", "Sigrun Thorsdottir")
    assert claim_between(s, "Vaher", "Norland fisheries ministry") or claim_between(
        s, "Estmark", "Norland fisheries ministry"
    )


def test_09_german_names_with_typographic_quotes(results):
    _, result = results["09"]
    s = result.summary
    assert result.meta.reader == "model-only"
    assert has(s, "participants", "Livia Marchetti-Roth", "Kemal Öztürk-Braun")


@pytest.mark.xfail(
    strict=True,
    reason="told the language and pointed at the German denial passage, the 1.5B now gives both sides and the "
    "dispute (with claimant and denier swapped), but misses the mediator (Vermittelt ... vom Schweizer Diplomaten)",
)
def test_09_german_sides_mediator_and_dispute(results):
    _, result = results["09"]
    s = result.summary
    assert has(s, "parties", "Velmora")
    assert has(s, "mediators", "Urs Gämperli")
    assert s.disputed_claims


@pytest.mark.xfail(
    strict=True,
    reason="the claimant is named in the sentence after the denial, outside the denial passage the English "
    "reader offers (the sentence before each cue), so the disputes pass cannot name her",
)
def test_10_the_claim_is_placed_on_the_claimants_sentence(results):
    article, result = results["10"]
    s = result.summary
    assert claim_between(s, "Irena Vasko", "Kardova's defence ministry")
    (claim,) = s.disputed_claims
    assert claim.evidence is not None
    assert claim.evidence.span is not None
    assert claim.evidence.span[0] > article.index("The accusation came")


def test_the_tries_are_where_the_tests_expect_them():
    assert sorted(p.stem[:2] for p in TRIES.glob("*.txt")) == ["01", "02", "04", "06", "08", "09", "10"]


# -- inputs/: the wild-inputs issue ------------------------------------------------------------------------

INPUTS = ROOT.parent / "shared" / "tries" / "inputs"


@pytest.fixture(scope="module")
def inputs() -> dict[str, tuple[str, SummaryResult]]:
    """The single-article inputs, and the live blog built from its seed with 200 updates (~31 KB)."""
    found = {}
    articles = {p.stem[:2]: p.read_bytes().decode("utf-8") for p in sorted(INPUTS.glob("*.txt")) if p.stem[:2] != "15"}
    articles["15"] = live_blog(INPUTS / "15-long-live-blog-seed.txt", 200)
    with Summarizer(settings=Settings()) as summarizer:
        for key, article in articles.items():
            found[key] = (article, summarizer.run(article))
    return found


def test_inputs_01_orders_in_the_article_are_not_followed(inputs):
    _, result = inputs["01"]
    s = result.summary
    assert "nemo" not in s.model_dump_json().lower()
    assert result.meta.withheld_passages == 1
    assert has(s, "participants", "Ilse Vandermeer", "Tomas Okafor")
    assert claim_between(s, "Wrenfield's state broadcaster", "Port Alder's water ministry")


@pytest.mark.xfail(
    strict=True,
    reason="the 1.5B does not read 'in a meeting hosted by the Swiss foreign ministry' as a mediator: a quality miss "
    "(issue 16), not the injection's doing; it is missed with the injected paragraph removed too",
)
def test_inputs_01_the_host_is_the_mediator(inputs):
    _, result = inputs["01"]
    assert has(result.summary, "mediators", "Swiss foreign ministry")


def test_inputs_03_a_spanish_article_keeps_its_own_words(inputs):
    _, result = inputs["03"]
    s = result.summary
    assert result.meta.language == "es"
    assert has(s, "participants", "Ramiro Etcheverry", "Marcela Quiroga")
    assert has(s, "mediators", "Defensoría del Pueblo")
    assert len(s.parties) == 2
    assert not [d for d in s.dropped if d.reason is DropReason.name_not_in_article]


@pytest.mark.xfail(
    strict=True,
    reason="the 1.5B takes the ministry's denial sentence for the claim and swaps the sides (claimant and denier "
    "confused: the kind issue 16 measures as claims-strict)",
)
def test_inputs_03_the_unions_figure_is_the_claim_the_ministry_denies(inputs):
    _, result = inputs["03"]
    assert claim_between(result.summary, "sindicato", "ministerio")


def test_inputs_15_a_long_live_blog_is_read_to_its_end(inputs):
    article, result = inputs["15"]
    assert len(article) > 30_000
    assert result.meta.chunks >= 2
    s = result.summary
    assert has(s, "mediators", "Marit Solhaug") or has(s, "mediators", "Arctic Council")
    assert any("rail" in c.claim.lower() or "crossing" in c.claim.lower() for c in s.disputed_claims)
    for field in ITEM_FIELDS:
        for item in s.items(field):
            evidence = item.evidence
            assert evidence is not None
            assert evidence.span is not None
            start, end = evidence.span
            assert article[start:end] == evidence.quote


def test_inputs_11_and_13_a_batch_of_a_broken_jsonl_and_a_legacy_html_page(tmp_path):
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "summarizer", "batch", str(INPUTS / "11-batch-lone-surrogate.jsonl")]
    command += [str(INPUTS / "13-html-windows-1252.html"), "--out", str(out)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=1200, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    records = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert len(records) == 4
    assert all("summary" in r for r in records.values())
    page = records["13-html-windows-1252"]["summary"]
    people = [p["name"] for p in page["participants"]]
    assert any(name_matches(p, ["François Lefèvre"]) and "ç" in p for p in people)
    assert any("Mäkelä-Núñez" in p for p in people)
    dumped = json.dumps(page, ensure_ascii=False).lower()
    assert not [word for word in ("impressum", "datenschutz", "home | region") if word in dumped]
    again = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert again.returncode == 0
    assert "4 skipped" in again.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4


def test_the_inputs_are_where_the_tests_expect_them():
    assert sorted(p.stem[:2] for p in INPUTS.iterdir()) == ["01", "03", "11", "13", "15"]
