"""Prompt templates: loaded from ``prompts/`` files and filled in.

A prompt is named ``<name>-v<N>``; its system and user templates are the files
``<name>-v<N>.system.txt`` and ``<name>-v<N>.user.txt``. Changing a prompt's
wording means adding a new version, so results stay traceable to the exact
text that produced them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from string import Template
from typing import Any

from pydantic import BaseModel

from ._resources import data_dir

__all__ = ["DEFAULT_PROMPT", "ChatPrompt", "field_guide", "load_prompt"]

DEFAULT_PROMPT = "extract-v1"


@dataclass(frozen=True)
class ChatPrompt:
    """A versioned pair of templates that turns an article into chat messages."""

    version: str
    system: Template
    user: Template

    def messages(self, article: str, response_model: type[BaseModel]) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system.substitute(fields=field_guide(response_model))},
            {"role": "user", "content": self.user.substitute(article=article)},
        ]


@cache
def load_prompt(version: str = DEFAULT_PROMPT) -> ChatPrompt:
    directory = data_dir("prompts")
    try:
        system = (directory / f"{version}.system.txt").read_text(encoding="utf-8")
        user = (directory / f"{version}.user.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        known = sorted({p.name.split(".")[0] for p in directory.glob("*.txt")})
        raise ValueError(f"unknown prompt {version!r}; known prompts: {', '.join(known)}") from None
    return ChatPrompt(version=version, system=Template(system), user=Template(user))


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
