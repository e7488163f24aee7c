import pytest

from summarizer import ArticleSummary
from summarizer._prompts import DEFAULT_PROMPT, field_guide, load_prompt
from summarizer._resources import data_dir


def test_default_prompt_files_exist():
    directory = data_dir("prompts")
    assert (directory / f"{DEFAULT_PROMPT}.system.txt").is_file()
    assert (directory / f"{DEFAULT_PROMPT}.user.txt").is_file()


def test_messages_put_the_article_in_the_user_turn_and_fill_every_placeholder():
    article = "A $dollar {brace} article text with ${article} inside."
    messages = load_prompt().messages(article, ArticleSummary)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert article in messages[1]["content"]
    assert "$fields" not in messages[0]["content"]
    assert article not in messages[0]["content"]


def test_system_prompt_is_shared_across_articles_for_prefix_caching():
    prompt = load_prompt()
    first = prompt.messages("one article", ArticleSummary)
    second = prompt.messages("another article", ArticleSummary)
    assert first[0] == second[0]
    assert second[1]["content"].startswith(first[1]["content"].split("one article")[0])


def test_field_guide_names_every_field_with_its_description():
    guide = field_guide(ArticleSummary)
    schema = ArticleSummary.model_json_schema()
    for node in [schema, *schema["$defs"].values()]:
        for name, prop in node.get("properties", {}).items():
            assert f"- {name}" in guide
            assert prop["description"] in guide


def test_unknown_prompt_version_names_the_known_ones():
    with pytest.raises(ValueError, match=DEFAULT_PROMPT):
        load_prompt("no-such-prompt-v9")
