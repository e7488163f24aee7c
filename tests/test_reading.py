"""Readers: one per language, chosen by the detected language or --language; they offer, the pipeline decides."""

import pytest

from summarizer import Settings, Summarizer
from summarizer.reading import read
from summarizer.reading._english import meeting_people
from summarizer.testing import TaskBackend, answer_from_summary
from tests.conftest import ARTICLE, summary_dict

GERMAN = (
    "Vertreter Velmoras und des Bündnisses „Freie Küste“ trafen sich am Dienstag in Lindau. "
    "Die Nachrichtenagentur meldete, das Bündnis habe dem Ausbau der Hafenmole zugestimmt. "
    "Das Bündnis wies den Bericht als falsch zurück."
)
JAPANESE = "ベルモラ政府とオストランド政府の代表が会談した。オストランド政府は報道を否定した。"


@pytest.mark.parametrize(
    ("article", "language", "reader"),
    [
        (ARTICLE, "en", "english"),
        (GERMAN, "de", "model-only"),
        (JAPANESE, "ja", "model-only"),
    ],
)
def test_the_reader_follows_the_detected_language(article, language, reader):
    reading = read(article)
    assert (reading.language, reading.reader) == (language, reader)


def test_a_given_language_overrides_detection():
    assert read(ARTICLE, "de").reader == "model-only"
    assert read(GERMAN, "EN").reader == "english"


def test_the_model_only_reader_offers_nothing_but_the_sentences():
    reading = read(GERMAN)
    assert (reading.passages, reading.actors, reading.people, reading.agenda) == ((), (), (), ())
    assert len(reading.sentences) == 3


def _asked(article, **settings):
    backend = TaskBackend(answer_from_summary(summary_dict(disputed_claims=[])))
    result = Summarizer(backend, settings=Settings(**settings)).run(article)
    return [task.pass_name for task in backend.tasks], backend.tasks, result


def test_an_article_no_reader_reads_has_its_disputes_pass_asked_over_every_sentence():
    passes, tasks, result = _asked(GERMAN)
    assert passes[:2] == ["meeting", "disputes"]
    candidates = tasks[1].values["candidates"]
    assert candidates.splitlines()[2] == "3. Das Bündnis wies den Bericht als falsch zurück."
    assert (result.meta.language, result.meta.reader) == ("de", "model-only")


def test_an_english_article_without_a_denial_cue_is_not_asked_for_disputes():
    passes, _, _ = _asked("Ada Brook of Northland met Tomas Rehn on Wednesday. They discussed a road.")
    assert "disputes" not in passes


def test_names_in_scripts_without_capitals_are_people():
    document = summary_dict(
        parties=[],
        mediators=[],
        participants=[{"name": "𠮷田健一", "role": None, "side": None, "evidence": {"quote": "𠮷田健一"}}],
        topics=[],
        disputed_claims=[],
    )
    article = "ベルモラの𠮷田健一代表が会談した。"
    result = Summarizer(TaskBackend(answer_from_summary(document)), settings=Settings()).run(article)
    assert [p.name for p in result.summary.participants] == ["𠮷田健一"]
    (participant,) = result.summary.participants
    assert participant.evidence is not None
    assert participant.evidence.span is not None
    start, end = participant.evidence.span
    assert article[start:end] == participant.evidence.quote  # code quotes the clause, whole characters only
    assert "𠮷田健一" in article[start:end]


def test_name_particles_and_abbreviated_titles_keep_names_whole():
    article = (
        "A delegation headed by Gen. Ion Pavel met Amb. Karin Lee. Valéry d'Estaing met Nouri al-Maliki. "
        "Ursula von der Leyen met Jan ter Horst. Later Prof. Dr. Anna Roth met Ahmed ben Salah."
    )
    assert meeting_people(article) == [
        "Ion Pavel",
        "Karin Lee",
        "Valéry d'Estaing",
        "Nouri al-Maliki",
        "Ursula von der Leyen",
        "Jan ter Horst",
        "Anna Roth",
        "Ahmed ben Salah",
    ]


def test_names_do_not_decide_the_language():
    assert read("Velmora and Ostrand met in Karsvik. Ingrid Hovland mediated.").reader == "english"
