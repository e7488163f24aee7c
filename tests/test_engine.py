"""The embedded engine with the real model: odd characters through the grammar, the shared prefix, determinism."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from summarizer import Backend, EmbeddedBackend, Summarizer
from summarizer._probabilities import CONTENT_FREE
from summarizer._schema import ITEM_FIELDS
from summarizer.reading import read
from tests.conftest import SEED

pytestmark = pytest.mark.model

# One phrase per kind of character that pasted article text carries and a JSON string must escape or keep.
CHARACTER_CLASSES = {
    "form-feed": "the water\fcommission met",
    "tab": "Maravia:\tCarla Menhir\tcommissioner",
    "vertical-tab": "acted as\vmediator today",
    "c0-bell-and-escape": "a stray \x07 bell and \x1b escape",
    "c1-next-line": "the talks\x85resumed on Monday",
    "line-separator": "the envoys\u2028met again",
    "zero-width-and-bom": "Kowal\u200bska and \ufeffSørum",
    "soft-hyphen": "Sørum-Bap\u00adtiste said",
    "emoji-modifier-zwj": "delegates 👍🏽 and 👩🏾\u200d💻 cheered",
    "quote-and-backslash": 'called it "a fabrication" \\ twice',
    "non-bmp-cjk": "𠮷田健一と髙橋美咲が会談",
    "decomposed-accents": "Jose\u0301 Sa\u0301nchez spoke",
}


@pytest.mark.parametrize("phrase", CHARACTER_CLASSES.values(), ids=CHARACTER_CLASSES.keys())
def test_enum_values_with_odd_characters_come_back_as_valid_json(real_summarizer, phrase):
    """A quote phrase offered in a schema enum is answered back byte for byte, as valid JSON."""
    schema = {
        "type": "object",
        "properties": {"quote": {"type": "string", "enum": [phrase]}},
        "required": ["quote"],
        "additionalProperties": False,
    }
    response = real_summarizer.backend.chat(
        messages=[{"role": "user", "content": f"Copy this phrase exactly: {phrase}"}],
        response_format={"type": "json_schema", "json_schema": {"name": "Quote", "schema": schema}},
        max_tokens=96,
        temperature=0.0,
    )
    content = response.choices[0].message.content
    assert content is not None
    assert json.loads(content) == {"quote": phrase}


# Invented, as text pasted from a PDF or a word processor leaves it: page-break form feeds mid-sentence,
# vertical tabs for soft line breaks, a tab-separated list of delegates.
PASTED = (
    "Harbour talks resume in Velden\n\n"
    "VELDEN, 2 June - Delegations of the Republic of Norvale and the Estmark Federation met on Monday in Velden "
    "for talks on fishing quotas, hosted by the Coastal Waters Council, whose chair, Ilse Brandt, acted as\v"
    "mediator. The delegations were:\n\n"
    "Norvale:\tPetra Lund\thead of delegation\n"
    "Estmark:\tJonas Vell\tfisheries minister\n\n"
    "The talks covered the cod quota, patrol boats and the harbour\ffees paid by foreign trawlers.\n\n"
    "Afterwards Norvale's fisheries ministry said Estmark had agreed to halve its cod catch. An Estmark "
    "spokesman rejected that account as untrue.\f\n"
)


def test_pasted_control_characters_give_a_normal_grounded_summary(real_summarizer):
    result = real_summarizer.run(PASTED)
    summary = result.summary
    names = " ".join(p.name for p in summary.participants) + " " + " ".join(m.name for m in summary.mediators)
    assert "Lund" in names or "Vell" in names or "Brandt" in names
    for field in ITEM_FIELDS:
        for item in summary.items(field):
            assert item.evidence is not None
            assert item.evidence.span is not None
            start, end = item.evidence.span
            if item.evidence.match == "exact":
                assert PASTED[start:end] == item.evidence.quote


class RecordingBackend(Backend):
    """Passes every call to ``inner`` and keeps each answer's usage, and each call's messages."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.usages: list[Any] = []
        self.messages: list[list[dict[str, Any]]] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def context_window(self) -> int | None:
        return self.inner.context_window

    @property
    def instructor_mode(self) -> Any:
        return self.inner.instructor_mode

    def accepts_enum(self, values: Any) -> bool:
        return self.inner.accepts_enum(values)

    def count_tokens(self, messages: list[dict[str, str]]) -> int | None:
        return self.inner.count_tokens(messages)

    def chat(self, *, messages: list[dict[str, Any]], **params: Any) -> ChatCompletion:
        response = self.inner.chat(messages=messages, **params)
        self.usages.append(response.usage)
        self.messages.append(messages)
        return response


