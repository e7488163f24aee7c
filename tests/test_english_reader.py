from summarizer import Settings, Summarizer
from summarizer.reading._english import (
    actor_mentions,
    claim_sources,
    dispute_passages,
    mediator_candidates,
    meeting_people,
    role_cues,
    topic_phrases,
)
from summarizer.testing import TaskBackend, answer_from_summary
from tests.conftest import ARTICLE, summary_dict


def test_denial_sentences_come_with_the_sentence_before():
    article = (
        "Envoys met on Monday. Local media said a truce was agreed. "
        "The ministry denied the report. Talks resume next week."
    )
    assert [" ".join(p) for p in dispute_passages(article)] == [
        "Local media said a truce was agreed. The ministry denied the report."
    ]


def test_a_report_and_the_denials_after_it_are_one_passage():
    article = (
        "Envoys met on Monday. Local media said a truce was agreed. The ministry denied the report. "
        "It called it disinformation. Talks resume next week. Trade rose. The army rejected a new demand."
    )
    assert [" ".join(p) for p in dispute_passages(article)] == [
        "Local media said a truce was agreed. The ministry denied the report. It called it disinformation.",
        "Trade rose. The army rejected a new demand.",
    ]


def test_a_refused_offer_or_a_named_conflict_is_no_denial():
    article = (
        "The brewer rejected a takeover offer from its rival. The board dismissed Vela's improved bid as too low. "
        "The coach rebuffed the chance to move north. Dockers voted to end a six-week dispute over pay. "
        "Both sides said the dispute was over. Disputes over grazing have flared."
    )
    assert dispute_passages(article) == []


def test_a_denial_beside_a_refusal_is_still_read():
    article = (
        "The board rejected the offer. It also denied reports that the chairman would resign. "
        "The two unions dispute the company's figures."
    )
    assert [" ".join(p) for p in dispute_passages(article)] == [article]
    for sentence in (
        "Officials denied the offer was ever made.",
        "The ministry dismissed speculation about a bid.",
        "The ministry dismissed the job cuts as rumours.",
        "Groups that dispute the results say the vote was rigged.",
        "The board rejected the offer and denied reports of a merger.",
    ):
        assert dispute_passages(sentence) == [(sentence,)], sentence


def test_an_abbreviation_does_not_end_a_sentence():
    article = "The U.S. military said the drone was over the sea. Reports that it was over land are false."
    assert [" ".join(p) for p in dispute_passages(article)] == [article]


def test_actors_are_the_names_and_bodies_a_passage_mentions():
    passages = [
        ("On Sunday the confederation said the Valley Council had agreed.", "Zoë Łukasiewicz-Peña denied this."),
        ("The Northland foreign ministry rejected the Southland press's report about the Republic of Eastmark.",),
        ("Officials in Kigali deny what the DRC says, said the U.S. military's spokesman.",),
    ]
    article = " ".join(" ".join(p) for p in passages)
    assert actor_mentions(passages, article) == [
        "confederation",
        "Valley Council",
        "Zoë Łukasiewicz-Peña",
        "Northland foreign ministry",
        "Northland",
        "Southland press",
        "Southland",
        "Republic of Eastmark",
        "Kigali",
        "DRC",
        "U.S. military",
        "U.S.",
    ]


def test_cue_words_are_whole_words():
    assert dispute_passages("Earlier, officials said they believe in dialogue. The release was delayed.") == []
    assert dispute_passages('"Reports that the ship entered our waters are false," a spokesman said.')
    assert dispute_passages("The statements do not correspond to reality.")
    assert dispute_passages("She called the claim complete disinformation.")


def test_disputes_pass_is_skipped_without_a_denial():
    backend = TaskBackend(answer_from_summary(summary_dict(disputed_claims=[])))
    article = ARTICLE.split(" Southland press")[0]
    result = Summarizer(backend, settings=Settings(strategy="focused")).run(article)
    assert [r["response_format"]["json_schema"]["name"] for r in backend.requests] == [
        "MeetingFacts",
        "Subjects",
        "ThirdPartyRoles",
    ]
    assert result.summary.disputed_claims == []


