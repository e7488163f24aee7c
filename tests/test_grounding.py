"""Grounding: quotes located by code (exact, normalised, fuzzy), names checked, re-ask then drop."""

import pytest

from summarizer import (
    ArticleSummary,
    DisputedClaim,
    DropReason,
    MatchKind,
    Participant,
    Party,
    Settings,
    Stance,
    Summarizer,
    SummaryResult,
    Topic,
    grounding_counts,
)
from summarizer._drafts import quotes_model
from summarizer._schema import ITEM_FIELDS
from summarizer.grounding import ArticleIndex, Grounding, PhraseChooser, quotable_phrases
from summarizer.testing import TaskBackend, answer_from_summary, model_answers
from tests.conftest import ARTICLE, summary_dict

PLANTED = (
    "Talks opened in Genève on Monday.\n"
    "The  foreign   minister said the plan “protects the\nborder” and would reopen the road to Azerbaijan—a provision "
    "Yerevan rejected. Zoë Łukasiewicz-Ortíz chaired the ceasefire talks; a cease-\nfire was agreed. "
    "The road would reopen. Officials said the road would reopen within a week."
)


def located(quote, article=PLANTED):
    found = ArticleIndex(article).locate(quote)
    assert found is not None, quote
    return article[found.start : found.end], found.match


def test_exact_quote():
    assert located("Talks opened in Genève") == ("Talks opened in Genève", MatchKind.exact)


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("The foreign minister said", "The  foreign   minister said"),  # spacing
        ('the plan "protects the border"', "the plan “protects the\nborder"),  # straight quotes, line break
        ("the road to Azerbaijan - a provision", "the road to Azerbaijan—a provision"),  # em dash
        ("Zoe Lukasiewicz Ortiz chaired", "Zoë Łukasiewicz-Ortíz chaired"),  # accents, hyphen
        ("a ceasefire was agreed", "a cease-\nfire was agreed"),  # hyphenation across a line
        ("TALKS OPENED IN GENEVE", "Talks opened in Genève"),  # case, accent
    ],
)
def test_normalised_quotes_map_back_to_the_article_as_given(quote, expected):
    assert located(quote) == (expected, MatchKind.normalized)


def test_offsets_count_code_points_in_non_ascii_text():
    text, _ = located("Łukasiewicz-Ortíz")
    start = PLANTED.index("Łukasiewicz")
    assert ArticleIndex(PLANTED).locate("Lukasiewicz Ortiz").start == start  # type: ignore[union-attr]
    assert text == "Łukasiewicz-Ortíz"


def test_fuzzy_quote_is_widened_or_trimmed_to_whole_words():
    text, match = located("the plan protects the borders and would reopen the road to Azerbijan")
    assert match is MatchKind.fuzzy
    assert text.startswith("the plan")
    assert text.endswith("Azerbaijan")


@pytest.mark.parametrize("quote", ["the ministers signed a treaty on fishing rights", "", "   "])
def test_a_quote_that_is_not_in_the_text_is_not_located(quote):
    assert ArticleIndex(PLANTED).locate(quote) is None


def test_a_short_normalised_quote_must_sit_on_word_boundaries():
    # "road" occurs inside no other word here, "oad" only inside "road": it is not a quote of the article.
    assert ArticleIndex(PLANTED).locate("OAD") is None


def test_a_phrase_that_occurs_twice_gets_a_real_occurrence():
    for quote in ("the road would reopen", "The road would reopen"):
        found = ArticleIndex(PLANTED).locate(quote)
        assert found is not None
        assert PLANTED[found.start : found.end].casefold() == quote.casefold()


@pytest.mark.parametrize(
    ("method", "name", "expected"),
    [
        ("has_person", "Zoë Łukasiewicz-Ortíz", True),
        ("has_person", "Anna Ortíz", True),  # the surname is enough
        ("has_person", "Nobody Here", False),
        ("has_entity", "Azerbaijani government", True),  # another form of the word, a generic word
        ("has_entity", "Yerevan", True),
        ("has_entity", "Atlantis", False),
        ("has_entity", "Republic of Atlantis", False),
    ],
)
def test_names_are_checked_against_the_article(method, name, expected):
    assert getattr(ArticleIndex(PLANTED), method)(name) is expected