def test_passes_after_the_first_read_only_their_own_instruction(real_summarizer):
    """The server's own counts: every later pass takes the system prompt and article from the prompt cache."""
    article = SEED.read_text(encoding="utf-8")
    recorder = RecordingBackend(real_summarizer.backend)
    Summarizer(recorder, settings=real_summarizer.settings).run(article)
    article_tokens = real_summarizer.backend.count_tokens([{"role": "user", "content": article}]) or 0
    assert len(recorder.usages) >= 2
    content_free = f"<article>\n{CONTENT_FREE}\n</article>"
    for usage, messages in zip(recorder.usages[1:], recorder.messages[1:], strict=True):
        cached = usage.prompt_tokens_details.cached_tokens
        evaluated = usage.prompt_tokens - cached
        if content_free in messages[-1]["content"]:
            # The venue check's content-free half, asked last: the system prompt from the cache, no article.
            assert evaluated < article_tokens, (evaluated, article_tokens)
            assert cached > 0
            continue
        assert cached >= article_tokens, (cached, article_tokens)
        assert evaluated < usage.prompt_tokens - article_tokens, (evaluated, usage.prompt_tokens)
    # Only the last request leaves the article: nothing after it needs the article read again.
    assert content_free in recorder.messages[-1][-1]["content"]
    assert all(content_free not in m[-1]["content"] for m in recorder.messages[:-1])


def _read_and_cached(response: ChatCompletion | None) -> tuple[int, int]:
    """The server's own counts: prompt tokens, and those of them it took from its cache."""
    assert response is not None
    assert response.usage is not None
    assert response.usage.prompt_tokens_details is not None
    return response.usage.prompt_tokens, response.usage.prompt_tokens_details.cached_tokens or 0


def test_instructions_read_once_are_restored_by_the_next_server_with_the_same_answers(real_summarizer, tmp_path):
    """The fixed text is primed before the first article; a server that read it saves the slot, the next one
    restores it instead of reading (llama.cpp's slot save/restore), and answers the article the same."""
    prompts = real_summarizer.prompts
    prefix = prompts.prefix()
    assert prefix is not None
    request = real_summarizer.strategy.passes[0].request(read(PASTED))
    assert request is not None
    messages = prompts.messages(request.pass_name, PASTED, request.response_model)
    schema = {"name": "Meeting", "schema": request.response_model.model_json_schema()}
    answers, primed = [], []
    for _ in range(2):
        backend = EmbeddedBackend(real_summarizer.backend.model_path, model_id="m", state_dir=tmp_path / "states")
        try:
            primed.append(_read_and_cached(backend.prime(prefix)))
            assert backend.prime(prefix) is None  # held: nothing more to read
            response = backend.chat(
                messages=messages,
                response_format={"type": "json_schema", "json_schema": schema},
                max_tokens=400,
                temperature=0.0,
                seed=0,
            )
        finally:
            backend.close()
        answers.append(response.choices[0].message.content)
        # The article's request found the instructions: all the priming request read but its empty user turn.
        assert _read_and_cached(response)[1] >= primed[0][0] - 10
    (read_first, cached_first), (read_second, cached_second) = primed
    assert read_first > 300  # the instructions, hundreds of tokens
    assert cached_first == 0  # the first server read the instructions
    assert cached_second >= read_second - 1  # the second restored them
    assert len(list((tmp_path / "states").glob("*.slot"))) == 1
    assert answers[0] == answers[1]
