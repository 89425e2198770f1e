"""The source catalogue: every fact a report may use, each under a stable id.

A report is only as true as the sources it can point to, so the CV, the candidate's gap answers
and the job posting are cut into items with ids that do not depend on wording:

    cv.summary                  the professional summary
    cv.exp.2                    the 2nd experience entry (role, company, dates, description,
                                technologies)
    cv.exp.2.ach.1              the 1st achievement of that entry (its parent is cv.exp.2)
    cv.edu.1, cv.cert.1         education and certification entries
    cv.skill.3, cv.lang.1       one skill, one spoken language
    gap.1                       the 1st gap answer (question and answer)
    post.role                   the posting's company and role title (and location)
    post.desc                   the posting's free-text description
    post.resp.1, post.req.4,    one responsibility, requirement, nice-to-have line
    post.nice.2

Numbering is 1-based and follows the order of the lists in the sources. The rules generator, the
Claude prompt and FVS build the same catalogue from the same inputs, so an id written by one is
understood by the others. Pure functions of their arguments: no Django, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from vpr_jobs.schemas import CV, SOURCE_ID_PATTERN, GapResponse, JobPosting

__all__ = [
    "SOURCE_ID_PATTERN",
    "Catalogue",
    "ItemKind",
    "SourceItem",
    "build_catalogue",
]

_SOURCE_ID_RE = re.compile(SOURCE_ID_PATTERN)

ItemKind = Literal[
    "summary",
    "experience",
    "achievement",
    "education",
    "certification",
    "skill",
    "language",
    "gap_answer",
    "posting_role",
    "posting_description",
    "responsibility",
    "requirement",
    "nice_to_have",
]


@dataclass(frozen=True)
class SourceItem:
    """One citable fact. `owner` says whose fact it is: a posting's figures are never the
    candidate's. `data` keeps the structured fields (dates, company, role) for binding checks."""

    id: str
    kind: ItemKind
    text: str
    owner: Literal["candidate", "posting"]
    parent: str | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Catalogue:
    """The items in source order, looked up by id."""

    items: tuple[SourceItem, ...]
    by_id: dict[str, SourceItem] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {item.id: item for item in self.items})

    def __iter__(self) -> Iterator[SourceItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.by_id

    def get(self, item_id: str) -> SourceItem | None:
        return self.by_id.get(item_id)

    def parent_of(self, item_id: str) -> SourceItem | None:
        """The experience entry an achievement sits under (None for anything else)."""
        item = self.by_id.get(item_id)
        return self.by_id.get(item.parent) if item and item.parent else None

    def with_context(self, item_ids: Sequence[str]) -> list[SourceItem]:
        """The cited items and the roles their achievements sit under, each once, in order."""
        seen: dict[str, SourceItem] = {}
        for item_id in item_ids:
            item = self.by_id.get(item_id)
            if item is None:
                continue
            seen.setdefault(item.id, item)
            parent = self.parent_of(item.id)
            if parent is not None:
                seen.setdefault(parent.id, parent)
        return list(seen.values())

    def unknown(self, item_ids: Sequence[str]) -> list[str]:
        """The ids that name no item of this catalogue (a citation to nothing)."""
        return [item_id for item_id in item_ids if item_id not in self.by_id]

    def of_owner(self, owner: Literal["candidate", "posting"]) -> list[SourceItem]:
        return [item for item in self.items if item.owner == owner]

    def children(self, item_id: str) -> list[SourceItem]:
        return [item for item in self.items if item.parent == item_id]

    def lines(self) -> list[str]:
        """`[id] text` per item: how a model is shown the sources it must cite."""
        return [f"[{item.id}] {item.text}" for item in self.items]


def is_source_id(value: str) -> bool:
    return bool(_SOURCE_ID_RE.match(value))


def _period(start: str, end: str | None, current: bool) -> str:
    return f"{start} to {end or ('present' if current else 'unknown')}"


def _cv_items(cv: CV) -> Iterator[SourceItem]:
    if cv.professional_summary:
        yield SourceItem("cv.summary", "summary", cv.professional_summary, "candidate")
    for i, exp in enumerate(cv.experience, start=1):
        exp_id = f"cv.exp.{i}"
        parts = [
            f"{exp.role} at {exp.company}, {_period(exp.start_date, exp.end_date, exp.current)}."
        ]
        if exp.description:
            parts.append(exp.description)
        if exp.technologies:
            parts.append("Technologies: " + ", ".join(exp.technologies) + ".")
        yield SourceItem(
            exp_id,
            "experience",
            " ".join(parts),
            "candidate",
            data=exp.model_dump(mode="json", exclude={"achievements"}),
        )
        for j, achievement in enumerate(exp.achievements, start=1):
            yield SourceItem(
                f"{exp_id}.ach.{j}", "achievement", achievement, "candidate", parent=exp_id
            )
    for i, edu in enumerate(cv.education, start=1):
        degree = " in ".join(part for part in (edu.degree, edu.field_of_study) if part)
        text = ", ".join(
            part for part in (degree, edu.institution, str(edu.graduation_year or "")) if part
        )
        yield SourceItem(
            f"cv.edu.{i}", "education", text, "candidate", data=edu.model_dump(mode="json")
        )
    for i, cert in enumerate(cv.certifications, start=1):
        text = ", ".join(part for part in (cert.name, cert.issuer, str(cert.year or "")) if part)
        yield SourceItem(
            f"cv.cert.{i}", "certification", text, "candidate", data=cert.model_dump(mode="json")
        )
    for i, skill in enumerate(cv.skills, start=1):
        yield SourceItem(f"cv.skill.{i}", "skill", skill, "candidate")
    for i, language in enumerate(cv.languages, start=1):
        yield SourceItem(f"cv.lang.{i}", "language", language, "candidate")


def _gap_items(gap_responses: Sequence[GapResponse]) -> Iterator[SourceItem]:
    for i, gap in enumerate(gap_responses, start=1):
        yield SourceItem(
            f"gap.{i}",
            "gap_answer",
            f"Q: {gap.question} A: {gap.answer}",
            "candidate",
            data=gap.model_dump(mode="json"),
        )


def _posting_items(posting: JobPosting) -> Iterator[SourceItem]:
    role = f"{posting.role_title} at {posting.company_name}"
    if posting.location and (posting.location.city or posting.location.country):
        role += (
            " ("
            + ", ".join(p for p in (posting.location.city, posting.location.country) if p)
            + ")"
        )
    yield SourceItem(
        "post.role",
        "posting_role",
        role,
        "posting",
        data={"company_name": posting.company_name, "role_title": posting.role_title},
    )
    if posting.description:
        yield SourceItem("post.desc", "posting_description", posting.description, "posting")
    lists: tuple[tuple[str, ItemKind, list[str]], ...] = (
        ("resp", "responsibility", posting.responsibilities),
        ("req", "requirement", posting.requirements),
        ("nice", "nice_to_have", posting.nice_to_have),
    )
    for prefix, kind, lines in lists:
        for i, line in enumerate(lines, start=1):
            yield SourceItem(f"post.{prefix}.{i}", kind, line, "posting")


def build_catalogue(
    cv: CV, posting: JobPosting, gap_responses: Sequence[GapResponse] = ()
) -> Catalogue:
    """The one catalogue of a (CV, posting, gap answers) triple."""
    return Catalogue(items=(*_cv_items(cv), *_gap_items(gap_responses), *_posting_items(posting)))