def test_disputes_pass_sees_the_denial_passages():
    backend = TaskBackend(answer_from_summary(summary_dict()))
    article = ARTICLE.replace("discussed; the", "discussed. The")
    result = Summarizer(backend, settings=Settings(strategy="focused")).run(article)
    disputes = backend.requests[1]["messages"][1]["content"]
    assert "1. Southland press said the border was discussed. The Northland ministry denied it." in disputes
    # The claimant and the denier can only be actors the passage names.
    actors = backend.requests[1]["response_format"]["json_schema"]["schema"]["$defs"]["NamedDisputeFinding"]
    assert actors["properties"]["denier"]["items"]["enum"] == [
        "Southland press",
        "Southland",
        "Northland ministry",
        "Northland",
    ]
    assert result.summary.disputed_claims[0].disputed_by == ["Northland ministry"]


def test_the_wording_casts_claimants_and_deniers():
    article = (
        "The talks ended on Monday. Southland's foreign ministry accused Northland of moving troops. "
        "Northland, denying the Southland charges, blamed the weather. "
        '"Reports that our ships left port are false," said Admiral Kira Vosk, a navy spokeswoman.'
    )
    passages = dispute_passages(article)
    actors = actor_mentions(passages, article)
    cues = [role_cues(passage, actors) for passage in passages]
    assert [sorted(c.claimants) for c in cues] == [["Southland", "Southland's foreign ministry"]]
    assert [sorted(c.deniers) for c in cues] == [["Admiral Kira Vosk", "Northland"]]


def test_a_denier_is_read_past_an_abbreviation_an_intent_or_an_insistence():
    article = (
        "Talks resumed in Karsvik on Monday. The Northland Workers Front (NWF) denied today that its talks had "
        "stalled. Velmora Shipping has pledged to contest the ruling. "
        "The carrier's chairman Ada Brook has insisted that she had never met the buyers."
    )
    passages = dispute_passages(article)
    actors = actor_mentions(passages, article)
    deniers = set().union(*(role_cues(passage, actors).deniers for passage in passages))
    assert {"Northland Workers Front", "NWF", "Velmora Shipping", "Ada Brook"} <= deniers
    assert not {"Karsvik"} & deniers


def test_insisting_on_a_position_denies_nothing_but_insisting_a_fact_was_not_does():
    for position in (
        "Ada Brook insisted that the talks would go on.",
        "Ada Brook insisted the talks must not fail.",
        "Ada Brook insisted on no preconditions.",
        "Ada Brook insisted that there will be no more strikes.",
    ):
        assert dispute_passages(f"The envoy met the council. {position}") == [], position
    for denial in ("Ada Brook insisted she wasn't there.", "Ada Brook insisted that the board had not met."):
        assert dispute_passages(f"The envoy met the council. {denial}") != [], denial


def test_sources_are_read_across_the_article_by_their_attribution_wording():
    article = (
        "Northland denies asking for mediation amid Southland's claim\n\n"
        "Northland's government denied on Monday that it had asked for a mediator. "
        "Only days earlier, Southland on Friday said it had been asked to mediate. "
        "The talks began in March, a Karsvik port official and two Velmoran diplomats told reporters. "
        "The ports were not closed, as reported Ostrandi media. "
        "The dock was closed according to the Harbour Authority. "
        "Karsvik were reported to have made an offer for the port. "
        "Southland's President Karl Smith said the port would reopen. "
        "Ada Brook was reported in March to be leaving."
    )
    found = {a.index: a.sources for a in claim_sources(article)}
    assert found == {
        0: ("Southland",),  # a denial: only its claim's wording names a source
        2: ("Southland",),
        3: ("Karsvik port official", "Velmoran diplomats"),
        4: ("Ostrandi media",),
        5: ("Harbour Authority",),
        6: ("reports",),  # "X was reported to" is about X: the source is reports, unnamed
        7: ("Southland's President Karl Smith",),  # as the article writes it
    }


def test_who_denies_or_what_a_report_is_about_is_no_source():
    article = (
        "Northland and Southland met in Karsvik on Monday. "
        "Northland denied reports that it had moved troops. "
        "Northland on Monday rejected press reports of a buildup. "
        "A Northland government statement denied the claims. "
        "Northland denied media reports of a rift, its foreign ministry said. "
        "“We moved no troops,” Northland's envoy Ada Brook told reporters. "
        "Southland reported Northland troops crossing the border, officials there said."
    )
    found = {a.index: a.sources for a in claim_sources(article)}
    assert found == {6: ("Southland",)}  # its denier quoted, and what its report was about, are no source


