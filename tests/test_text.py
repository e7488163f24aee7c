"""The text layer: what real copy carries is made plain, and every span maps back to the article as given."""

import unicodedata

import pytest

from summarizer.text import (
    clean,
    contains_words,
    ends_sentence,
    fold,
    normalize,
    opens_with_title,
    sentence_spans,
    sentences,
    token_texts,
    tokens,
)


def test_crlf_becomes_one_line_break_and_offsets_count_the_carriage_return():
    original = "Heads met.\r\n\r\nAnna Roth spoke."
    cleaned = clean(original)
    assert cleaned.text == "Heads met.\n\nAnna Roth spoke."
    start = cleaned.text.index("Anna Roth")
    assert cleaned.to_original(start, start + 9) == (original.index("Anna"), original.index("Anna") + 9)


def test_a_hard_wrapped_paragraph_is_joined_and_a_name_broken_across_lines_is_whole():
    original = (
        "HEADLINE - 2 April\r\n\r\n"
        "Officials from the two republics met on Thursday in a small port for\r\n"
        "talks on a shared quota. The delegation was headed by Deputy Minister\r\n"
        "Kristiina Vaher; the other side sent its chief negotiator, Anton van der Merwe-\r\n"
        "Lind, as the session was opened by the council's chair on a quiet day.\r\n"
    )
    cleaned = clean(original)
    assert "HEADLINE - 2 April\n\n" in cleaned.text
    assert "Minister Kristiina Vaher" in cleaned.text
    assert "Anton van der Merwe-Lind," in cleaned.text
    start = cleaned.text.index("Anton")
    span = cleaned.to_original(start, start + len("Anton van der Merwe-Lind"))
    assert original[span[0] : span[1]] == "Anton van der Merwe-\r\nLind"


def test_paragraphs_of_long_lines_and_short_headlines_are_left_alone():
    text = "A headline\nA dateline, 2024\n\n" + ("A paragraph that runs long. " * 8).strip() + "\nNext one.\n"
    assert clean(text).text == text


@pytest.mark.parametrize("invisible", ["\u00ad", "\u200b", "\u2060", "\ufeff"])
def test_invisible_characters_inside_a_word_are_removed(invisible):
    cleaned = clean(f"Agnieszka Kowal{invisible}ska met.")
    assert cleaned.text == "Agnieszka Kowalska met."
    assert normalize(f"Kowal{invisible}ska") == "kowalska"


@pytest.mark.parametrize("space", ["\t", "\v", "\f", "\u00a0", "\u202f", "\x00"])
def test_odd_spaces_and_control_characters_become_a_space(space):
    assert clean(f"Two{space}sides met.").text == "Two sides met."


def test_decomposed_accents_are_composed_and_spans_keep_whole_characters():
    original = unicodedata.normalize("NFD", "José Sánchez met Zoë.")
    cleaned = clean(original)
    assert cleaned.text == "José Sánchez met Zoë."
    start = cleaned.text.index("Sánchez")
    begin, end = cleaned.to_original(start, start + len("Sánchez"))
    assert unicodedata.normalize("NFC", original[begin:end]) == "Sánchez"
    assert token_texts(original) == [unicodedata.normalize("NFD", w) for w in ["José", "Sánchez", "met", "Zoë."]]


def test_an_emoji_with_modifiers_and_joiners_is_one_character_to_a_span():
    family = "👩🏽\u200d👩🏽\u200d👦🏽"
    original = f"Fans {family} cheered."
    cleaned = clean(original)
    assert cleaned.text == original  # the joiners that build the emoji stay
    start = cleaned.text.index(family)
    assert cleaned.to_original(start + 1, start + 2) == (start, start + len(family))


def test_a_title_abbreviation_does_not_end_a_sentence_but_a_full_stop_does():
    assert sentences("Dr. Marek Volta met Gen. Ion Pavel. The U.S. military said no.") == [
        "Dr. Marek Volta met Gen. Ion Pavel.",
        "The U.S. military said no.",
    ]


def test_sentences_of_scripts_without_spaces_end_at_their_full_stops():
    assert sentences("ベルモラ政府は報道を否定した。会談は続く。") == ["ベルモラ政府は報道を否定した。", "会談は続く。"]


def test_sentence_spans_slice_the_text():
    text = "  One sentence here.  Another one!\n\nA third?"
    assert [text[a:b] for a, b in sentence_spans(text)] == ["One sentence here.", "Another one!", "A third?"]


def test_tokens_carry_their_offsets():
    text = "O’Neill met al-Maliki."
    assert [(t.text, text[t.start : t.end]) for t in tokens(text)] == [
        ("O’Neill", "O’Neill"),
        ("met", "met"),
        ("al-Maliki.", "al-Maliki."),
    ]


