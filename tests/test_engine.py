"""The embedded engine with the real model: odd characters through the grammar, the shared prefix, determinism."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from summarizer import Backend, Summarizer
from summarizer._schema import ITEM_FIELDS
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
    """Passes every call to ``inner`` and keeps each answer's usage."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.usages: list[Any] = []

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
        return response


def test_passes_after_the_first_read_only_their_own_instruction(real_summarizer):
    """The server's own counts: every later pass takes the system prompt and article from the prompt cache."""
    article = SEED.read_text(encoding="utf-8")
    recorder = RecordingBackend(real_summarizer.backend)
    Summarizer(recorder, settings=real_summarizer.settings).run(article)
    article_tokens = real_summarizer.backend.count_tokens([{"role": "user", "content": article}]) or 0
    assert len(recorder.usages) >= 2
    for usage in recorder.usages[1:]:
        cached = usage.prompt_tokens_details.cached_tokens
        evaluated = usage.prompt_tokens - cached
        assert cached >= article_tokens, (cached, article_tokens)
        assert evaluated < usage.prompt_tokens - article_tokens, (evaluated, usage.prompt_tokens)