def test_the_wording_names_who_took_part_in_the_meeting():
    article = (
        "A Northland delegation, headed by deputy Northland Coast chief Ada Brook, arrived in Lunden to meet "
        "with the head of the border agency, Tomas Rehn. "
        "Kira Vosk, the speaker of the Southland assembly, received the envoys in the presence of her adviser, "
        "Piet Amsel, and other officials. "
        "Oskar Lind and his Eastmark counterpart Mara Sol held talks on Friday. "
        "The council was represented by Dr. Ines Falk. Lind also represented the coast guard."
    )
    assert meeting_people(article) == [
        "Ada Brook",
        "Tomas Rehn",
        "Kira Vosk",
        "Piet Amsel",
        "Oskar Lind",
        "Mara Sol",
        "Ines Falk",
    ]


def test_speakers_places_and_bodies_are_not_meeting_people():
    article = (
        "Speaking to reporters, spokesperson Lena Hart said the delegations met in Port Alba. "
        "The Northland Coast Guard held talks with the United Nations. "
        "Ministers met on Monday to discuss a proposal by Jon Weir. "
        "The premier received criticism from opposition leader Sami Roth. "
        "Accompany Brook was an adviser. The Southland Armenians met in the square."
    )
    assert meeting_people(article) == []


def test_a_title_abbreviation_does_not_end_a_sentence():
    article = "Talks were led by Dr. Ines Falk. Mr. Piet Amsel denied it."
    assert [" ".join(p) for p in dispute_passages(article)] == [article]


def test_each_subject_the_article_says_was_discussed_is_one_phrase():
    article = (
        "Issues of a practical nature were discussed, particularly regarding the reopening of the coast road, "
        "restoration of the Northland power line, uninterrupted water supply, as well as the activity of the "
        "Brook mine. The envoys also discussed regional and continental matters, the statement said. "
        "The talks focused on dam release schedules and on a shared flood warning system. "
        "They did not discuss the status of the islands."
    )
    assert topic_phrases(article) == [
        "reopening of the coast road",
        "restoration of the Northland power line",
        "uninterrupted water supply",
        "activity of the Brook mine",
        "regional and continental matters",
        "dam release schedules",
        "shared flood warning system",
    ]


def test_what_the_talks_were_for_is_a_subject():
    article = (
        "Negotiations aimed at averting a rail stoppage will resume on Monday. "
        "The envoys restarted talks toward a grazing accord and the return of seized herds, as officials said. "
        "The talks had stalled, the mediator said, over the key issues of night shifts, overtime pay and pensions."
    )
    assert topic_phrases(article) == [
        "averting a rail stoppage",
        "grazing accord",
        "return of seized herds",
        "night shifts",
        "overtime pay",
        "pensions",
    ]


def test_issues_outside_talks_and_aims_of_other_things_are_no_subject():
    article = (
        "In a television interview covering issues such as flood defences and rail fares, the minister spoke "
        "at length. The plan is aimed at cutting costs. Talks aimed at ending the dispute cannot replace a "
        "settlement, the union said. After the talks collapsed, troops moved toward the border. "
        "Talks are expected toward the end of the week. Talks aimed at ending the strike collapsed on Friday. "
        "The talks ended on Friday; separately, the minister raised issues of housing."
    )
    assert topic_phrases(article) == ["ending the dispute", "ending the strike"]


def test_a_discussed_subject_keeps_its_own_verb_and_a_list_is_split_once():
    article = (
        "They discussed how the two sides could share the river's water. "
        "Talks on Monday focused on the key issues of water rights, grazing and roads."
    )
    assert topic_phrases(article) == [
        "how the two sides could share the river's water",
        "water rights",
        "grazing",
        "roads",
    ]


def test_a_discussion_without_a_subject_gives_no_topic():
    assert topic_phrases("The ministers met on Friday. Nothing was discussed in public.") == []
    assert topic_phrases("The two sides discussed at length on Friday.") == []


def test_a_surname_is_spelled_out_as_the_article_first_gives_it():
    article = "Envoy Oskar Lind arrived on Monday. Lind also represented the coast guard at the talks."
    assert meeting_people(article) == ["Oskar Lind"]
    assert meeting_people("Lind also represented the coast guard at the talks.") == []  # a lone word is no name


def test_a_people_is_not_a_person():
    article = "Envoys held talks with Northland Armenians. An Armenian official attended."
    assert meeting_people(article) == []
    assert meeting_people("Envoys held talks with Northland Evans.") == ["Northland Evans"]


HEADLINED = (
    "Northland denies Eastmark report of secret talks\n\n"
    "The Northland ministry has denied a press report that envoys met in secret. "
    "Former Envoy Ada Brook said the former talks ended in May; the US envoy told us nothing."
)