def test_acronyms_ground_both_ways():
    article = ArticleIndex("The United Nations and the U.S. sent envoys; NATO did not.")
    assert article.has_entity("UN")
    assert article.has_entity("United States")
    assert article.has_entity("North Atlantic Treaty Organization")
    assert not article.has_entity("EU")


def test_an_invented_name_is_ungrounded_whatever_its_quote_says():
    document = summary_dict(
        participants=[
            {
                "name": "Imaginary Person",
                "role": None,
                "side": None,
                "evidence": {"quote": "Ada Brook of Northland met"},
            }
        ]
    )
    grounding = Grounding(ArticleSummary.model_validate(document), ARTICLE)
    [failure] = grounding.ungrounded
    assert (failure.field, failure.reason) == ("participants", DropReason.name_not_in_article)
    assert grounding.summary.participants[0].evidence.span is not None  # type: ignore[union-attr]


def invented_items():
    return summary_dict(
        participants=[
            {"name": "Ada Brook", "role": None, "side": None, "evidence": {"quote": "Ada Brook of Northland met"}},
            {"name": "Imaginary Person", "role": None, "side": None, "evidence": {"quote": "Imaginary Person spoke"}},
        ],
        topics=[{"label": "fishing", "detail": "Fishing rights.", "evidence": {"quote": "they discussed fishing"}}],
    )


def test_ungrounded_items_are_reasked_once_then_dropped_and_reported():
    backend = TaskBackend(answer_from_summary(invented_items()))  # stands by its answer when re-asked
    result = Summarizer(backend, settings=Settings(strategy="focused")).run(ARTICLE)
    names = [r["response_format"]["json_schema"]["name"] for r in backend.requests]
    # Two topics: no question about subjects.
    assert names == ["MeetingFacts", "DisputeFindings", "ThirdPartyRoles", "EvidenceQuotes", "Corrections"]
    reask = backend.requests[4]["messages"][-1]["content"]
    assert "'Imaginary Person' (evidence 'Imaginary Person spoke') - the name" in reask
    assert "'fishing' (evidence 'they discussed fishing') - the quote" in reask
    schema = backend.requests[4]["response_format"]["json_schema"]["schema"]
    assert set(schema["properties"]) == {"participants", "topics"}
    assert schema["properties"]["participants"]["minItems"] == schema["properties"]["participants"]["maxItems"] == 1

    summary = result.summary
    assert [p.name for p in summary.participants] == ["Ada Brook", "Tomas Rehn"]  # he met her, the article says
    assert [t.label for t in summary.topics] == ["reopening the coast road to trucks"]  # "They discussed ..."
    assert [(d.field, d.reason) for d in summary.dropped] == [
        ("participants", DropReason.name_not_in_article),
        ("topics", DropReason.quote_not_found),
    ]
    assert result.meta.regrounded == 2
    counts = grounding_counts(summary)
    assert (counts.items, counts.grounded, counts.names, counts.names_not_in_article) == (9, 7, 6, 1)


# Worded so that nobody is added from "X met Y": a correction's name is the model's alone.
_UNMET = ARTICLE.replace(" met ", " wrote to ")


def _corrected_run(correction: dict[str, object]) -> SummaryResult:
    """Run on ``_UNMET`` with a model that invents a participant, then answers the re-ask with ``correction``."""
    answers = answer_from_summary(
        summary_dict(
            participants=[
                {"name": "Imaginary Person", "role": None, "side": None, "evidence": {"quote": "Imaginary"}},
                {"name": "Ada Brook", "role": None, "side": None, "evidence": {"quote": "Ada Brook of Northland"}},
            ]
        )
    )

    def answer(request):
        if request.pass_name == "reground":
            return {"participants": [correction]}
        return answers(request)

    return Summarizer(TaskBackend(answer), settings=Settings(strategy="focused")).run(_UNMET)


