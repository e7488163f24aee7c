"""Golden eval cases: one YAML file per article, validated against a pydantic model.

The format is a contract shared with other case sets, so unknown keys are
errors and every error names the file and the field. A case set may come
from anyone: a case file is bounded in size and may not use YAML anchors and
aliases (a few KB of nested aliases expand to gigabytes), and its ``source``
must be a file inside the case's own folder, never elsewhere on the machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ._article import read_article
from ._exceptions import ArticleError, CaseError
from ._schema import MeetingStatus

__all__ = ["Aliases", "GoldCase", "GoldClaim", "GoldMeeting", "LoadedCase", "load_case", "load_cases"]

Aliases = Annotated[list[str], Field(min_length=1, description="Acceptable names of one entity.")]
Keywords = Annotated[list[str], Field(min_length=1, description="Keywords; any one of them matches.")]


class GoldClaim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim: str = Field(description="The disputed claim, for people reading the case.")
    keywords: list[Keywords] = Field(
        min_length=1, description="Keyword groups: a matching claim contains one keyword of each group."
    )
    claimed_by: list[Aliases] = Field(description="Entities that made the claim, each with its aliases.")
    disputed_by: list[Aliases] = Field(description="Entities that disputed it, each with its aliases.")


class GoldMeeting(BaseModel):
    """The talks the article reports on: whether they took place, where and when."""

    model_config = ConfigDict(extra="forbid")

    status: MeetingStatus | Literal["none"] = Field(
        description="A summary's meeting status (held, ongoing, planned, postponed, cancelled, refused, denied, "
        "unclear), or none when the article reports no talks at all."
    )
    location: list[str] = Field(
        description="Aliases of the place where the talks took or will take place, as the article spells it; "
        "[] when it names none. A city someone merely visited, a capital used as a side's name or a wire "
        "dateline is not the location."
    )
    date: str | None = Field(description="The date of the talks as the article words it; null when it gives none.")

    @model_validator(mode="after")
    def _no_talks_no_place(self) -> GoldMeeting:
        if self.status == "none" and (self.location or self.date is not None):
            raise ValueError("status none (no talks reported) takes location [] and date null")
        return self


class GoldCase(BaseModel):
    """The expected summary of one article, in the terms the scorer compares."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    url: str | None = None
    source: str = Field(description="Path of the article text, relative to this YAML file.")
    participants: list[Aliases] = Field(default_factory=list)
    parties: list[Aliases] = Field(default_factory=list)
    mediators: list[Aliases] = Field(default_factory=list)
    topics: list[Keywords] = Field(default_factory=list)
    disputed_claims: list[GoldClaim] = Field(default_factory=list)
    allowed_extra: list[Aliases] = Field(
        default_factory=list,
        description="Entities a good summary may list among participants, parties or mediators; not counted.",
    )
    meeting: GoldMeeting | None = Field(
        default=None, description="The talks' status, place and date; cases without it are not scored on them."
    )
    notes: str | None = None

    @model_validator(mode="after")
    def _no_talks_no_lists(self) -> GoldCase:
        if self.meeting is not None and self.meeting.status == "none":
            listed = [name for name in _MEETING_LISTS if getattr(self, name)]
            if listed:
                raise ValueError(f"meeting status none (no talks reported) takes empty {', '.join(listed)}")
        return self


#: The lists that describe the talks themselves; empty when an article reports none.
_MEETING_LISTS = ("participants", "parties", "mediators", "topics")


@dataclass(frozen=True)
class LoadedCase:
    case: GoldCase
    path: Path
    article: str


#: A golden case is a few KB; anything far larger is not one.
MAX_CASE_BYTES = 1_000_000


class _CaseLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases: a golden case never needs one, and nested aliases are a bomb."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark: yaml.error.Mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed in a golden case", mark)
        return super().compose_node(parent, index)


def load_case(path: Path) -> LoadedCase:
    try:
        if path.stat().st_size > MAX_CASE_BYTES:
            raise CaseError(f"{path}: {path.stat().st_size:,} bytes, more than a golden case's {MAX_CASE_BYTES:,}")
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_CaseLoader)  # a SafeLoader
    except OSError as exc:
        raise CaseError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise CaseError(f"{path}:{line} invalid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise CaseError(f"{path}: a case must be a YAML mapping, got {type(raw).__name__}")
    try:
        case = GoldCase.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise CaseError(f"{path}: field {field}: {first['msg']}{more}") from None
    folder = path.parent.resolve()
    source = (path.parent / case.source).resolve()
    if not source.is_relative_to(folder):
        raise CaseError(f"{path}: field source: {case.source!r} is outside the case's folder {path.parent}")
    try:
        article = read_article(source)
    except ArticleError as exc:
        raise CaseError(f"{path}: field source: {exc}") from None
    return LoadedCase(case=case, path=path, article=article)


def load_cases(directories: list[Path]) -> list[LoadedCase]:
    """Load every ``*.yaml`` case under the given directories, sorted by id; ids must be unique."""
    cases: list[LoadedCase] = []
    for directory in directories:
        if not directory.is_dir():
            raise CaseError(f"{directory}: no such case directory")
        files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
        if not files:
            raise CaseError(f"{directory}: no *.yaml case files")
        cases.extend(load_case(f) for f in files)
    seen: dict[str, Path] = {}
    for loaded in cases:
        if loaded.case.id in seen:
            raise CaseError(f"{loaded.path}: field id: {loaded.case.id!r} is also used by {seen[loaded.case.id]}")
        seen[loaded.case.id] = loaded.path
    return sorted(cases, key=lambda c: c.case.id)