def test_fold_and_normalize_compare_spellings():
    assert fold("Sørum-Baptiste") == "sorum-baptiste"
    assert normalize("„Freie Küste“") == "freie kuste"
    assert contains_words("the freie kuste alliance", "freie kuste")


def test_a_headline_over_a_short_paragraph_keeps_its_line_break():
    text = (
        "Headline about the two sides in the talks today\n"
        "LONDON - Officials said the two sides met for talks\n"
        "on the corridor and agreed to meet again next week.\n"
    )
    assert clean(text).text == text


def test_lines_of_a_list_in_an_article_of_long_lines_are_not_joined():
    text = (
        "Delegations met on Monday in a border town; the host named them. " * 3
        + "\n\nNorthland:\tAda Brook\thead\nNorthland:\tCarl Menn\tadviser\nSouthland:\tTomas Rehn\tenvoy\n"
    )
    assert clean(text).text.count("\n") == text.count("\n")


def test_a_hard_wrapped_line_break_inside_a_script_without_spaces_joins_without_a_space():
    line = (
        "ベルモラ共和国とオストランド自治区の代表団が火曜日にジュネーブで会談し、ダムの放水量について協議した。代表団は"
    )
    text = "\n".join([line, line, line + "𠮷田", "健一が率いた。"])
    assert "𠮷田健一" in clean(text).text


def test_an_empty_span_maps_to_an_empty_span():
    cleaned = clean("Ada\r\nmet.")
    assert cleaned.to_original(3, 3) == (3, 3)
    assert cleaned.to_original(len(cleaned.text), len(cleaned.text)) == (len(cleaned.original), len(cleaned.original))


@pytest.mark.parametrize(
    "text",
    [
        "Key points of the agreement:\n- Both sides will withdraw heavy weapons from the front line\n"
        "- International observers will monitor the ceasefire daily\n- Prisoners of war will be exchanged "
        "within thirty days\n- Humanitarian corridors will open for civilians in the east\n",
        "The plan:\n1. A ceasefire along the whole front line starting on Monday\n2. Opposition leaders "
        "released from detention this week\n3. Elections held within eighteen months of the agreement\n"
        "4. Refugees allowed home under international supervision\n",
        "> The delegations met in Geneva on Tuesday and agreed to a ceasefire, and\n> both delegations will "
        "meet again next week in Vienna for more talks on\n> the corridor and the water sharing agreement "
        "between the two sides.\n",
        "Do not go gentle into that good night,\nOld age should burn and rave at close of day;\nRage, rage "
        "against the dying of the light.\n\nThough wise men at their end know dark is right,\nBecause their "
        "words had forked no lightning they\nDo not go gentle into that good night.\n",
    ],
    ids=["bullets", "numbered", "quoted-reply", "verse"],
)
def test_lists_quoted_replies_and_verse_keep_their_line_breaks(text):
    assert clean(text).text == text


@pytest.mark.parametrize("text", ["e\u00ad\u0301", "\u000b\u0301", "\u1100\u200b\u1161", "Zo\u00ade\u0308 met."])
def test_cleaning_twice_changes_nothing_more(text):
    once = clean(text).text
    assert clean(once).text == once
    assert unicodedata.is_normalized("NFC", once)


def test_indic_vowel_signs_are_part_of_the_word():
    assert normalize("नरेंद्र मोदी") == "नरेंद्र मोदी"
    assert normalize("राहुल गांधी") != normalize("राहल गध")


@pytest.mark.parametrize(
    ("text", "titled"),
    [
        ("Talks resume in Geneva\n\nThe envoys met on Monday.", True),
        ("Talks resume in Geneva\nThe envoys met on Monday.", True),
        ("The envoys met on Monday.\n\nThey spoke for an hour.", False),  # a sentence, not a headline
        ("Talks resume in Geneva", False),  # nothing follows it
        ("Envoys met: talks resume\n\nThey spoke.", True),
        ("GENEVA, May 2 (Wire) - The envoys met on Monday and spoke for an hour.", False),
    ],
)
def test_a_first_line_without_closing_punctuation_is_a_headline(text, titled):
    assert opens_with_title(text) is titled


def test_what_ends_a_sentence():
    assert ends_sentence("The talks ended.")
    assert ends_sentence("He said: 'There was no deal.' ")
    assert ends_sentence("カルナ島政府は「合意した。」")
    assert not ends_sentence("Minister denies 'secret deal'")
    assert not ends_sentence("the sides’")
    assert not ends_sentence("Terms were agreed:")