def test_a_corrected_item_replaces_the_ungrounded_one_in_place():
    result = _corrected_run({"name": "Tomas Rehn", "role": None, "side": None, "evidence": "envoy Tomas Rehn"})
    assert [p.name for p in result.summary.participants] == ["Tomas Rehn", "Ada Brook"]
    span = result.summary.participants[0].evidence.span  # type: ignore[union-attr]
    assert _UNMET[span[0] : span[1]] == "envoy Tomas Rehn"  # type: ignore[index]
    assert result.summary.dropped == []


def test_a_correction_that_repeats_a_listed_name_is_not_taken():
    result = _corrected_run({"name": "Ada Brook", "role": None, "side": None, "evidence": "Ada Brook"})
    assert [p.name for p in result.summary.participants] == ["Ada Brook"]
    assert [(d.item["name"], d.reason) for d in result.summary.dropped] == [
        ("Imaginary Person", DropReason.name_not_in_article)
    ]


def test_keep_ungrounded_keeps_the_items_flagged():
    backend = TaskBackend(answer_from_summary(invented_items()))
    result = Summarizer(backend, settings=Settings(strategy="focused", keep_ungrounded=True)).run(ARTICLE)
    flagged = {p.name: p.evidence.problem for p in result.summary.participants}  # type: ignore[union-attr]
    assert flagged == {"Ada Brook": None, "Imaginary Person": DropReason.name_not_in_article, "Tomas Rehn": None}
    assert result.summary.topics[0].evidence.problem is DropReason.quote_not_found  # type: ignore[union-attr]
    assert result.summary.dropped == []
    assert result.meta.grounding_rate == round(7 / 9, 4)


def test_a_grounded_summary_costs_no_extra_call():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    result = Summarizer(backend, settings=Settings(strategy="single")).run(ARTICLE)
    assert len(backend.requests) == 1
    assert result.meta.regrounded == 0
    assert all(item.evidence.match is MatchKind.exact for item in result.summary.participants)  # type: ignore[union-attr]


