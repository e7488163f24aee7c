"""Prompt templates: loaded from ``prompts/`` files and filled in.

A prompt set is named ``<name>-v<N>``: one system template,
``<name>-v<N>.system.txt``, shared by every pass, and one user template per
pass, ``<name>-v<N>.<pass>.txt``. Changing a prompt's wording means adding a
new version, so results stay traceable to the exact text that produced them.

Templates use ``$article``, ``$language`` (the article's language in English
words, "Spanish"), ``$fields`` (a compact guide rendered from the
pass's response model), ``$schema`` (the model's full JSON Schema) and the
values their pass declares (``$candidates``, ``$items``, ``$failures``),
checked against the strategy when the set is loaded (``PromptSet.check``).
What the server reads in what order decides the cost: a system prompt that
uses no per-article variable is the same bytes for every article and step,
and the article sits at the start of every user turn, so a process reads the
fixed text once and each article once (llama.cpp reuses the longest prefix
it has cached); only what follows the article is read per step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from string import Template
from typing import Any

from pydantic import BaseModel

from ._exceptions import ConfigurationError
from ._resources import data_dir

__all__ = ["PromptSet", "field_guide", "load_prompts"]


#: Variables every template may use: the article, its language, and renderings of the pass's response model.
COMMON_VARIABLES = frozenset({"article", "language", "fields", "schema"})


@dataclass(frozen=True)
class PromptSet:
    """A versioned system template and one user template per pass."""

    version: str
    system: Template
    passes: dict[str, Template]

    def check(self, variables: Mapping[str, Iterable[str]]) -> None:
        """Check the set against what a strategy fills: ``variables`` maps each pass to the values it gives.

        Every pass needs a template; a template may use only the common
        variables and its pass's values, and must use every value its pass
        computes. Raises ``ConfigurationError`` naming the template.
        """
        for name, each in {"system": self.system, **self.passes}.items():
            if not each.is_valid():
                raise ConfigurationError(
                    f"prompt template {self.version}.{name}.txt has a $ that starts no variable; write $$ for a $"
                )
        for name, given in variables.items():
            template = self.passes.get(name)
            if template is None:
                raise ConfigurationError(f"prompt set {self.version!r} has no template for the {name!r} pass")
            used = set(template.get_identifiers())
            unknown = used - COMMON_VARIABLES - set(given)
            unused = set(given) - used
            if unknown or unused:
                problem = (
                    f"uses ${sorted(unknown)[0]}, which the pass does not fill"
                    if unknown
                    else (f"never uses ${sorted(unused)[0]}, which the pass fills")
                )
                raise ConfigurationError(f"prompt template {self.version}.{name}.txt {problem}")
        system_unknown = set(self.system.get_identifiers()) - COMMON_VARIABLES
        if system_unknown:
            raise ConfigurationError(
                f"prompt template {self.version}.system.txt uses ${sorted(system_unknown)[0]}; "
                f"a system template may use only {', '.join(sorted(COMMON_VARIABLES))}"
            )

    def prefix(self) -> list[dict[str, str]] | None:
        """The messages every request of this set opens with, the same bytes for every article and step: the
        system prompt, when it uses no per-article or per-step variable; else None."""
        if set(self.system.get_identifiers()) & COMMON_VARIABLES:
            return None
        return [{"role": "system", "content": self.system.substitute()}]

    def messages(
        self,
        pass_name: str,
        article: str,
        response_model: type[BaseModel],
        values: Mapping[str, str] | None = None,
        *,
        language: str = "en",
    ) -> list[dict[str, str]]:
        """The system and user messages for one request; only the variables a template uses are rendered.

        ``language`` is the article's ISO 639-1 code.
        """
        user = self.passes[pass_name]
        wanted = set(self.system.get_identifiers()) | set(user.get_identifiers())
        filled = {"article": fenced(article), "language": language_name(language), **(values or {})}
        if "fields" in wanted:
            filled["fields"] = field_guide(response_model)
        if "schema" in wanted:
            filled["schema"] = json.dumps(response_model.model_json_schema(), separators=(",", ":"))
        return [
            {"role": "system", "content": self.system.substitute(filled)},
            {"role": "user", "content": user.substitute(filled)},
        ]


# The prompts fence the article between <article> and </article>; an article that writes either tag
# itself must not close the fence early and have its next words read as the prompt's.
_FENCE_TAG = re.compile(r"<(/?)(article)\b", re.IGNORECASE)


# Chat templates mark turns with tokens such as <|im_start|>; a server may read them as special tokens even
# inside a message, so an article that writes one could open a turn of its own.
_SPECIAL_TOKEN = re.compile(r"<\|")


def fenced(article: str) -> str:
    """``article`` as a prompt shows it: any ``<article>`` or ``</article>`` tag of its own, and any chat-template
    token opener ``<|``, defused (``‹/article``, ``‹|``)."""
    article = _FENCE_TAG.sub(lambda m: f"\u2039{m.group(1)}{m.group(2)}", article)
    return _SPECIAL_TOKEN.sub("\u2039|", article)


@cache
def language_name(code: str) -> str:
    """The English name of an ISO 639-1 language code ("es": "Spanish"), from Babel's CLDR data."""
    import babel

    try:
        return str(babel.Locale.parse(code).get_display_name("en"))
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return "the article's language"


@cache
def load_prompts(version: str) -> PromptSet:
    directory = data_dir("prompts")
    system_file = directory / f"{version}.system.txt"
    if not system_file.is_file():
        known = sorted({p.name.split(".")[0] for p in directory.glob("*.system.txt")})
        raise ValueError(f"unknown prompt {version!r}; known prompts: {', '.join(known)}")
    passes = {
        path.name[len(version) + 1 : -len(".txt")]: Template(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob(f"{version}.*.txt"))
        if path != system_file
    }
    return PromptSet(version=version, system=Template(system_file.read_text(encoding="utf-8")), passes=passes)


@cache
def field_guide(model: type[BaseModel]) -> str:
    """Render a model's fields and their descriptions as a compact, indented list.

    The model reads this instead of the full JSON Schema: the grammar already
    enforces the shape, so the prompt only needs the meaning, in few tokens.
    """
    return "\n".join(_guide_lines(model.model_json_schema(), None, indent=""))


def _guide_lines(schema: dict[str, Any], node: dict[str, Any] | None, indent: str) -> list[str]:
    defs = schema.get("$defs", {})
    node = schema if node is None else node
    lines = []
    for name, prop in node.get("properties", {}).items():
        target = _resolve(prop, defs)
        description = prop.get("description") or target.get("description", "")
        items = _resolve(target.get("items", {}), defs) if target.get("type") == "array" else None
        nested = items if items and "properties" in items else target if "properties" in target else None
        shape = "list of objects" if nested is not None and items else "list of strings" if items else ""
        suffix = f" ({shape})" if shape else ""
        lines.append(f"{indent}- {name}{suffix}: {description}".rstrip())
        if nested is not None:
            lines.extend(_guide_lines(schema, nested, indent + "  "))
    return lines


def _resolve(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref")
    if ref is None and "anyOf" in prop:
        refs = [p for p in prop["anyOf"] if "$ref" in p]
        ref = refs[0]["$ref"] if refs else None
    if ref is None:
        return prop
    resolved: dict[str, Any] = defs[ref.rsplit("/", 1)[-1]]
    return resolved