def test_a_headline_is_never_a_passage_and_its_cue_points_at_the_lede():
    passages = dispute_passages(HEADLINED)
    assert passages == [("The Northland ministry has denied a press report that envoys met in secret.",)]
    headline_only = "Northland denies talks\n\nThe envoys met on Monday. They spoke for an hour."
    assert dispute_passages(headline_only) == [("The envoys met on Monday.",)]
    assert dispute_passages("Northland denies talks. The envoys met on Monday.")[0][0] == "Northland denies talks."
    quoted = "Minister denies 'secret deal'\n\nThe minister denied a report of a deal. Talks went on."
    assert dispute_passages(quoted) == [("The minister denied a report of a deal.",)]


def test_a_headline_still_names_the_actors_of_its_passages():
    actors = actor_mentions(dispute_passages(HEADLINED), HEADLINED)
    assert "Eastmark" in actors  # named only in the headline: still a claimant the model may choose
    assert "Northland" in actors


def test_a_sentence_opening_common_word_is_not_part_of_a_name_but_an_acronym_or_first_name_is():
    passage = [("Former Envoy Ada Brook said the former talks ended in May; the US envoy told us nothing.",)]
    actors = actor_mentions(passage, HEADLINED)
    assert "Envoy Ada Brook" in actors
    assert not any(name.startswith("Former") for name in actors)
    acronym = "US officials met. They told us nothing."
    assert "US officials" in actor_mentions([("US officials met.",)], acronym)
    assert "Zoë Brook" in actor_mentions([("Zoë Brook said so.",)], "Zoë Brook said so.")


def test_third_parties_are_found_by_the_wording_that_casts_them():
    article = (
        "Librarians settled their pay claim in talks that the arbitration agency Tessiva brokered. "
        "The Velmora-mediated consultations between Ostrand and Karsvik resumed. "
        "Sir Aldo Finch, acting as facilitator, opened the session. "
        "Both sides returned to the Coastal Mediation and Arbitration Board on Friday. "
        "Ostrand's minister Ada Brook met Karsvik's envoy Tomas Rehn."
    )
    assert mediator_candidates(article) == [
        "Tessiva",
        "Velmora",
        "Sir Aldo Finch",
        "Coastal Mediation and Arbitration Board",
    ]


def test_talks_between_sides_and_a_title_case_headline_offer_no_third_party():
    article = (
        "Librarians Seek Mediation Deal\n\n"
        "Talks between Ostrand and Karsvik over fishing continued in Port Alba. "
        "Ostrand said the mediation of disputes was a matter for the courts."
    )
    assert mediator_candidates(article) == []


def test_a_person_hosting_talks_is_named_without_their_titles():
    article = "The talks were hosted by Foreign Minister Lena Osk of Velmora, officials said."
    assert mediator_candidates(article) == ["Lena Osk"]


def test_a_report_denied_unnamed_is_the_passages_claimant():
    passage = ("Ostrand's ministry denied media reports that it had agreed to a truce.",)
    article = passage[0] + " Talks resume on Monday."
    actors = actor_mentions([passage], article)
    assert actors == ["Ostrand's ministry", "media reports"]
    cues = role_cues(passage, actors)
    assert cues.claimants == {"media reports"}
    assert "Ostrand's ministry" in cues.deniers


def test_a_report_whose_source_is_named_leaves_the_source_as_claimant():
    passage = ("The Karsvik government dismissed the report by the Velmora Herald on Friday.",)
    actors = actor_mentions([passage], passage[0])
    assert "report" not in actors
    assert role_cues(passage, actors).claimants == {"Velmora Herald"}


def test_claims_of_a_lower_case_thing_are_still_a_report():
    passage = ("The coach dismissed claims of a feud with the club's owner.",)
    assert actor_mentions([passage], passage[0]) == ["claims"]


def test_a_third_party_is_named_whole_not_by_the_first_word_of_its_name():
    article = "Talks resumed in Lunvik, hosted by the Lunvik Water Council. The council's chair opened them."
    assert mediator_candidates(article) == ["Lunvik Water Council"]


def test_a_body_named_for_its_office_ends_where_the_next_name_begins():
    article = "Talks moved to the Velmora Mediation Service and Karsvik negotiators joined them. A host of aides came."
    assert mediator_candidates(article) == ["Velmora Mediation Service"]