def test_focused_strategy_asks_for_quotes_in_a_last_pass_over_the_same_prefix():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    result = Summarizer(backend, settings=Settings(strategy="focused", without=frozenset({"code-quotes"}))).run(ARTICLE)
    meeting, _, _subjects, _roles, evidence = backend.requests
    assert evidence["response_format"]["json_schema"]["name"] == "EvidenceQuotes"
    prefix = meeting["messages"][1]["content"].split(ARTICLE)[0] + ARTICLE
    assert evidence["messages"][0] == meeting["messages"][0]
    assert evidence["messages"][1]["content"].startswith(prefix)
    asked = evidence["messages"][1]["content"]
    assert "participants:\n1. 'Ada Brook'" in asked
    assert "1. 'The border was discussed.' (claimed by Southland press; disputed by Northland ministry)" in asked
    schema = evidence["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["parties"]["minItems"] == schema["properties"]["parties"]["maxItems"] == 2
    offered = schema["properties"]["parties"]["items"]["enum"]
    assert "envoy Tomas Rehn on Wednesday, mediated by the" in offered
    assert all(phrase in ARTICLE for phrase in offered)
    assert result.summary == ArticleSummary.model_validate(summary_dict())


def test_quotes_are_free_where_the_server_limits_enums():
    assert "enum" in quotes_model({"topics": 1}, ["a b", "c d"]).model_json_schema()["properties"]["topics"]["items"]
    free = quotes_model({"topics": 1}).model_json_schema()["properties"]["topics"]["items"]
    assert free == {"maxLength": 80, "type": "string"}

    class Limited(TaskBackend):
        def accepts_enum(self, values):
            return len(values) <= 3

    backend = Limited(answer_from_summary(summary_dict()))
    Summarizer(backend, settings=Settings(strategy="focused", without=frozenset({"code-quotes"}))).run(ARTICLE)
    quotes = backend.requests[-1]["response_format"]["json_schema"]["schema"]["properties"]["parties"]["items"]
    assert "enum" not in quotes


def test_quotable_phrases_are_short_runs_of_the_article_itself():
    phrases = quotable_phrases(PLANTED)
    assert phrases
    assert all(phrase in PLANTED for phrase in phrases)
    assert all(2 <= len(phrase.split()) <= 8 for phrase in phrases)
    # One starts at each word, so a quote can begin at a name.
    assert "Zoë Łukasiewicz-Ortíz chaired the ceasefire talks; a cease-" in phrases
    assert "Łukasiewicz-Ortíz chaired the ceasefire talks; a cease-" in phrases
    assert "provision Yerevan rejected" in phrases  # windows end where the sentence ends
    assert not any(mark in phrase for phrase in phrases for mark in '"“”\\')
    assert len(phrases) == len(set(phrases))


def test_model_answers_quote_only_in_the_single_call():
    answers = model_answers(summary_dict())
    assert answers["MeetingFacts"]["parties"][0] == {"name": "Northland"}
    assert answers["ArticleSummaryDraft"]["parties"][0] == {"name": "Northland", "evidence": "Ada Brook of Northland"}


def test_a_claims_quote_said_twice_is_placed_where_its_claimant_speaks_not_where_it_is_denied():
    article = (
        "The ministry denied that troops shelled the old market at dawn. "
        "The accusation came from commander Irena Vasko, who said troops shelled the old market at dawn."
    )
    claim = {
        "claim": "Troops shelled the old market.",
        "claimed_by": ["Irena Vasko"],
        "disputed_by": ["the ministry"],
        "stance": "denied",
        "evidence": {"quote": "troops shelled the old market at dawn"},
    }
    grounding = Grounding(ArticleSummary.model_validate(summary_dict(disputed_claims=[claim])), article)
    (placed,) = grounding.summary.disputed_claims
    assert placed.evidence is not None
    assert placed.evidence.span == (article.rindex("troops shelled"), article.rindex("dawn") + len("dawn"))


def test_a_name_in_an_indic_script_is_not_found_in_other_words_that_share_its_consonants():
    index = ArticleIndex("राहुल गांधी ने कहा कि दिल्ली में बारिश हुई।")
    assert index.has_person("राहुल गांधी")
    assert not index.has_person("नरेंद्र मोदी")
    assert ArticleIndex("राम ने कहा कि यह फूल कोमल है।").locate("कमल") is None


def test_an_exact_quote_is_placed_on_whole_words_first():
    index = ArticleIndex("The Iranian side spoke first. Iran said no.")
    location = index.locate("Iran")
    assert location is not None
    assert location.start == index.text.index("Iran said")


# -- Quotes chosen by code ---------------------------------------------------------------


def _chooser(article=PLANTED):
    return PhraseChooser(quotable_phrases(article))


def test_code_quotes_a_name_with_a_phrase_that_opens_with_it_and_is_the_articles_own():
    quote = _chooser().choose("participants", Participant(name="Zoë Łukasiewicz-Ortíz", role=None, side=None))
    assert quote is not None
    assert quote.startswith("Zoë Łukasiewicz-Ortíz chaired")
    assert quote in PLANTED


def test_code_quotes_a_name_only_as_the_article_spells_it():
    assert _chooser().choose("parties", Party(name="Yerevan")) is not None
    assert _chooser().choose("parties", Party(name="Baku")) is None  # not in the article: the model is asked


def test_code_quotes_a_topic_or_claim_where_the_article_shares_its_words():
    topic = Topic(label="road reopening", detail="when the road would reopen")
    chosen = _chooser().choose("topics", topic) or ""
    assert "road" in chosen
    assert "reopen" in chosen
    unrelated = Topic(label="fishing quotas", detail="catch limits for herring")
    assert _chooser().choose("topics", unrelated) is None
    claim = DisputedClaim(claim="The provision reopens the road to Azerbaijan.", claimed_by=["minister"],
                          disputed_by=["Yerevan"], stance=Stance.denied)  # fmt: skip
    assert "Azerbaijan—a provision" in (_chooser().choose("disputed_claims", claim) or "")


def test_items_code_can_quote_are_not_asked_of_the_model():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    result = Summarizer(backend, settings=Settings(strategy="focused")).run(ARTICLE)
    assert "evidence" not in [task.pass_name for task in backend.tasks]  # every item's words are in the article
    located = [getattr(item, "evidence", None) for field in ITEM_FIELDS for item in result.summary.items(field)]
    assert all(evidence is not None and evidence.span for evidence in located)
    asked = TaskBackend(answer_from_summary(summary_dict()))
    Summarizer(asked, settings=Settings(strategy="focused", without=frozenset({"code-quotes"}))).run(ARTICLE)
    assert "evidence" in [task.pass_name for task in asked.tasks]


def test_an_article_without_spaces_has_phrases_and_its_names_are_quoted_by_code():
    article = "両国の代表団は１２日、ジュネーブで協議した。オストランド側からはアレクシ・ヴァルガ首席交渉官が出席した。"
    phrases = quotable_phrases(article)
    assert phrases
    assert all(phrase in article and len(phrase) <= 24 for phrase in phrases)
    quote = PhraseChooser(phrases).choose("participants", Participant(name="アレクシ・ヴァルガ", role=None, side=None))
    assert quote is not None
    assert "アレクシ・ヴァルガ" in quote


@pytest.mark.parametrize(
    ("summary", "unknown"),
    [
        ("Two delegations met and discussed a road.", []),
        ("Northland and Southland met; the Island Council mediated.", []),
        ("Talks between the two sides were held on Wednesday.", []),  # a lone opening capital is not a name
        ("Norway and Estonia met on Wednesday.", [("Norway and Estonia met on Wednesday.", "Estonia")]),
        (
            "Ada Brook met Tomas Rehn. The Arctic Council mediated.",
            [("The Arctic Council mediated.", "The Arctic Council")],
        ),
        ("Envoys of the UN met.", [("Envoys of the UN met.", "UN")]),
        ("北方と南方の代表が会談した。", []),  # a script without case is not checked
    ],
)
def test_names_in_the_summary_sentence_are_checked_against_the_article(summary, unknown):
    grounding = Grounding(ArticleSummary.model_validate(summary_dict()), ARTICLE)
    assert grounding.unknown_names(summary) == unknown


def test_a_summary_sentence_naming_someone_not_in_the_article_is_dropped_and_recorded():
    text = "Ada Brook met Southland's envoy. Norway and Estonia agreed on the coast road."
    backend = TaskBackend(answer_from_summary(summary_dict(summary=text)))
    summary = Summarizer(backend, settings=Settings(strategy="single")).run(ARTICLE).summary
    assert summary.summary == "Ada Brook met Southland's envoy."
    assert [(d.field, d.headline, d.reason) for d in summary.dropped] == [
        ("summary", "Norway and Estonia agreed on the coast road.", DropReason.name_not_in_article)
    ]
    assert "'Estonia'" in summary.dropped[0].detail
    kept = Summarizer(
        TaskBackend(answer_from_summary(summary_dict(summary=text))),
        settings=Settings(strategy="single", keep_ungrounded=True),
    ).run(ARTICLE)
    assert kept.summary.summary == text


# -- the meeting's place and date ------------------------------------------------------


def _meeting_grounded(location, date, article, **settle):
    summary = ArticleSummary.model_validate(
        summary_dict(meeting={"status": "held", "date": date, "location": location})
    )
    return Grounding(summary, article).settle(**settle)


def test_a_placeholder_place_and_date_become_null_and_are_listed_as_dropped():
    settled = _meeting_grounded("not specified", "not specified", PLANTED)
    assert (settled.meeting.location, settled.meeting.date) == (None, None)
    assert (settled.meeting.location_evidence, settled.meeting.date_evidence) == (None, None)
    dropped = [(d.field, d.item, d.reason) for d in settled.dropped if d.field == "meeting"]
    assert dropped == [
        ("meeting", {"location": "not specified"}, DropReason.quote_not_found),
        ("meeting", {"date": "not specified"}, DropReason.quote_not_found),
    ]
    # Not items: the grounding rate counts only the items.
    assert grounding_counts(settled).items == grounding_counts(_meeting_grounded(None, None, PLANTED)).items


def test_a_place_and_date_the_article_states_carry_their_span():
    settled = _meeting_grounded("Genève", "Monday", PLANTED)
    meeting = settled.meeting
    assert (meeting.location, meeting.date) == ("Genève", "Monday")
    for value, evidence in ((meeting.location, meeting.location_evidence), (meeting.date, meeting.date_evidence)):
        assert evidence is not None
        assert evidence.span is not None
        assert PLANTED[evidence.span[0] : evidence.span[1]] == value


def test_a_place_with_a_country_the_article_does_not_name_keeps_the_part_it_names():
    settled = _meeting_grounded("Geneve, Switzerland", None, PLANTED)
    assert settled.meeting.location == "Geneve"
    evidence = settled.meeting.location_evidence
    assert evidence is not None
    assert evidence.match is MatchKind.normalized
    assert evidence.quote == "Genève"  # the article's own spelling, where the span points


def test_a_placeholder_is_no_place_even_where_the_article_holds_the_word():
    article = "None of the sides would say where the talks were held; the date is unknown. They met in Oslo."
    settled = _meeting_grounded("None", "unknown", article)
    assert (settled.meeting.location, settled.meeting.date) == (None, None)
    assert _meeting_grounded("Oslo", None, article).meeting.location == "Oslo"


def test_a_place_is_located_where_the_article_names_it_as_a_word_not_inside_another():
    article = "Iranian officials flew on. The talks were held in Iran's capital, in Iran."
    evidence = _meeting_grounded("Iran", None, article).meeting.location_evidence
    assert evidence is not None
    assert evidence.span is not None
    assert evidence.span[0] > 0  # not "Iran" inside "Iranian"
    assert article[evidence.span[0] : evidence.span[1]] == "Iran"


def test_a_place_is_named_in_whole_words_only():
    # "Azerbaij" is in "Azerbaijan", and a fuzzy alignment would find "Genva": neither names a place.
    assert _meeting_grounded("Azerbaij", None, PLANTED).meeting.location is None
    assert _meeting_grounded("Genva", None, PLANTED).meeting.location is None


def test_a_place_in_a_script_without_spaces_keeps_its_longest_leading_run_the_article_holds():
    article = "両政府はミレト市の港湾庁本部で２０日に協議した。"
    settled = _meeting_grounded("ミレト市港湾庁本部", "20日", article)
    assert settled.meeting.location == "ミレト市"
    assert settled.meeting.date == "20日"  # full-width digits in the article, found after normalisation
    evidence = settled.meeting.date_evidence
    assert evidence is not None
    assert evidence.span is not None
    assert article[evidence.span[0] : evidence.span[1]] == "２０日"


def test_keep_ungrounded_keeps_a_place_the_article_does_not_state_and_flags_it():
    settled = _meeting_grounded("not specified", None, PLANTED, keep_ungrounded=True)
    assert settled.meeting.location == "not specified"
    evidence = settled.meeting.location_evidence
    assert evidence is not None
    assert evidence.problem is DropReason.quote_not_found
    assert evidence.span is None


def test_a_summary_whose_every_sentence_names_someone_else_becomes_the_articles_lede():
    article = "Talks end in Harbourtown\n\nNorland and Estmark met in Harbourtown on Monday. They discussed fish."
    summary = ArticleSummary.model_validate(
        summary_dict(summary="Norway and Estonia met in Harbourtown.", parties=[], participants=[], mediators=[])
    )
    settled = Grounding(summary.model_copy(update={"topics": [], "disputed_claims": []}), article).settle()
    assert settled.summary == "Norland and Estmark met in Harbourtown on Monday."
    assert [d.field for d in settled.dropped] == ["summary", "meeting"]  # and the date, "Wednesday"
